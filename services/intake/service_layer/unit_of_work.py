"""Intake's unit of work: its repositories on one transaction."""

from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.adapters.people import MatterRepository, MissedRepository, PersonRepository, ReviewRepository
from services.intake.adapters.repositories import CaseRepository, NoticeRepository, ReferenceRepository
from services.intake.adapters.requests import RequestRepository
from services.runtime.unit_of_work import UnitOfWork


class IntakeUnitOfWork(UnitOfWork):
    def _open(self, conn: AsyncConnection) -> None:
        self.reference = ReferenceRepository(conn)
        self.notices = NoticeRepository(conn)
        self.cases = CaseRepository(conn)
        self.people = PersonRepository(conn)
        self.matters = MatterRepository(conn)
        self.reviews = ReviewRepository(conn)
        self.missed = MissedRepository(conn)
        self.requests = RequestRepository(conn)

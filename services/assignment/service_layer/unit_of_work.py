"""Assignment's unit of work."""

from sqlalchemy.ext.asyncio import AsyncConnection

from services.assignment.adapters.repositories import AssignmentRepository, RosterRepository
from services.runtime.unit_of_work import UnitOfWork


class AssignmentUnitOfWork(UnitOfWork):
    def _open(self, conn: AsyncConnection) -> None:
        self.roster = RosterRepository(conn)
        self.assignments = AssignmentRepository(conn)

"""Reporting's unit of work."""

from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.adapters.repositories import FiguresRepository, ReadModelRepository, ReportRepository
from services.runtime.unit_of_work import UnitOfWork


class ReportingUnitOfWork(UnitOfWork):
    def _open(self, conn: AsyncConnection) -> None:
        self.facts = ReadModelRepository(conn)
        self.figures = FiguresRepository(conn)
        self.reports = ReportRepository(conn)

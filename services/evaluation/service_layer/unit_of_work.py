"""Evaluation's unit of work."""

from sqlalchemy.ext.asyncio import AsyncConnection

from services.evaluation.adapters.repositories import RegisterRepository
from services.runtime.unit_of_work import UnitOfWork


class EvaluationUnitOfWork(UnitOfWork):
    def _open(self, conn: AsyncConnection) -> None:
        self.register = RegisterRepository(conn)

"""Reporting's unit of work, with the local time zone that decides periods."""

from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.reporting.adapters.dashboards import DashboardRepository
from services.reporting.adapters.repositories import FiguresRepository, ReadModelRepository, ReportRepository
from services.runtime.messaging_tables import MessagingTables
from services.runtime.unit_of_work import UnitOfWork

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class ReportingUnitOfWork(UnitOfWork):
    def __init__(self, engine: AsyncEngine, tables: MessagingTables, on_outbox: Callable[[], None] | None = None,
                 *, tz: ZoneInfo = LOCAL_TZ) -> None:
        super().__init__(engine, tables, on_outbox)
        self.tz = tz

    def _open(self, conn: AsyncConnection) -> None:
        self.facts = ReadModelRepository(conn)
        self.figures = FiguresRepository(conn)
        self.reports = ReportRepository(conn)
        self.dashboards = DashboardRepository(conn)

"""Reporting's unit of work, with the local time zone that decides periods."""

from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.reporting.adapters.dashboards import DashboardRepository
from services.reporting.adapters.repositories import FiguresRepository, ReadModelRepository, ReportRepository
from services.reporting.service_layer.projections import Projection, apply
from services.runtime.messaging_tables import MessagingTables
from services.runtime.unit_of_work import RelayLink, UnitOfWork

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class ReportingUnitOfWork(UnitOfWork):
    """`projections` gathers the rows of the events a transaction handles (a fetched batch shares one);
    they are written as it commits, one statement per kind of row (projections commute, so the order
    within a transaction does not matter)."""

    def __init__(self, engine: AsyncEngine, tables: MessagingTables, relay: RelayLink | None = None,
                 *, tz: ZoneInfo = LOCAL_TZ) -> None:
        super().__init__(engine, tables, relay)
        self.tz = tz

    def _open(self, conn: AsyncConnection) -> None:
        self.facts = ReadModelRepository(conn)
        self.figures = FiguresRepository(conn)
        self.reports = ReportRepository(conn)
        self.dashboards = DashboardRepository(conn)
        self.projections: list[Projection] = []

    async def _before_commit(self) -> None:
        if self.projections:
            projections, self.projections = self.projections, []
            await apply(self.conn, projections, self.tz)

"""Evaluation's unit of work: its repositories, the evaluation rules in force and the local time zone."""

from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.evaluation.adapters.repositories import (
    ActionRepository, ConflictRepository, EvaluationRepository, OfficerRepository, PlanRepository,
    RegisterRepository, ReviewRepository,
)
from services.evaluation.domain.rules import EvaluationRules, load_rules
from services.runtime.messaging_tables import MessagingTables
from services.runtime.unit_of_work import RelayLink, UnitOfWork

DEFAULT_RULES = load_rules()
DEFAULT_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class EvaluationUnitOfWork(UnitOfWork):
    def __init__(self, engine: AsyncEngine, tables: MessagingTables, relay: RelayLink | None = None,
                 *, rules: EvaluationRules = DEFAULT_RULES, tz: ZoneInfo = DEFAULT_TZ) -> None:
        super().__init__(engine, tables, relay)
        self.rules = rules
        self.tz = tz

    def _open(self, conn: AsyncConnection) -> None:
        self.register = RegisterRepository(conn)
        self.officers = OfficerRepository(conn)
        self.plans = PlanRepository(conn)
        self.evaluations = EvaluationRepository(conn)
        self.actions = ActionRepository(conn)
        self.conflicts = ConflictRepository(conn)
        self.reviews = ReviewRepository(conn)

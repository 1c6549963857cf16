"""Assignment's unit of work: its repositories and the assignment rules in force."""

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.assignment.adapters.repositories import AssignmentRepository, RosterRepository
from services.assignment.domain.rules import AssignmentRules, load_rules
from services.runtime.messaging_tables import MessagingTables
from services.runtime.unit_of_work import RelayLink, UnitOfWork

DEFAULT_RULES = load_rules()


class AssignmentUnitOfWork(UnitOfWork):
    def __init__(self, engine: AsyncEngine, tables: MessagingTables, relay: RelayLink | None = None,
                 *, rules: AssignmentRules = DEFAULT_RULES) -> None:
        super().__init__(engine, tables, relay)
        self.rules = rules

    def _open(self, conn: AsyncConnection) -> None:
        self.roster = RosterRepository(conn)
        self.assignments = AssignmentRepository(conn)

"""Officers as assignment sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

LEADER_ROLES = ("director", "deputy_director", "branch_head")
ABSENCE_KINDS = ("leave", "training", "maternity", "sick")


@dataclass(frozen=True)
class Absence:
    """A period (both days included) when the officer takes no new case."""

    start: date
    end: date
    kind: str = "leave"

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Officer:
    officer_id: str
    full_name: str
    branch_code: str
    fields: tuple[str, ...]
    appointed_on: date
    leader_role: str | None = None
    active: bool = True
    kind: str = "legal_aid_officer"
    absences: tuple[Absence, ...] = field(default=())

    @property
    def is_leader(self) -> bool:
        return self.leader_role in LEADER_ROLES

    def absent_on(self, day: date) -> Absence | None:
        """The absence (leave, training, maternity...) covering a day, if any."""
        return next((a for a in self.absences if a.covers(day)), None)

    def handles(self, field: str) -> bool:
        """Whether the officer takes cases of this field of law."""
        return field in self.fields

"""Officers as assignment sees them: where and what they serve, when they are away or on duty,
and the relationships they declared."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

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
class DutyShift:
    """A shift on the center's 24/7 duty roster: the officer takes urgent cases from start to end."""

    start: datetime
    end: datetime

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class Relationship:
    """A relationship the officer declared with a person (Law Art. 25(2): grounds to doubt objectivity)."""

    full_name: str
    national_id: str | None = None
    relation: str = ""


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
    duty: tuple[DutyShift, ...] = field(default=())
    relationships: tuple[Relationship, ...] = field(default=())

    @property
    def is_leader(self) -> bool:
        return self.leader_role in LEADER_ROLES

    def absent_on(self, day: date) -> Absence | None:
        """The absence (leave, training, maternity...) covering a day, if any."""
        return next((a for a in self.absences if a.covers(day)), None)

    def on_duty(self, moment: datetime) -> bool:
        """Whether a duty shift covers the moment."""
        return any(shift.covers(moment) for shift in self.duty)

    def handles(self, field: str) -> bool:
        """Whether the officer takes cases of this field of law."""
        return field in self.fields

"""Officers as assignment sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

LEADER_ROLES = ("director", "deputy_director", "branch_head")


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

    @property
    def is_leader(self) -> bool:
        return self.leader_role in LEADER_ROLES

    def handles(self, field: str) -> bool:
        """Whether the officer takes cases of this field of law."""
        return field in self.fields

"""The evaluation register: which cases exist, who performed them, whether they are closed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class RegisterStatus:
    IN_PROGRESS = "in_progress"
    AWAITING_EVALUATION = "awaiting_evaluation"


#: Closure outcomes whose case is evaluated (Circular 12/2018: closed proceedings and
#: out-of-court representation cases). Transferred cases are evaluated by the receiving center.
EVALUATED_OUTCOMES = frozenset({"closed", "terminated"})


@dataclass(frozen=True)
class RegisterEntry:
    case_id: str
    officer_id: str | None
    closed_at: datetime | None
    outcome: str | None

    @property
    def status(self) -> str:
        """A case awaits evaluation once it is closed with an evaluated outcome."""
        if self.closed_at is not None and (self.outcome or "").split(":")[0] in EVALUATED_OUTCOMES:
            return RegisterStatus.AWAITING_EVALUATION
        return RegisterStatus.IN_PROGRESS

"""What the evaluation rules refuse, with a message for staff in Vietnamese."""

from __future__ import annotations


class Refused(Exception):
    """The action breaks a rule in the current state (already final, nothing to answer, ...)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


class Invalid(Refused):
    """The input itself is wrong; `field` names it (e.g. `criteria[2].score`)."""

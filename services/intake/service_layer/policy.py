"""The rules intake decides by: the versioned rules file, the working-day calendar, matching thresholds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.intake.domain.matching import DEFAULT_THRESHOLDS, MatchThresholds
from services.intake.domain.rules import IntakeRules, load_rules
from services.intake.domain.working_days import WorkingCalendar


@dataclass(frozen=True)
class IntakePolicy:
    rules: IntakeRules
    calendar: WorkingCalendar
    matching: MatchThresholds = DEFAULT_THRESHOLDS

    @classmethod
    def load(cls, rules_path: Path | None = None) -> IntakePolicy:
        """Read the rules file (at start, never at import) and build the calendar from it."""
        rules = load_rules(rules_path)
        return cls(rules=rules, calendar=WorkingCalendar.from_rules(rules))

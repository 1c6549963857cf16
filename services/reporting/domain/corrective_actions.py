"""Counts of corrective actions as of a local day: what was open then, overdue then, closed by
then and closed late; by officer and by criterion. An action's state on a past day is rebuilt from
when it was raised and closed, so the same day always gives the same counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ActionFact:
    """A corrective action as reporting learnt it, with local days."""

    officer_id: str | None
    criterion: str
    due_on: date | None
    raised_on: date | None
    closed_on: date | None
    late: bool | None


def _tally(facts: list[ActionFact], as_of: date) -> dict[str, int]:
    closed = [f for f in facts if f.closed_on is not None and f.closed_on <= as_of]
    still_open = [f for f in facts if f.closed_on is None or f.closed_on > as_of]
    return {"open": len(still_open),
            "overdue": sum(f.due_on is not None and as_of > f.due_on for f in still_open),
            "closed": len(closed), "closed_late": sum(bool(f.late) for f in closed)}


def count_actions(facts: Iterable[ActionFact], as_of: date) -> dict:
    """Counts of the actions raised by `as_of`, overall, by officer and by criterion."""
    known = [f for f in facts if f.raised_on is None or f.raised_on <= as_of]
    by_officer: dict[str, list[ActionFact]] = defaultdict(list)
    by_criterion: dict[str, list[ActionFact]] = defaultdict(list)
    for fact in known:
        by_officer[fact.officer_id or "unknown"].append(fact)
        by_criterion[fact.criterion].append(fact)
    return {"as_of": as_of, **_tally(known, as_of),
            "by_officer": [{"officer_id": k, **_tally(v, as_of)} for k, v in sorted(by_officer.items())],
            "by_criterion": [{"criterion": k, **_tally(v, as_of)} for k, v in sorted(by_criterion.items())]}

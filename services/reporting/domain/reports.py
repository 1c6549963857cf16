"""Report identity, periods and revisions (EXTERNAL.md §2)."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def report_id(kind: str, start: date, end: date) -> str:
    """Stable identity: the same kind and period always give the same id."""
    return f"tgpl-{kind}-{start.isoformat()}-{end.isoformat()}"


def period_bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The half-open instant range [start 00:00, day after end 00:00) in local time."""
    return (datetime.combine(start, time.min, tzinfo=tz),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz))


def figures_fingerprint(figures: dict) -> str:
    """A digest of a report's figures, ignoring when it was generated."""
    return hashlib.sha256(json.dumps(figures, sort_keys=True, default=str).encode()).hexdigest()


def next_revision(stored: tuple[int, str] | None, fingerprint: str) -> tuple[int, bool]:
    """The revision for these figures and whether it is new: unchanged figures keep the revision."""
    if stored is None:
        return 1, True
    revision, previous = stored
    if previous == fingerprint:
        return revision, False
    return revision + 1, True



PERIODIC_KINDS = ("monthly", "quarterly", "yearly")


def period_of(kind: str, day: date) -> tuple[date, date]:
    """The month, quarter or year (both days inclusive) a day falls in."""
    if kind == "monthly":
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
    elif kind == "quarterly":
        first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        following = (first + timedelta(days=95)).replace(day=1)
    elif kind == "yearly":
        first, following = date(day.year, 1, 1), date(day.year + 1, 1, 1)
    else:
        raise ValueError(f"not a periodic kind: {kind}")
    return first, following - timedelta(days=1)


def closed_periods(kind: str, first_day: date, today: date) -> list[tuple[date, date]]:
    """Every period of a kind from the one holding `first_day` to the last that ended before `today`."""
    periods = []
    start, end = period_of(kind, first_day)
    while end < today:
        periods.append((start, end))
        start, end = period_of(kind, end + timedelta(days=1))
    return periods

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


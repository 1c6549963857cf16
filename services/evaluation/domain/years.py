"""The years evaluation counts in: the evaluation year (by default 1 November Y-1 to 31 October Y)
and the quota year (the calendar year, like assignment's targets), in the center's local time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def _starts_on_new_year(year_start: tuple[int, int]) -> bool:
    return year_start == (1, 1)


def evaluation_year_bounds(year: int, year_start: tuple[int, int]) -> tuple[date, date]:
    """First and last day (inclusive) of evaluation year `year`, named by the year it ends in."""
    month, day = year_start
    start = date(year if _starts_on_new_year(year_start) else year - 1, month, day)
    following = date(start.year + 1, month, day)
    return start, following - timedelta(days=1)


def evaluation_year_of(day: date, year_start: tuple[int, int]) -> int:
    """The evaluation year a day belongs to."""
    if _starts_on_new_year(year_start):
        return day.year
    return day.year + 1 if (day.month, day.day) >= year_start else day.year


def quota_year_bounds(year: int) -> tuple[date, date]:
    """First and last day of a quota (calendar) year."""
    return date(year, 1, 1), date(year, 12, 31)


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    """The local calendar day of an instant."""
    return moment.astimezone(tz).date()


def instant_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The half-open instant range [first 00:00, the day after last 00:00) in local time."""
    return (datetime.combine(first, time.min, tzinfo=tz),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz))

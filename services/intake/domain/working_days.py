"""Working days in Vietnam: weekends and public holidays (Tết included) off, make-up days on.

Precedence for one day, strongest first: a configured extra day off; a configured make-up day;
a public holiday of `holidays.VN`; a weekend day the government swapped into a working day
(as `holidays.VN` records it, e.g. Sat 22 Aug 2026); otherwise Monday to Friday work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from types import MappingProxyType

import holidays

from services.intake.domain.rules import IntakeRules

_SATURDAY = 5


@lru_cache(maxsize=64)
def _vietnam_year(year: int) -> tuple[Mapping[date, str], frozenset[date]]:
    """Public holidays (with names) and swapped weekend workdays of one year, computed once per process."""
    calendar = holidays.VN(years=year)
    days_off = MappingProxyType({day: name for day, name in calendar.items() if day.year == year})
    # Older releases of `holidays` have no `weekend_workdays`; then only configured make-up days apply.
    swapped = frozenset(day for day in getattr(calendar, "weekend_workdays", ()) if day.year == year)
    return days_off, swapped


class WorkingCalendar:
    """Counts working days for the center's deadlines."""

    def __init__(self, makeup_days: Iterable[date] = (), extra_days_off: Iterable[date] = ()) -> None:
        self._makeup = frozenset(makeup_days)
        self._extra_off = frozenset(extra_days_off)
        if clash := self._makeup & self._extra_off:
            raise ValueError(f"{min(clash)} is both a make-up working day and an extra day off")

    @classmethod
    def from_rules(cls, rules: IntakeRules) -> WorkingCalendar:
        """The calendar with the make-up days and extra days off of a rules version."""
        return cls(rules.makeup_working_days, rules.extra_days_off)

    def is_working_day(self, day: date) -> bool:
        """Whether the center works on this day."""
        if day in self._extra_off:
            return False
        if day in self._makeup:
            return True
        public_holidays, swapped_workdays = _vietnam_year(day.year)
        if day in public_holidays:
            return False
        return day in swapped_workdays or day.weekday() < _SATURDAY

    def holiday_name(self, day: date) -> str | None:
        """The public holiday's name (English, from `holidays`), for logs and tests."""
        return _vietnam_year(day.year)[0].get(day)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (before it when n < 0); `start` itself never counts.

        n = 0 returns `start` unchanged, even when it is not a working day.
        """
        step = timedelta(days=1 if n >= 0 else -1)
        day, left = start, abs(n)
        while left:
            day += step
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days from `start` to `end`, `start` excluded and `end` included, in either direction.

        When end < start the result is minus the working days d with end <= d < start, so that
        `working_days_between(s, add_working_days(s, n)) == n` for every n.
        """
        if end < start:
            return -sum(self.is_working_day(end + timedelta(days=i)) for i in range((start - end).days))
        return sum(self.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))

    def deadline(self, start: datetime, n_working_days: int, tz: tzinfo) -> datetime:
        """End (23:59:59.999999, in `tz`) of the n-th working day after the local day of `start`."""
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("start must be a timezone-aware datetime")
        local_day = start.astimezone(tz).date()
        return datetime.combine(self.add_working_days(local_day, n_working_days), time.max, tzinfo=tz)

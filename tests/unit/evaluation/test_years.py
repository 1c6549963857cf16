"""Evaluation years run 1 November to 31 October, named by the year they end in; quota years are calendar years."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from services.evaluation.domain.years import (
    evaluation_year_bounds, evaluation_year_of, instant_bounds, local_day, quota_year_bounds,
)

NOV = (11, 1)
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_evaluation_year_2026_runs_from_november_2025_to_october_2026():
    assert evaluation_year_bounds(2026, NOV) == (date(2025, 11, 1), date(2026, 10, 31))


def test_a_day_belongs_to_the_year_it_falls_in():
    assert evaluation_year_of(date(2025, 10, 31), NOV) == 2025
    assert evaluation_year_of(date(2025, 11, 1), NOV) == 2026
    assert evaluation_year_of(date(2026, 10, 31), NOV) == 2026
    assert evaluation_year_of(date(2026, 11, 1), NOV) == 2027


def test_a_year_starting_on_new_year_is_the_calendar_year():
    assert evaluation_year_bounds(2026, (1, 1)) == (date(2026, 1, 1), date(2026, 12, 31))
    assert evaluation_year_of(date(2026, 12, 31), (1, 1)) == 2026


def test_a_leap_day_is_inside_its_year():
    first, last = evaluation_year_bounds(2028, NOV)
    assert first <= date(2028, 2, 29) <= last and (last - first).days == 365


def test_quota_years_are_calendar_years():
    assert quota_year_bounds(2026) == (date(2026, 1, 1), date(2026, 12, 31))


def test_the_local_day_of_an_instant_is_vietnam_time():
    assert local_day(datetime(2026, 10, 31, 17, 30, tzinfo=timezone.utc), VN) == date(2026, 11, 1)


def test_instant_bounds_are_half_open_in_local_time():
    start, end = instant_bounds(date(2025, 11, 1), date(2026, 10, 31), VN)
    assert start == datetime(2025, 10, 31, 17, 0, tzinfo=timezone.utc)
    assert end - start == timedelta(days=365)

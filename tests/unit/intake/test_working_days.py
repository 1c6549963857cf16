"""Working days: weekends, Vietnam's public holidays (Tết included), make-up days, deadlines."""

import dataclasses
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from services.intake.domain.rules import load_rules
from services.intake.domain.working_days import WorkingCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = WorkingCalendar()


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def test_tet_2026_is_16_to_20_february():
    for day in _days(date(2026, 2, 16), date(2026, 2, 20)):
        assert not CALENDAR.is_working_day(day), day
        assert CALENDAR.holiday_name(day), day
    assert CALENDAR.is_working_day(date(2026, 2, 13))  # Friday before Tết
    assert CALENDAR.is_working_day(date(2026, 2, 23))  # Monday after


def test_national_day_2026_is_1_and_2_september():
    assert not CALENDAR.is_working_day(date(2026, 9, 1))
    assert not CALENDAR.is_working_day(date(2026, 9, 2))
    assert CALENDAR.is_working_day(date(2026, 9, 3))


def test_a_weekend_is_off_and_a_plain_weekday_works():
    assert not CALENDAR.is_working_day(date(2026, 3, 7))  # Saturday
    assert not CALENDAR.is_working_day(date(2026, 3, 8))  # Sunday
    assert CALENDAR.is_working_day(date(2026, 3, 9))  # Monday
    assert CALENDAR.holiday_name(date(2026, 3, 9)) is None


def test_a_swap_known_to_the_holidays_package_is_followed():
    # 2026: Monday 31 August off, made up on Saturday 22 August (as holidays.VN records it).
    assert not CALENDAR.is_working_day(date(2026, 8, 31))
    assert CALENDAR.is_working_day(date(2026, 8, 22))


def test_a_configured_makeup_saturday_is_a_working_day():
    saturday = date(2026, 3, 7)
    calendar = WorkingCalendar(makeup_days=[saturday])
    assert calendar.is_working_day(saturday)
    assert not calendar.is_working_day(date(2026, 3, 8))
    assert calendar.add_working_days(date(2026, 3, 6), 1) == saturday
    assert CALENDAR.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)


def test_an_extra_day_off_beats_everything():
    calendar = WorkingCalendar(extra_days_off=[date(2026, 3, 9), date(2026, 8, 22)])
    assert not calendar.is_working_day(date(2026, 3, 9))
    assert not calendar.is_working_day(date(2026, 8, 22))
    assert calendar.is_working_day(date(2026, 3, 10))


def test_a_day_cannot_be_both_on_and_off():
    with pytest.raises(ValueError):
        WorkingCalendar(makeup_days=[date(2026, 3, 7)], extra_days_off=[date(2026, 3, 7)])


def test_the_calendar_takes_its_days_from_the_rules():
    rules = dataclasses.replace(load_rules(), makeup_working_days=(date(2026, 3, 7),),
                                extra_days_off=(date(2026, 3, 10),))
    calendar = WorkingCalendar.from_rules(rules)
    assert calendar.is_working_day(date(2026, 3, 7))
    assert not calendar.is_working_day(date(2026, 3, 10))


def test_three_working_days_after_the_friday_before_tet_is_wednesday_25_february():
    assert CALENDAR.add_working_days(date(2026, 2, 13), 3) == date(2026, 2, 25)


def test_adding_counts_from_the_next_day_and_zero_is_the_start_itself():
    assert CALENDAR.add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 10)
    assert CALENDAR.add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 7)  # even on a Saturday
    assert CALENDAR.add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)


def test_negative_counts_go_back():
    assert CALENDAR.add_working_days(date(2026, 2, 23), -1) == date(2026, 2, 13)
    assert CALENDAR.add_working_days(date(2026, 3, 9), -1) == date(2026, 3, 6)


def test_working_days_between_excludes_the_start_and_includes_the_end():
    assert CALENDAR.working_days_between(date(2026, 2, 13), date(2026, 2, 25)) == 3
    assert CALENDAR.working_days_between(date(2026, 3, 9), date(2026, 3, 9)) == 0
    assert CALENDAR.working_days_between(date(2026, 3, 9), date(2026, 3, 10)) == 1  # end counts
    assert CALENDAR.working_days_between(date(2026, 3, 6), date(2026, 3, 8)) == 0  # start Friday does not
    assert CALENDAR.working_days_between(date(2026, 2, 25), date(2026, 2, 13)) == -3


def test_between_undoes_add():
    for start in _days(date(2026, 2, 10), date(2026, 2, 24)) + _days(date(2026, 8, 26), date(2026, 9, 4)):
        for n in range(-6, 7):
            assert CALENDAR.working_days_between(start, CALENDAR.add_working_days(start, n)) == n, (start, n)


def test_a_year_far_away_is_computed_too():
    assert not CALENDAR.is_working_day(date(2030, 9, 2))
    assert not CALENDAR.is_working_day(date(2030, 1, 1))


def test_deadline_is_the_end_of_the_nth_working_day_in_local_time():
    start = datetime(2026, 2, 13, 16, 0, tzinfo=VN)
    assert CALENDAR.deadline(start, 3, VN) == datetime.combine(date(2026, 2, 25), time.max, tzinfo=VN)


def test_deadline_counts_from_the_local_day_not_the_utc_day():
    # 20:00 UTC on Thursday 12 February is 03:00 on Friday 13 February in Vietnam.
    start = datetime(2026, 2, 12, 20, 0, tzinfo=timezone.utc)
    assert CALENDAR.deadline(start, 3, VN).date() == date(2026, 2, 25)
    assert CALENDAR.deadline(start, 3, timezone.utc).date() == date(2026, 2, 24)


def test_deadline_refuses_a_naive_start():
    with pytest.raises(ValueError):
        CALENDAR.deadline(datetime(2026, 2, 13, 16, 0), 3, VN)

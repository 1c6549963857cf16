"""Immediate acceptance, the agency's 12 h / 24 h clock and the center's own deadlines."""

import dataclasses
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from services.intake.domain.rules import load_rules
from services.intake.domain.urgency import (
    center_deadlines,
    is_immediate_acceptance,
    is_notice_late,
    is_overdue,
    mandatory_defence,
    notice_deadline,
    performer_change_due,
    working_days_left,
)
from services.intake.domain.working_days import WorkingCalendar
from shared.vocabulary import ProceduralStatus as S

RULES = load_rules()
CALENDAR = WorkingCalendar.from_rules(RULES)
VN = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = date(2026, 3, 2)


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=VN)


def _immediate(on=MONDAY, *, notice=False, defence=False, trial=None, limitation=None, rules=RULES):
    return is_immediate_acceptance(notice, defence, trial, limitation, on, CALENDAR, rules)


# --- mandatory defence and immediate acceptance -------------------------------------------------------


def test_mandatory_defence_follows_article_76():
    assert not mandatory_defence(False, False, False)
    assert mandatory_defence(True, False, False)
    assert mandatory_defence(False, True, False)
    assert mandatory_defence(False, False, True)


def test_nothing_urgent_gives_no_reason():
    assert _immediate() == (False, [])
    assert _immediate(trial=date(2026, 4, 20), limitation=date(2026, 5, 4)) == (False, [])


def test_an_agency_notice_is_immediate():
    urgent, reasons = _immediate(notice=True)
    assert urgent and reasons == ["Yêu cầu do cơ quan tiến hành tố tụng thông báo, chuyển đến."]


def test_mandatory_defence_is_immediate():
    urgent, reasons = _immediate(defence=True)
    assert urgent and len(reasons) == 1 and "Điều 76" in reasons[0]


def test_working_days_left_excludes_today_and_the_day_itself():
    assert working_days_left(MONDAY, date(2026, 3, 9), CALENDAR) == 4  # Tuesday to Friday
    assert working_days_left(MONDAY, date(2026, 3, 10), CALENDAR) == 5
    assert working_days_left(MONDAY, MONDAY, CALENDAR) == 0
    assert working_days_left(MONDAY, date(2026, 2, 1), CALENDAR) == 0


def test_fewer_than_5_working_days_before_trial_is_immediate():
    urgent, reasons = _immediate(trial=date(2026, 3, 9))
    assert urgent
    assert reasons == ["Chỉ còn 4 ngày làm việc trước ngày xét xử 09/03/2026 (dưới 5 ngày làm việc)."]
    assert _immediate(trial=date(2026, 3, 10)) == (False, [])


def test_tet_shrinks_the_working_days_before_a_limitation_period_ends():
    # Two weeks after the Friday before Tết hold only four working days (23 to 26 February).
    urgent, reasons = _immediate(date(2026, 2, 13), limitation=date(2026, 2, 27))
    assert urgent and "ngày hết thời hiệu 27/02/2026" in reasons[0] and "4 ngày" in reasons[0]
    assert _immediate(date(2026, 3, 13), limitation=date(2026, 3, 27)) == (False, [])


def test_a_trial_today_or_past_is_immediate():
    urgent, reasons = _immediate(trial=MONDAY)
    assert urgent and reasons[0].startswith("Đã đến hoặc đã qua ngày xét xử 02/03/2026")


def test_all_reasons_are_listed():
    urgent, reasons = _immediate(notice=True, defence=True, trial=date(2026, 3, 3), limitation=date(2026, 3, 4))
    assert urgent and len(reasons) == 4


def test_the_threshold_comes_from_the_rules():
    rules = dataclasses.replace(RULES, center_clock=dataclasses.replace(
        RULES.center_clock, immediate_acceptance_threshold_working_days=3))
    assert _immediate(trial=date(2026, 3, 9), rules=rules) == (False, [])
    assert _immediate(trial=date(2026, 3, 5), rules=rules)[0]


# --- the agency's clock -------------------------------------------------------------------------------


def test_a_detained_persons_notice_is_late_after_12_hours():
    asked = datetime(2026, 3, 2, 8, 0, tzinfo=VN)
    for status in (S.ARRESTED, S.HELD_IN_CUSTODY):
        assert notice_deadline(asked, status, RULES) == asked + timedelta(hours=12)
        assert not is_notice_late(asked + timedelta(hours=12), asked, status, RULES), status
        assert is_notice_late(asked + timedelta(hours=12, seconds=1), asked, status, RULES), status


def test_others_notices_are_late_after_24_hours():
    asked = datetime(2026, 3, 2, 8, 0, tzinfo=VN)
    for status in (S.SUSPECT, S.DEFENDANT, S.VICTIM, S.WITNESS):
        assert not is_notice_late(asked + timedelta(hours=13), asked, status, RULES), status
        assert not is_notice_late(asked + timedelta(hours=24), asked, status, RULES), status
        assert is_notice_late(asked + timedelta(hours=24, minutes=1), asked, status, RULES), status


def test_lateness_compares_instants_across_time_zones_and_unknown_is_never_late():
    asked = datetime(2026, 3, 2, 8, 0, tzinfo=VN)  # 01:00 UTC
    assert not is_notice_late(datetime(2026, 3, 2, 13, 0, tzinfo=timezone.utc), asked, S.ARRESTED, RULES)
    assert is_notice_late(datetime(2026, 3, 2, 13, 30, tzinfo=timezone.utc), asked, S.ARRESTED, RULES)
    assert not is_notice_late(asked + timedelta(days=9), None, S.ARRESTED, RULES)


def test_the_notice_hours_come_from_the_rules():
    rules = dataclasses.replace(RULES, notice_deadline_hours_by_status={S.ARRESTED: 6})
    asked = datetime(2026, 3, 2, 8, 0, tzinfo=VN)
    assert is_notice_late(asked + timedelta(hours=7), asked, S.ARRESTED, rules)
    assert notice_deadline(asked, "victim", rules) == asked + timedelta(hours=24)


# --- the center's clock -------------------------------------------------------------------------------


def test_acceptance_is_due_two_working_days_after_receipt_and_assignment_one_after_that():
    deadlines = center_deadlines(datetime(2026, 2, 13, 10, 0, tzinfo=VN), CALENDAR, RULES)
    assert deadlines.acceptance_due == _end_of(date(2026, 2, 24))  # Tết 16-20 February skipped
    assert deadlines.assignment_due == _end_of(date(2026, 2, 25))


def test_immediate_acceptance_is_due_the_same_local_day_even_on_a_weekend():
    received = datetime(2026, 2, 14, 2, 0, tzinfo=timezone.utc)  # Saturday 09:00 in Vietnam
    deadlines = center_deadlines(received, CALENDAR, RULES, immediate=True)
    assert deadlines.acceptance_due == _end_of(date(2026, 2, 14))
    assert deadlines.assignment_due == _end_of(date(2026, 2, 23))


def test_assignment_counts_from_the_actual_acceptance():
    deadlines = center_deadlines(datetime(2026, 3, 2, 9, 0, tzinfo=VN), CALENDAR, RULES,
                                 accepted_at=datetime(2026, 3, 2, 15, 0, tzinfo=VN))
    assert deadlines.acceptance_due == _end_of(date(2026, 3, 4))
    assert deadlines.assignment_due == _end_of(date(2026, 3, 3))


def test_the_center_clock_comes_from_the_rules():
    rules = dataclasses.replace(RULES, center_clock=dataclasses.replace(
        RULES.center_clock, acceptance_working_days=5, assignment_working_days=2))
    deadlines = center_deadlines(datetime(2026, 3, 2, 9, 0, tzinfo=VN), CALENDAR, rules)
    assert deadlines.acceptance_due == _end_of(date(2026, 3, 9))
    assert deadlines.assignment_due == _end_of(date(2026, 3, 11))


def test_a_change_of_performer_is_due_in_three_working_days_around_national_day():
    # Friday 28 August, then 31 August (swapped day off), 1-2 September off: Thursday 3 and Friday 4.
    due = performer_change_due(datetime(2026, 8, 27, 16, 0, tzinfo=VN), CALENDAR, RULES)
    assert due == _end_of(date(2026, 9, 4))


def test_overdue_after_the_due_time_unless_done_in_time():
    due = _end_of(date(2026, 3, 4))
    assert not is_overdue(due, datetime(2026, 3, 4, 23, 0, tzinfo=VN))
    assert not is_overdue(due, due)
    assert is_overdue(due, datetime(2026, 3, 5, 0, 0, tzinfo=VN))
    assert not is_overdue(due, datetime(2026, 3, 9, 8, 0, tzinfo=VN), done_at=datetime(2026, 3, 4, 10, 0, tzinfo=VN))
    assert is_overdue(due, datetime(2026, 3, 9, 8, 0, tzinfo=VN), done_at=datetime(2026, 3, 5, 10, 0, tzinfo=VN))

"""Clocks on a request: immediate acceptance, the agency's 12 h / 24 h, the center's own deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.intake.domain.rules import IntakeRules
from services.intake.domain.working_days import WorkingCalendar
from shared.vocabulary import ProceduralStatus


def mandatory_defence(accused_under_18: bool, disability_limits_defence: bool,
                      max_penalty_years_or_worse: bool) -> bool:
    """Whether defence counsel is mandatory (Criminal Procedure Code Art. 76).

    `max_penalty_years_or_worse`: the offence's highest penalty bracket is 20 years' imprisonment,
    life imprisonment or death. `disability_limits_defence`: a physical or mental disability keeps
    the accused from defending themselves.
    """
    return accused_under_18 or disability_limits_defence or max_penalty_years_or_worse


def working_days_left(on: date, target: date, calendar: WorkingCalendar) -> int:
    """Working days strictly between `on` and `target` (both excluded); 0 once `target` is reached."""
    if target <= on:
        return 0
    return calendar.working_days_between(on, target - timedelta(days=1))


def is_immediate_acceptance(channel_is_agency_notice: bool, mandatory_defence: bool, trial_date: date | None,
                            limitation_date: date | None, on: date, calendar: WorkingCalendar,
                            rules: IntakeRules) -> tuple[bool, list[str]]:
    """Whether the request must be accepted at once, with the reasons in Vietnamese for staff."""
    threshold = rules.center_clock.immediate_acceptance_threshold_working_days
    reasons = []
    if channel_is_agency_notice:
        reasons.append("Yêu cầu do cơ quan tiến hành tố tụng thông báo, chuyển đến.")
    if mandatory_defence:
        reasons.append("Thuộc trường hợp bắt buộc phải có người bào chữa (Điều 76 Bộ luật Tố tụng hình sự).")
    for target, what in ((trial_date, "ngày xét xử"), (limitation_date, "ngày hết thời hiệu")):
        if target is None:
            continue
        left = working_days_left(on, target, calendar)
        if left < threshold:
            when = "Đã đến hoặc đã qua" if target <= on else f"Chỉ còn {left} ngày làm việc trước"
            reasons.append(f"{when} {what} {target.strftime('%d/%m/%Y')} (dưới {threshold} ngày làm việc).")
    return bool(reasons), reasons


# --- the agency's clock -------------------------------------------------------------------------------


def notice_deadline(request_received_at: datetime, status: ProceduralStatus, rules: IntakeRules) -> datetime:
    """When the agency had to have passed the request on: 12 h for a detained person, else 24 h."""
    return request_received_at + timedelta(hours=rules.notice_deadline_hours(ProceduralStatus(status)))


def is_notice_late(sent_at: datetime, request_received_at: datetime | None, status: ProceduralStatus,
                   rules: IntakeRules) -> bool:
    """Whether the agency sent its notice after the deadline; unknown request time is never late."""
    if request_received_at is None:
        return False
    return sent_at > notice_deadline(request_received_at, status, rules)


# --- the center's clock -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CenterDeadlines:
    acceptance_due: datetime
    assignment_due: datetime


def center_deadlines(received_at: datetime, calendar: WorkingCalendar, rules: IntakeRules, *,
                     immediate: bool = False, accepted_at: datetime | None = None) -> CenterDeadlines:
    """When the center must accept a complete request file and assign the case (end of a local day).

    `received_at` is when the complete file arrived. Assignment counts from `accepted_at` once known,
    otherwise from the acceptance deadline, so it is never earlier than acceptance allows.
    """
    clock, zone = rules.center_clock, rules.zone
    days = clock.immediate_acceptance_working_days if immediate else clock.acceptance_working_days
    acceptance_due = calendar.deadline(received_at, days, zone)
    assignment_due = calendar.deadline(accepted_at or acceptance_due, clock.assignment_working_days, zone)
    return CenterDeadlines(acceptance_due, assignment_due)


def performer_change_due(requested_at: datetime, calendar: WorkingCalendar, rules: IntakeRules) -> datetime:
    """When the written answer and new assignment to a change-of-performer application are due."""
    return calendar.deadline(requested_at, rules.center_clock.performer_change_working_days, rules.zone)


def is_overdue(due: datetime, now: datetime, *, done_at: datetime | None = None) -> bool:
    """Whether a deadline was missed: done after it, or still not done after it."""
    return (done_at if done_at is not None else now) > due

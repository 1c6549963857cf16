"""Every subject and stream name of tgpl, in one place. Nothing else hard-codes a subject."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from shared import events as ev

# --- external (EXTERNAL.md) ---------------------------------------------------------------------
INBOUND_REFERRAL = "tgpl.inbound.referral"
INBOUND_REJECTED = "tgpl.inbound.rejected"
# Each agency's own copy of its rejections, `tgpl.inbound.rejected.<agency_code>`: NATS permissions
# cannot filter one subject by the body's agency_code, so an agency identity may read only this one.
INBOUND_REJECTED_BY_AGENCY = "tgpl.inbound.rejected.>"

REPORTS_MONTHLY = "tgpl.reports.monthly"
REPORTS_QUARTERLY = "tgpl.reports.quarterly"
REPORTS_YEARLY = "tgpl.reports.yearly"
REPORTS_ADHOC = "tgpl.reports.adhoc"
REPORTS_REQUEST = "tgpl.reports.request"  # core request-reply; deliberately in no stream

REPORT_SUBJECTS: dict[str, str] = {
    "monthly": REPORTS_MONTHLY,
    "quarterly": REPORTS_QUARTERLY,
    "yearly": REPORTS_YEARLY,
    "adhoc": REPORTS_ADHOC,
}

# --- operations (core request-reply, in no stream; only the operator identity may send them) ----
def dead_letter_retry_subject(service: str) -> str:
    """Where a service takes `tgpl dead-letters retry` requests for its own dead letters."""
    return f"tgpl.ops.{service}.dead_letters.retry"


# --- internal events ----------------------------------------------------------------------------
EVENT_SUBJECTS: dict[type[ev.Event], str] = {
    ev.NoticeReceived: "tgpl.intake.notice_received",
    ev.NoticeRejected: "tgpl.intake.notice_rejected",
    ev.CaseOpened: "tgpl.intake.case_opened",
    ev.CaseNoticeLinked: "tgpl.intake.case_notice_linked",
    ev.MissedBeneficiaryDetected: "tgpl.intake.missed_beneficiary_detected",
    ev.PerformerChangeRequested: "tgpl.intake.performer_change_requested",
    ev.RequestRefused: "tgpl.intake.request_refused",
    ev.CaseClosed: "tgpl.intake.case_closed",
    ev.OfficerRegistered: "tgpl.assignment.officer_registered",
    ev.CaseAssigned: "tgpl.assignment.case_assigned",
    ev.CaseAssignmentFailed: "tgpl.assignment.case_assignment_failed",
    ev.CaseTakeRequested: "tgpl.assignment.case_take_requested",
    ev.CaseTakeRequestDecided: "tgpl.assignment.case_take_request_decided",
    ev.CaseEvaluated: "tgpl.evaluation.case_evaluated",
    ev.CorrectiveActionRaised: "tgpl.evaluation.corrective_action_raised",
    ev.CorrectiveActionClosed: "tgpl.evaluation.corrective_action_closed",
    ev.OfficerReviewed: "tgpl.evaluation.officer_reviewed",
}

INTAKE_EVENTS = "tgpl.intake.>"
ASSIGNMENT_EVENTS = "tgpl.assignment.>"
EVALUATION_EVENTS = "tgpl.evaluation.>"


#: What a code must look like to be one token of a subject, a NATS user name or a durable name.
SUBJECT_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def inbox_prefix_of(user: str) -> str:
    """The inbox prefix of a NATS user: replies to it arrive under `_INBOX.<user>.`, the only inboxes it may read."""
    return f"_INBOX.{user}"


def rejected_subject_for(agency_code: str | None) -> str | None:
    """The subject of an agency's own copy of its rejections; None when the code cannot be a subject token."""
    if agency_code is None or not SUBJECT_TOKEN.fullmatch(agency_code):
        return None
    return f"{INBOUND_REJECTED}.{agency_code}"


def subject_of(event_type: type[ev.Event]) -> str:
    """The subject an event type is published on."""
    return EVENT_SUBJECTS[event_type]


# --- streams ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StreamSpec:
    """A JetStream stream, declared once by the launcher (`tgpl up`) and by test fixtures."""

    name: str
    subjects: list[str]
    description: str
    duplicate_window_s: float = 3600.0
    max_age_days: float | None = None
    replicas: int = 1
    extra: dict = field(default_factory=dict)


INBOUND_STREAM = StreamSpec(
    name="TGPL_INBOUND",
    subjects=[INBOUND_REFERRAL, INBOUND_REJECTED, INBOUND_REJECTED_BY_AGENCY],
    description="Referral notices from procedural agencies and the rejections answered to them "
                "(on the contract subject and on each agency's own).",
)
INTAKE_STREAM = StreamSpec(name="TGPL_INTAKE", subjects=[INTAKE_EVENTS], description="Events of the intake service.")
ASSIGNMENT_STREAM = StreamSpec(
    name="TGPL_ASSIGNMENT", subjects=[ASSIGNMENT_EVENTS], description="Events of the assignment service."
)
EVALUATION_STREAM = StreamSpec(
    name="TGPL_EVALUATION", subjects=[EVALUATION_EVENTS], description="Events of the evaluation service."
)
REPORTS_STREAM = StreamSpec(
    name="TGPL_REPORTS",
    subjects=[REPORTS_MONTHLY, REPORTS_QUARTERLY, REPORTS_YEARLY, REPORTS_ADHOC],
    description="Reports to province systems (EXTERNAL.md §2); kept so a subscriber that was down catches up.",
)

STREAMS: tuple[StreamSpec, ...] = (INBOUND_STREAM, INTAKE_STREAM, ASSIGNMENT_STREAM, EVALUATION_STREAM, REPORTS_STREAM)


def stream_of(subject: str) -> StreamSpec:
    """The stream that captures a concrete subject."""
    for spec in STREAMS:
        for pattern in spec.subjects:
            if pattern == subject or (pattern.endswith(">") and subject.startswith(pattern[:-1])):
                return spec
    raise KeyError(f"no stream captures {subject}")

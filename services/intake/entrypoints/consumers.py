"""Intake's durable consumers: what it reads, and which handler each message goes to."""

import functools

from services.intake.service_layer import handlers
from services.intake.service_layer.policy import IntakePolicy
from services.runtime.consumers import ConsumerSpec, dispatching, raw_bytes
from shared import events as ev
from shared import subjects
from shared.external import NoticeRejection, ReferralNotice

REFERRALS = ConsumerSpec(
    durable="intake-referrals-v1",
    subject=subjects.INBOUND_REFERRAL,
    stream=subjects.INBOUND_STREAM,
    payload=(ReferralNotice,),
    description="Referral notices from procedural agencies (EXTERNAL.md §1). Invalid ones are kept and "
                "answered on tgpl.inbound.rejected.",
    decode=raw_bytes,
)

ASSIGNMENT_EVENTS = ConsumerSpec.for_events(
    "intake-assignment-events-v1", subjects.ASSIGNMENT_STREAM, handlers.EVENT_HANDLERS,
    "Assignment decisions and roster changes, kept in intake's read model for the case register.")

SPECS = [REFERRALS, ASSIGNMENT_EVENTS]


def consumers(policy: IntakePolicy) -> list:
    """Intake's consumers with their handlers bound to the rules in force."""
    return [
        (REFERRALS, functools.partial(handlers.receive_referral, policy=policy)),
        (ASSIGNMENT_EVENTS, dispatching(handlers.EVENT_HANDLERS)),
    ]

#: What intake publishes (through its outbox), for its AsyncAPI document.
PUBLISHES = [
    (subjects.INBOUND_REJECTED, NoticeRejection),
    *((subjects.subject_of(cls), cls) for cls in (ev.NoticeReceived, ev.NoticeRejected, ev.CaseOpened,
                                                  ev.CaseNoticeLinked, ev.MissedBeneficiaryDetected,
                                                  ev.PerformerChangeRequested)),
]

"""Evaluation's durable consumers.

The v2 durables replace v1 (which read only assignments and closures): a new name makes the
server deliver each stream from its start, so the register gains the openings and the roster
it missed (handlers are upserts; nothing is counted twice).
"""

from services.evaluation.service_layer import handlers
from services.runtime.consumers import ConsumerSpec, dispatching
from shared import events as ev
from shared import subjects

ASSIGNMENT_EVENTS = ConsumerSpec.for_events(
    "evaluation-assignment-events-v2", subjects.ASSIGNMENT_STREAM, handlers.ASSIGNMENT_HANDLERS,
    "Who performs each case and everyone who ever held it (independence); the roster with each year's "
    "target and band floors (officers' reviews).")
INTAKE_EVENTS = ConsumerSpec.for_events(
    "evaluation-intake-events-v2", subjects.INTAKE_STREAM, handlers.INTAKE_HANDLERS,
    "Cases opened (register number, field, form of aid) and closed (outcome, result): the pool the "
    "evaluation plan draws from.")

CONSUMERS = [
    (ASSIGNMENT_EVENTS, dispatching(handlers.ASSIGNMENT_HANDLERS)),
    (INTAKE_EVENTS, dispatching(handlers.INTAKE_HANDLERS)),
]

PUBLISHES = [(subjects.subject_of(cls), cls)
             for cls in (ev.CaseEvaluated, ev.CorrectiveActionRaised, ev.CorrectiveActionClosed, ev.OfficerReviewed)]

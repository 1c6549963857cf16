"""Evaluation's durable consumers."""

from services.evaluation.service_layer import handlers
from services.runtime.consumers import ConsumerSpec, dispatching
from shared import events as ev
from shared import subjects

ASSIGNMENT_EVENTS = ConsumerSpec.for_events(
    "evaluation-assignment-events-v1", subjects.ASSIGNMENT_STREAM, handlers.ASSIGNMENT_HANDLERS,
    "Who performs each case.")
INTAKE_EVENTS = ConsumerSpec.for_events(
    "evaluation-intake-events-v1", subjects.INTAKE_STREAM, handlers.INTAKE_HANDLERS,
    "Closed cases, the pool the evaluation plan samples from.")

CONSUMERS = [
    (ASSIGNMENT_EVENTS, dispatching(handlers.ASSIGNMENT_HANDLERS)),
    (INTAKE_EVENTS, dispatching(handlers.INTAKE_HANDLERS)),
]

PUBLISHES = [(subjects.subject_of(ev.CaseEvaluated), ev.CaseEvaluated)]

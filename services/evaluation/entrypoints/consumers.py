"""Evaluation's durable consumers."""

from services.evaluation.service_layer import handlers
from services.runtime.consumers import ConsumerSpec, dispatching, events_decoder
from shared import events as ev
from shared import subjects

ASSIGNMENT_EVENTS = ConsumerSpec(
    durable="evaluation-assignment-events-v1",
    subject=subjects.ASSIGNMENT_EVENTS,
    stream=subjects.ASSIGNMENT_STREAM,
    payload=tuple(handlers.ASSIGNMENT_HANDLERS),
    description="Who performs each case.",
    decode=events_decoder(handlers.ASSIGNMENT_HANDLERS),
)
INTAKE_EVENTS = ConsumerSpec(
    durable="evaluation-intake-events-v1",
    subject=subjects.INTAKE_EVENTS,
    stream=subjects.INTAKE_STREAM,
    payload=tuple(handlers.INTAKE_HANDLERS),
    description="Closed cases, the pool the evaluation plan samples from.",
    decode=events_decoder(handlers.INTAKE_HANDLERS),
)

CONSUMERS = [
    (ASSIGNMENT_EVENTS, dispatching(handlers.ASSIGNMENT_HANDLERS)),
    (INTAKE_EVENTS, dispatching(handlers.INTAKE_HANDLERS)),
]

PUBLISHES = [(subjects.subject_of(ev.CaseEvaluated), ev.CaseEvaluated)]

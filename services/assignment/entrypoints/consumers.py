"""Assignment's durable consumers."""

from services.assignment.service_layer import handlers
from services.runtime.consumers import ConsumerSpec, dispatching, events_decoder
from shared import events as ev
from shared import subjects

INTAKE_EVENTS = ConsumerSpec(
    durable="assignment-intake-events-v1",
    subject=subjects.INTAKE_EVENTS,
    stream=subjects.INTAKE_STREAM,
    payload=tuple(handlers.EVENT_HANDLERS),
    description="Cases opened by intake, each to be assigned to an officer.",
    decode=events_decoder(handlers.EVENT_HANDLERS),
)

CONSUMERS = [(INTAKE_EVENTS, dispatching(handlers.EVENT_HANDLERS))]

PUBLISHES = [(subjects.subject_of(cls), cls)
             for cls in (ev.CaseAssigned, ev.CaseAssignmentFailed, ev.OfficerRegistered)]

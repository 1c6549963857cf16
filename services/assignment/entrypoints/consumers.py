"""Assignment's durable consumers."""

from services.assignment.service_layer import handlers
from services.runtime.consumers import ConsumerSpec, dispatching
from shared import events as ev
from shared import subjects

INTAKE_EVENTS = ConsumerSpec.for_events(
    "assignment-intake-events-v1", subjects.INTAKE_STREAM, handlers.EVENT_HANDLERS,
    "Cases opened by intake, each to be assigned to an officer; matters that grow; performer changes.")

CONSUMERS = [(INTAKE_EVENTS, dispatching(handlers.EVENT_HANDLERS))]

PUBLISHES = [(subjects.subject_of(cls), cls)
             for cls in (ev.CaseAssigned, ev.CaseAssignmentFailed, ev.OfficerRegistered, ev.CaseTakeRequested,
                        ev.CaseTakeRequestDecided)]

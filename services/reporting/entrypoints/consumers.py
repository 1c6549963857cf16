"""Reporting's durable consumers: every event stream feeds the read models."""

from services.reporting.service_layer import handlers
from services.runtime.consumers import ConsumerSpec, dispatching
from shared import subjects
from shared.external import Report, ReportRequest


INTAKE_EVENTS = ConsumerSpec.for_events("reporting-intake-events-v2", subjects.INTAKE_STREAM, handlers.INTAKE_HANDLERS,
                                        "Notices, rejections, cases opened, refusals and closures.")
ASSIGNMENT_EVENTS = ConsumerSpec.for_events("reporting-assignment-events-v2", subjects.ASSIGNMENT_STREAM,
                                            handlers.ASSIGNMENT_HANDLERS, "Assignments and the roster with quota targets.")
# New durable names (v2, v3) read the streams from their start again: reporting migration 0004
# emptied the facts, which gained details (projections are idempotent, so nothing counts twice).
EVALUATION_EVENTS = ConsumerSpec.for_events("reporting-evaluation-events-v3", subjects.EVALUATION_STREAM,
                                            handlers.EVALUATION_HANDLERS,
                                            "Evaluated cases; corrective actions raised and closed.")

CONSUMERS = [
    (INTAKE_EVENTS, dispatching(handlers.INTAKE_HANDLERS)),
    (ASSIGNMENT_EVENTS, dispatching(handlers.ASSIGNMENT_HANDLERS)),
    (EVALUATION_EVENTS, dispatching(handlers.EVALUATION_HANDLERS)),
]

PUBLISHES = [(subject, Report) for subject in subjects.REPORT_SUBJECTS.values()]

#: Core request-reply subscriptions (no stream), for the AsyncAPI document.
REQUESTS = [(subjects.REPORTS_REQUEST, ReportRequest,
             "Ad hoc report request; the reply is the Report (also published on tgpl.reports.adhoc), "
             "or a ReportError naming the invalid fields.")]

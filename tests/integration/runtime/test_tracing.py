"""One notice followed across services: intake's handling of the notice, assignment's handling of the
CaseOpened it caused and intake's handling of assignment's answer are spans of one trace, carried by the
`traceparent` header that intake's outbox row stored and its relay published. Real nats-server, real
databases, both services in this process with an in-memory span exporter."""

import json
import uuid

import nats
import pytest
import sqlalchemy as sa
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from services.assignment.bootstrap import build as build_assignment
from services.assignment.config import AssignmentSettings
from services.intake.bootstrap import build as build_intake
from services.intake.config import IntakeSettings
from services.reporting.bootstrap import build as build_reporting
from services.reporting.config import ReportingSettings
from services.runtime import tracing
from shared import events as ev
from shared import subjects
from tests import harness

pytestmark = pytest.mark.integration

INTAKE_NOTICES, ASSIGNMENT_CASES, INTAKE_DECISIONS = (
    "intake-referrals-v1 process", "assignment-intake-events-v1 process", "intake-assignment-events-v1 process")
ANSWERS = ("assignment.case_assigned", "assignment.case_assignment_failed")


@pytest.fixture
def spans():
    """Spans of this test, kept in memory (tracing is off again afterwards)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use_tracer_provider(provider)
    try:
        yield exporter
    finally:
        tracing.use_tracer_provider(None)
        provider.shutdown()


def traceparent(trace_id: int, span_id: int, flags: int = 1) -> str:
    return f"00-{trace_id:032x}-{span_id:016x}-{flags:02x}"


def handled(exporter: InMemorySpanExporter, name: str, **attributes) -> list:
    return [s for s in exporter.get_finished_spans()
            if s.name == name and all(s.attributes.get(k) == v for k, v in attributes.items())]


async def test_a_notice_is_one_trace_from_intake_through_assignment_and_back(
        spans, jetstream, nats_url, database_url, tmp_path):
    intake = build_intake(IntakeSettings(
        nats_url=nats_url, database_url=await database_url("intake"), data_dir=tmp_path,
        reference_dir=harness.reference_dir_without_staff(tmp_path), retry_delays_s=[0.2]))
    assignment = build_assignment(AssignmentSettings(
        nats_url=nats_url, database_url=await database_url("assignment"), data_dir=tmp_path,
        reference_dir=harness.DEMO_DATA, retry_delays_s=[0.2]))
    plain, traced = harness.make_notice(), harness.make_notice()
    agency_trace, agency_span = uuid.uuid4().int >> 32, uuid.uuid4().int >> 64
    async with harness.running(intake), harness.running(assignment):
        await harness.publish(jetstream, subjects.INBOUND_REFERRAL, plain, harness.msg_id_of(plain))
        # An agency system that traces sends its own traceparent: intake's handling continues that trace.
        await jetstream.publish(subjects.INBOUND_REFERRAL, json.dumps(traced).encode(), headers={
            "Nats-Msg-Id": harness.msg_id_of(traced), "traceparent": traceparent(agency_trace, agency_span)})

        async def cases_opened():
            found = {e["correlation_id"]: e for e in await harness.events_of(jetstream, "TGPL_INTAKE",
                                                                              "intake.case_opened")}
            return found if {harness.msg_id_of(plain), harness.msg_id_of(traced)} <= set(found) else None

        opened = await harness.eventually(cases_opened)
        case_ids = {opened[harness.msg_id_of(n)]["case_id"] for n in (plain, traced)}

        async def answered():  # intake handled assignment's answer to both cases (assigned, or failed)
            outcomes = {body["event_id"]: body["case_id"] for _, _, body in await harness.stream_messages(
                jetstream, "TGPL_ASSIGNMENT") if body.get("type") in ANSWERS and body.get("case_id") in case_ids}
            back = {outcomes[s.attributes["messaging.message.id"]]: s for s in handled(spans, INTAKE_DECISIONS)
                    if s.attributes["messaging.message.id"] in outcomes}
            return back if set(back) == case_ids else None

        answers = await harness.eventually(answered, timeout=30)
        intake_outbox = intake.tables.outbox
        async with intake.engine.connect() as conn:
            stored = {row.msg_id: row.headers for row in await conn.execute(
                sa.select(intake_outbox.c.msg_id, intake_outbox.c.headers))}
    published = {headers["Nats-Msg-Id"]: headers for _, headers, _ in await harness.stream_messages(
        jetstream, "TGPL_INTAKE", subjects.subject_of(ev.CaseOpened))}

    for notice, parent in ((plain, None), (traced, (agency_trace, agency_span))):
        key, case_opened = harness.msg_id_of(notice), opened[harness.msg_id_of(notice)]
        [notice_span] = handled(spans, INTAKE_NOTICES, **{"messaging.message.id": key})
        assert notice_span.kind is SpanKind.CONSUMER
        assert notice_span.attributes["messaging.message.conversation_id"] == key
        if parent is None:
            assert notice_span.parent is None  # the notice starts the trace
        else:
            assert (notice_span.context.trace_id, notice_span.parent.span_id) == parent
        trace_id = notice_span.context.trace_id
        header = traceparent(trace_id, notice_span.context.span_id, notice_span.context.trace_flags)
        # The CaseOpened row kept the context of the span that wrote it; the relay published it unchanged.
        assert stored[case_opened["event_id"]]["traceparent"] == header
        assert published[case_opened["event_id"]]["traceparent"] == header

        [case_span] = handled(spans, ASSIGNMENT_CASES, **{"messaging.message.id": case_opened["event_id"]})
        assert case_span.context.trace_id == trace_id
        assert case_span.parent.span_id == notice_span.context.span_id and case_span.parent.is_remote
        assert case_span.attributes["messaging.message.conversation_id"] == key  # the correlation id goes on
        answer_span = answers[case_opened["case_id"]]
        assert answer_span.context.trace_id == trace_id
        assert answer_span.parent.span_id == case_span.context.span_id
    assert len({s.context.trace_id for s in handled(spans, INTAKE_NOTICES)}) == 2  # a trace per notice


async def test_a_report_request_is_traced_by_faststreams_middleware_in_the_requesters_trace(
        spans, jetstream, nats_url, database_url, tmp_path):
    reporting = build_reporting(ReportingSettings(nats_url=nats_url, database_url=await database_url("reporting"),
                                                  data_dir=tmp_path))
    requester_trace, requester_span = uuid.uuid4().int >> 32, uuid.uuid4().int >> 64
    async with harness.running(reporting):
        nc = await nats.connect(nats_url)
        try:
            reply = await nc.request(subjects.REPORTS_REQUEST, json.dumps(
                {"period_start": "2026-11-01", "period_end": "2026-11-30"}).encode(), timeout=10,
                headers={"traceparent": traceparent(requester_trace, requester_span)})
        finally:
            await nc.close()
    assert "totals" in json.loads(reply.data)
    [consumed] = [s for s in spans.get_finished_spans() if s.name == f"{subjects.REPORTS_REQUEST} process"]
    assert consumed.kind is SpanKind.CONSUMER
    assert (consumed.context.trace_id, consumed.parent.span_id) == (requester_trace, requester_span)
    [answer] = [s for s in spans.get_finished_spans() if s.kind is SpanKind.PRODUCER]  # the reply, in the same trace
    assert answer.context.trace_id == requester_trace

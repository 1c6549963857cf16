"""GET /metrics of running services, on a real nats-server and a real database: messages processed
and failed per consumer, lag going to 0, outbox gauges, dead letters, HTTP latency by route template."""

import functools
import json
import uuid
from datetime import timedelta

import nats
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from services.assignment.bootstrap import build as build_assignment
from services.assignment.config import AssignmentSettings
from services.reporting.adapters import tables as reporting_tables
from services.reporting.bootstrap import MIGRATIONS as REPORTING_MIGRATIONS
from services.reporting.bootstrap import build as build_reporting
from services.reporting.config import ReportingSettings
from services.reporting.entrypoints.web import build_web as reporting_web
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from services.runtime.consumers import ConsumerGroup, ConsumerSpec, raw_bytes
from services.runtime.database import create_engine
from services.runtime.metrics import ServiceMetrics
from services.runtime.migrate import upgrade_to_head
from services.runtime.unit_of_work import utcnow
from shared import events as ev
from shared import subjects
from tests import harness

pytestmark = pytest.mark.integration

REPORTING_INTAKE = "reporting-intake-events-v2"
ASSIGNMENT_INTAKE = "assignment-intake-events-v1"


class Scrape(dict):
    """One scrape: (sample name, labels) -> value."""

    def get_value(self, name: str, **labels: str) -> float | None:
        return self.get((name, frozenset(labels.items())))

    def labelled(self, name: str) -> list[dict[str, str]]:
        return [dict(labels) for sample, labels in self if sample == name]


async def scrape(client) -> Scrape:
    response = await client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    found = Scrape()
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[sample.name, frozenset(sample.labels.items())] = sample.value
    return found


def case_opened() -> ev.CaseOpened:
    return ev.CaseOpened(producer="test", case_id=str(uuid.uuid4()), register_no="00001/2026/TL",
                         channel="agency_notice", field="criminal", commune_code="21583", branch_code="HQ",
                         gender="female", urgent=False)


async def test_processed_lag_dead_letters_and_http_latency_of_two_services_in_one_process(
        jetstream, nats_url, database_url, tmp_path, db_backend):
    reporting = build_reporting(ReportingSettings(nats_url=nats_url, database_url=await database_url("reporting"),
                                                  data_dir=tmp_path, schedule_s=0))
    assignment = build_assignment(AssignmentSettings(
        nats_url=nats_url, database_url=await database_url("assignment"), data_dir=tmp_path,
        reference_dir=harness.DEMO_DATA, retry_delays_s=[0.2]))
    cases = 12
    async with harness.running(reporting), harness.running(assignment):
        before = await scrape(harness.http_client(reporting.asgi()))
        for _ in range(cases):
            event = case_opened()
            await harness.publish(jetstream, subjects.subject_of(ev.CaseOpened), event.model_dump_json().encode(),
                                  event.event_id)
        poison = json.loads(case_opened().model_dump_json())
        poison["field"] = "astrology"  # the right type, an impossible value: dead-lettered by both services
        await harness.publish(jetstream, subjects.subject_of(ev.CaseOpened), poison, "poison-metrics")

        rep_app, asg_app = reporting.asgi(reporting_web(reporting.uow)), assignment.asgi()
        async with harness.http_client(rep_app) as rep, harness.http_client(asg_app) as asg:
            async def caught_up(client, consumer: str):
                now = await scrape(client)
                done = (now.get_value("tgpl_messages_processed_total", consumer=consumer) == cases
                        and now.get_value("tgpl_consumer_lag_messages", stream="TGPL_INTAKE", consumer=consumer) == 0
                        and now.get_value("tgpl_dead_letters", consumer=consumer) == 1)
                return now if done else None

            asg_now = await harness.eventually(lambda: caught_up(asg, ASSIGNMENT_INTAKE), timeout=30)

            async def assignments_counted():
                now = await caught_up(rep, REPORTING_INTAKE)
                if now and now.get_value("tgpl_consumer_lag_messages", stream="TGPL_ASSIGNMENT",
                                         consumer="reporting-assignment-events-v2") == 0 and now.get_value(
                        "tgpl_messages_processed_total", consumer="reporting-assignment-events-v2") >= cases:
                    return now
                return None

            rep_now = await harness.eventually(assignments_counted, timeout=30)

            async def outbox_sent():
                now = await scrape(asg)
                return now if now.get_value("tgpl_outbox_backlog_messages") == 0 else None

            asg_sent = await harness.eventually(outbox_sent)
            assert (await rep.get("/api/reports/no-such-report")).status_code == 404
            assert (await rep.get("/healthz")).status_code == 200
            after_http = await scrape(rep)

    # Before any message: every consumer of the service shows, at 0.
    assert before.get_value("tgpl_messages_processed_total", consumer=REPORTING_INTAKE) == 0
    assert before.get_value("tgpl_messages_failed_total", consumer=REPORTING_INTAKE, outcome="dead_lettered") == 0
    assert before.get_value("tgpl_dead_letters", consumer=REPORTING_INTAKE) == 0

    for now, consumer in ((rep_now, REPORTING_INTAKE), (asg_now, ASSIGNMENT_INTAKE)):
        assert now.get_value("tgpl_messages_failed_total", consumer=consumer, outcome="dead_lettered") == 1
        assert now.get_value("tgpl_messages_failed_total", consumer=consumer, outcome="retried") == 0
        assert now.get_value("tgpl_messages_received_total", consumer=consumer) == cases + 1
        assert now.get_value("tgpl_consumer_batch_duration_seconds_count", consumer=consumer) >= 1
        assert now.get_value("tgpl_consumer_batch_duration_seconds_sum", consumer=consumer) > 0
        assert now.get_value("tgpl_consumer_pending_messages", stream="TGPL_INTAKE", consumer=consumer) == 0
        assert now.get_value("tgpl_consumer_ack_pending_messages", stream="TGPL_INTAKE", consumer=consumer) == 0
        assert now.get_value("tgpl_scrape_source_up", source="database") == 1
        assert now.get_value("tgpl_scrape_source_up", source="nats") == 1
        assert now.get_value("tgpl_consumers_running") == 1
    # Assignment published an assignment (or a failure) per case through its outbox, and nothing waits.
    assert asg_sent.get_value("tgpl_outbox_published_total") >= cases
    assert asg_sent.get_value("tgpl_outbox_oldest_age_seconds") == 0
    # Each service's registry has its own consumers only.
    assert {labels["consumer"] for labels in rep_now.labelled("tgpl_messages_processed_total")} == {
        REPORTING_INTAKE, "reporting-assignment-events-v2", "reporting-evaluation-events-v3"}
    assert {labels["consumer"] for labels in asg_now.labelled("tgpl_messages_processed_total")} == {ASSIGNMENT_INTAKE}
    assert asg_now.get_value("tgpl_service_info", service="assignment") == 1
    # HTTP latency by route template and status class; the path asked is nowhere.
    assert after_http.get_value("tgpl_http_request_duration_seconds_count", method="GET",
                                route="/api/reports/{report_id}", status="4xx") == 1
    assert after_http.get_value("tgpl_http_request_duration_seconds_count", method="GET", route="/healthz",
                                status="2xx") == 1
    assert not any("no-such-report" in value for labels in after_http.labelled(
        "tgpl_http_request_duration_seconds_count") for value in labels.values())


async def test_outbox_gauges_show_a_stuck_backlog_until_the_relay_sends_it(
        jetstream, nats_url, database_url, tmp_path, db_backend):
    host = build_reporting(ReportingSettings(nats_url=nats_url, database_url=await database_url("reporting"),
                                             data_dir=tmp_path, schedule_s=0))
    await upgrade_to_head(host.engine, REPORTING_MIGRATIONS)
    now = utcnow()
    async with host.engine.begin() as conn:
        await conn.execute(sa.insert(reporting_tables.messaging.outbox), [
            dict(msg_id=f"stuck-{uuid.uuid4().hex}", subject=subjects.REPORTS_ADHOC, payload="{}", headers={},
                 created_at=now - timedelta(minutes=minutes)) for minutes in (10, 9, 1)])
    app = host.asgi()
    async with harness.http_client(app) as client:
        # Not started: no broker connection; the database still answers.
        stuck = await scrape(client)
        async with harness.running(host):
            async def sent():
                after = await scrape(client)
                return after if after.get_value("tgpl_outbox_backlog_messages") == 0 else None

            drained = await harness.eventually(sent)
    assert stuck.get_value("tgpl_outbox_backlog_messages") == 3
    assert 600 <= stuck.get_value("tgpl_outbox_oldest_age_seconds") < 700
    assert stuck.get_value("tgpl_outbox_published_total") == 0
    assert stuck.get_value("tgpl_scrape_source_up", source="nats") == 0
    assert stuck.get_value("tgpl_scrape_source_up", source="database") == 1
    assert stuck.get_value("tgpl_consumers_running") == 0 and not stuck.labelled("tgpl_consumer_lag_messages")
    assert drained.get_value("tgpl_outbox_oldest_age_seconds") == 0
    assert drained.get_value("tgpl_outbox_published_total") == 3
    assert drained.get_value("tgpl_scrape_source_up", source="nats") == 1
    assert len(drained.labelled("tgpl_consumer_lag_messages")) == 3
    assert len(await harness.stream_messages(jetstream, "TGPL_REPORTS")) == 3


async def test_a_failing_handler_counts_each_retry_then_its_dead_letter(jetstream, nats_url, database_url, db_backend):
    engine = create_engine(await database_url("reporting"))
    await upgrade_to_head(engine, REPORTING_MIGRATIONS)
    metrics = ServiceMetrics("test", ["test-metrics-failing-v1"])

    async def always_fails(uow, data: bytes, delivery) -> None:
        raise RuntimeError("the handler fails every time")

    group = ConsumerGroup(functools.partial(ReportingUnitOfWork, engine, reporting_tables.messaging),
                          reporting_tables.messaging, engine, max_deliver=3, retry_delays_s=[0.1],
                          ack_wait_s=5.0, fetch_batch=10, metrics=metrics)
    group.add(ConsumerSpec(durable="test-metrics-failing-v1", subject=subjects.INBOUND_REFERRAL,
                           stream=subjects.INBOUND_STREAM, payload=(), description="test", decode=raw_bytes),
              always_fails)
    nc = await nats.connect(nats_url)
    try:
        await group.start(nc)
        await harness.publish(jetstream, subjects.INBOUND_REFERRAL, b'{"valid": "json"}', "metrics-fails-1")

        async def dead_lettered():
            return group.stats.dead_lettered == 1

        await harness.eventually(dead_lettered)
        await group.stop()
        await metrics.refresh(engine=engine, tables=reporting_tables.messaging, js=nc.jetstream(),
                              consumers=[("TGPL_INBOUND", "test-metrics-failing-v1")], running=group.running)
    finally:
        await nc.close()
        await engine.dispose()
    text = metrics.render().decode()
    assert 'tgpl_messages_failed_total{consumer="test-metrics-failing-v1",outcome="retried"} 2.0' in text
    assert 'tgpl_messages_failed_total{consumer="test-metrics-failing-v1",outcome="dead_lettered"} 1.0' in text
    assert 'tgpl_messages_processed_total{consumer="test-metrics-failing-v1"} 0.0' in text
    assert 'tgpl_messages_received_total{consumer="test-metrics-failing-v1"} 3.0' in text
    assert 'tgpl_dead_letters{consumer="test-metrics-failing-v1"} 1.0' in text
    assert 'tgpl_consumer_lag_messages{consumer="test-metrics-failing-v1",stream="TGPL_INBOUND"} 0.0' in text

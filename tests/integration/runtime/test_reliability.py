"""Nothing lost, nothing twice: redelivery, retries and dead letters, with a real nats-server
and a real database."""

import asyncio
import functools
import json
import uuid

import pytest
from nats.aio.msg import Msg

from services.assignment.bootstrap import build as build_assignment
from services.assignment.config import AssignmentSettings
from services.reporting.adapters import tables as reporting_tables
from services.reporting.bootstrap import build as build_reporting
from services.reporting.config import ReportingSettings
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from services.runtime.consumers import ConsumerGroup, ConsumerSpec, dispatching, raw_bytes
from services.runtime.dead_letters import list_dead_letters
from services.runtime.database import create_engine
from services.runtime.migrate import upgrade_to_head
from services.runtime.unit_of_work import utcnow
from shared import events as ev
from shared import subjects
from shared.vocabulary import ProceduralStatus
from tests import harness

pytestmark = pytest.mark.integration


def case_opened(branch="HQ") -> ev.CaseOpened:
    return ev.CaseOpened(producer="test", case_id=str(uuid.uuid4()), register_no="00001/2026/TL",
                         channel="agency_notice", field="criminal", commune_code="21583", branch_code=branch,
                         gender="female", urgent=True)


async def publish_event(js, event: ev.Event) -> None:
    await harness.publish(js, subjects.subject_of(type(event)), event.model_dump_json().encode(), event.event_id)


async def test_crash_after_commit_before_ack_causes_no_second_assignment(
        jetstream, nats_url, database_url, tmp_path, monkeypatch, db_backend):
    """The consumer commits, then 'dies' before its ack: the server redelivers after ack_wait,
    and the processed-message row makes the redelivery a no-op."""
    settings = AssignmentSettings(nats_url=nats_url, database_url=await database_url("assignment"),
                                  data_dir=tmp_path, reference_dir=harness.DEMO_DATA, ack_wait_s=1.0)
    lost_acks: list[str] = []
    real_ack = Msg.ack

    async def ack_lost_once(self: Msg) -> None:
        key = (self.headers or {}).get("Nats-Msg-Id", "")
        if self.subject == subjects.subject_of(ev.CaseOpened) and key not in lost_acks:
            lost_acks.append(key)  # as if the process died between commit and ack
            return
        await real_ack(self)

    monkeypatch.setattr(Msg, "ack", ack_lost_once)
    host = build_assignment(settings)
    async with harness.running(host):
        event = case_opened()
        await publish_event(jetstream, event)
        await harness.eventually(lambda: _redelivered_and_acked(jetstream))
        assert host.consumers.stats.duplicates == 1
    assigned = await harness.events_of(jetstream, "TGPL_ASSIGNMENT", "assignment.case_assigned")
    assert [a["case_id"] for a in assigned] == [event.case_id]
    assert lost_acks == [event.event_id]


async def _redelivered_and_acked(js) -> bool:
    info = await js.consumer_info("TGPL_INTAKE", "assignment-intake-events-v1")
    # One stream message, delivered twice, acknowledged, nothing left.
    return info.delivered.consumer_seq == 2 and info.num_ack_pending == 0 and info.num_pending == 0


async def test_poison_event_is_dead_lettered_at_once_and_the_stream_goes_on(
        jetstream, nats_url, database_url, tmp_path, db_backend):
    settings = ReportingSettings(nats_url=nats_url, database_url=await database_url("reporting"), data_dir=tmp_path)
    host = build_reporting(settings)
    async with harness.running(host):
        poison = json.loads(case_opened().model_dump_json())
        poison["field"] = "astrology"  # valid JSON, the right type, an impossible value
        await harness.publish(jetstream, subjects.subject_of(ev.CaseOpened), poison, "poison-1")
        good = case_opened()
        await publish_event(jetstream, good)
        letters = await harness.eventually(lambda: list_dead_letters(host.engine, host.tables))
        app = host.asgi()
        async with harness.http_client(app) as client:
            visible = (await client.get("/api/dead-letters")).json()
            health = (await client.get("/healthz")).json()

        async def good_counted():
            async with host.uow() as uow:
                return (await uow.figures.figures(good.occurred_at.replace(hour=0, minute=0),
                                                  good.occurred_at.replace(hour=23, minute=59)))["totals"]["cases_opened"]

        assert await harness.eventually(good_counted) == 1
    assert len(letters) == 1 and letters[0]["message_key"] == "poison-1"
    assert letters[0]["deliveries"] == 1 and "astrology" in letters[0]["error"]
    assert visible[0]["consumer"] == "reporting-intake-events-v2" and "astrology" in visible[0]["payload"]
    assert health["dead_letters"] == 1


async def test_failing_handler_is_retried_with_delay_then_dead_lettered(
        jetstream, nats_url, database_url, db_backend):
    engine = create_engine(await database_url("reporting"))
    await upgrade_to_head(engine, build_reporting.__globals__["MIGRATIONS"])
    attempts: list[int] = []

    async def always_fails(uow, data: bytes, delivery) -> None:
        attempts.append(delivery.deliveries)
        raise RuntimeError("the handler fails every time")

    group = ConsumerGroup(functools.partial(ReportingUnitOfWork, engine, reporting_tables.messaging),
                          reporting_tables.messaging, engine, max_deliver=3, retry_delays_s=[0.1, 0.2],
                          ack_wait_s=5.0, fetch_batch=10)
    group.add(ConsumerSpec(durable="test-failing-v1", subject=subjects.INBOUND_REFERRAL,
                           stream=subjects.INBOUND_STREAM, payload=(), description="test",
                           decode=raw_bytes), always_fails)
    import nats

    nc = await nats.connect(nats_url)
    try:
        await group.start(nc)
        await harness.publish(jetstream, subjects.INBOUND_REFERRAL, b'{"valid": "json"}', "fails-1")
        letters = await harness.eventually(lambda: list_dead_letters(engine, reporting_tables.messaging))
        await group.stop()
    finally:
        await nc.close()
        await engine.dispose()
    assert attempts == [1, 2, 3]
    assert letters[0]["deliveries"] == 3 and "fails every time" in letters[0]["error"]
    assert letters[0]["payload"] == '{"valid": "json"}' and group.stats.retried == 2


PROCEDURAL_STATUS = next(iter(ProceduralStatus))


def notice_received() -> ev.NoticeReceived:
    return ev.NoticeReceived(producer="test", notice_key=f"CA-HN:{uuid.uuid4()}", revision=1, agency_code="CA-HN",
                             agency_kind="police", agency_known=True, sent_at=utcnow(), request_received_at=None,
                             procedural_status=PROCEDURAL_STATUS, wants_legal_aid=True, field="criminal",
                             commune_code=None, commune_known=False, gender="male", late=False)


async def test_a_durable_gets_only_the_types_its_handlers_read_and_an_old_one_is_narrowed_in_place(
        jetstream, nats_url, database_url, db_backend):
    """The broker filters by each event type's subject, so a consumer is not sent what it would
    ignore; a durable made before filtering (the whole stream) keeps its position and is narrowed."""
    import nats
    from nats.js.api import AckPolicy, ConsumerConfig

    engine = create_engine(await database_url("reporting"))
    await upgrade_to_head(engine, build_reporting.__globals__["MIGRATIONS"])
    durable = "test-filtered-v1"
    # An earlier version's durable: every intake event, one already read and acknowledged.
    await jetstream.add_consumer(subjects.INTAKE_STREAM.name, ConsumerConfig(
        durable_name=durable, ack_policy=AckPolicy.EXPLICIT, filter_subject=subjects.INTAKE_EVENTS))
    early = case_opened()
    await publish_event(jetstream, early)
    old = await jetstream.pull_subscribe_bind(durable=durable, stream=subjects.INTAKE_STREAM.name)
    [first] = await old.fetch(1, timeout=5)
    await first.ack_sync()
    await old.unsubscribe()
    handled: list[str] = []

    async def record(uow, event: ev.CaseOpened, delivery) -> None:
        handled.append(event.case_id)

    group = ConsumerGroup(functools.partial(ReportingUnitOfWork, engine, reporting_tables.messaging),
                          reporting_tables.messaging, engine, max_deliver=3, retry_delays_s=[0.1],
                          ack_wait_s=5.0, fetch_batch=10)
    group.add(ConsumerSpec.for_events(durable, subjects.INTAKE_STREAM, {ev.CaseOpened: record}, "test"),
              dispatching({ev.CaseOpened: record}))
    later = [notice_received(), case_opened(), notice_received(), case_opened()]
    nc = await nats.connect(nats_url)
    try:
        await group.start(nc)
        for event in later:
            await publish_event(jetstream, event)
        async def both_handled():
            return len(handled) == 2

        await harness.eventually(both_handled)
        info = await jetstream.consumer_info(subjects.INTAKE_STREAM.name, durable)
        await group.stop()
    finally:
        await nc.close()
        await engine.dispose()
    assert handled == [later[1].case_id, later[3].case_id]  # not the one read before, no notices
    assert group.stats.ignored == 0 and group.stats.processed == 2
    assert info.config.filter_subjects == [subjects.subject_of(ev.CaseOpened)] and not info.config.filter_subject


async def test_a_message_on_an_idle_stream_is_handled_without_waiting_for_a_full_batch(
        jetstream, nats_url, database_url, db_backend):
    """A consumer that fetches up to 50 takes a lone message at once, not when 50 have come or its
    pull request expires (what the batching of consumers relies on)."""
    import nats

    engine = create_engine(await database_url("reporting"))
    await upgrade_to_head(engine, build_reporting.__globals__["MIGRATIONS"])
    handled: list[bytes] = []

    async def record(uow, data: bytes, delivery) -> None:
        handled.append(data)

    group = ConsumerGroup(functools.partial(ReportingUnitOfWork, engine, reporting_tables.messaging),
                          reporting_tables.messaging, engine, max_deliver=3, retry_delays_s=[0.1],
                          ack_wait_s=60.0, fetch_batch=50, fetch_timeout_s=60.0)
    group.add(ConsumerSpec(durable="test-lone-v1", subject=subjects.INBOUND_REFERRAL, stream=subjects.INBOUND_STREAM,
                           payload=(), description="test", decode=raw_bytes), record)
    nc = await nats.connect(nats_url)
    try:
        await group.start(nc)
        await asyncio.sleep(0.5)  # the consumer is waiting on an empty stream
        await harness.publish(jetstream, subjects.INBOUND_REFERRAL, b'{"lone": true}', "lone-1")

        async def seen():
            return handled == [b'{"lone": true}']

        await harness.eventually(seen, timeout=15)  # a quarter of the pull request's 60 s
        await group.stop()
    finally:
        await nc.close()
        await engine.dispose()

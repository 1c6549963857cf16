"""`tgpl republish` on a real broker and real databases: what it sends, in which order, with which
ids; what a dry run counts; how it refuses a `--since` the retention no longer covers."""

import asyncio
import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import nats
import pytest
import sqlalchemy as sa

from deploy import cli
from services.assignment.adapters import tables as assignment_tables
from services.assignment.bootstrap import MIGRATIONS as ASSIGNMENT_MIGRATIONS
from services.intake.adapters import tables as intake_tables
from services.intake.bootstrap import MIGRATIONS as INTAKE_MIGRATIONS
from services.intake.config import IntakeSettings
from services.intake.bootstrap import build as build_intake
from services.runtime.consumers import message_key_without_id
from services.runtime.database import create_engine
from services.runtime.migrate import upgrade_to_head
from services.runtime.republish import Source, republish
from services.runtime.unit_of_work import utcnow
from shared import events as ev
from shared import subjects
from tests import harness

pytestmark = pytest.mark.integration

VN = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def outbox_row(msg_id: str, subject: str, created: float, published: float | None) -> dict:
    return dict(msg_id=msg_id, subject=subject, payload=json.dumps({"id": msg_id}), created_at=at(created),
                headers={"tgpl-event-type": subject.removeprefix("tgpl."), "tgpl-correlation-id": f"corr-{msg_id}"},
                published_at=None if published is None else at(published))


async def _migrated(database_url, service: str, migrations):
    engine = create_engine(await database_url(service))
    await upgrade_to_head(engine, migrations)
    return engine


async def test_kept_rows_go_out_in_order_with_their_ids_and_a_second_run_adds_nothing(
        jetstream, nats_url, database_url, db_backend):
    intake = await _migrated(database_url, "intake", INTAKE_MIGRATIONS)
    assignment = await _migrated(database_url, "assignment", ASSIGNMENT_MIGRATIONS)
    opened, assigned = subjects.subject_of(ev.CaseOpened), subjects.subject_of(ev.CaseAssigned)
    without_id = json.dumps(harness.make_notice()).encode()
    async with intake.begin() as conn:
        await conn.execute(sa.insert(intake_tables.messaging.outbox), [
            outbox_row("before-since", opened, -30, -29),
            outbox_row("i1", opened, 1, 1.1),
            outbox_row("i2", opened, 3, 3.1),
            outbox_row("i3", opened, 5, 5.1),
            outbox_row("unpublished", opened, 6, None),  # the relay sends it, not republish
        ])
        await conn.execute(sa.insert(intake_tables.inbound_messages), [
            dict(message_key="CA-GL:N1:1", msg_id="CA-GL:N1:1", subject=subjects.INBOUND_REFERRAL,
                 headers={"Nats-Msg-Id": "CA-GL:N1:1"}, payload=b'{"notice": 1}', received_at=at(0.5)),
            # Sent without Nats-Msg-Id: it goes back with the key intake deduplicated it by.
            dict(message_key=message_key_without_id("TGPL_INBOUND", 7, without_id), msg_id=None,
                 subject=subjects.INBOUND_REFERRAL, headers={}, payload=without_id, received_at=at(2.5)),
        ])
    async with assignment.begin() as conn:
        await conn.execute(sa.insert(assignment_tables.messaging.outbox), [
            outbox_row("a1", assigned, 2, 2.1),
            outbox_row("a2", assigned, 4, 4.1),
        ])
    sources = [Source("intake", intake, intake_tables.messaging, inbound=intake_tables.inbound_messages),
               Source("assignment", assignment, assignment_tables.messaging)]

    heard: list[str] = []
    watcher = await nats.connect(nats_url)
    try:
        async def hear(msg):
            heard.append(msg.headers["Nats-Msg-Id"])

        await watcher.subscribe("tgpl.>", cb=hear)
        await watcher.flush()
        first = await republish(sources, jetstream, since=T0, until=at(60), in_flight=3)
        second = await republish(sources, jetstream, since=T0, until=at(60))
        await harness.eventually(lambda: _heard(heard, 14))
    finally:
        await watcher.close()
        await intake.dispose()
        await assignment.dispose()

    # One sequence merged by time; each service's own rows in outbox order.
    assert heard[:7] == ["CA-GL:N1:1", "i1", "a1", message_key_without_id("TGPL_INBOUND", 7, without_id), "i2", "a2", "i3"]
    stored = await harness.stream_messages(jetstream, "TGPL_INTAKE")
    assert [h["Nats-Msg-Id"] for _, h, _ in stored] == ["i1", "i2", "i3"]
    assert stored[0][1]["tgpl-event-type"] == "intake.case_opened" and stored[0][1]["tgpl-correlation-id"] == "corr-i1"
    assert stored[0][2] == {"id": "i1"}
    inbound = await jetstream.get_msg("TGPL_INBOUND", 2)
    assert inbound.data == without_id and inbound.subject == subjects.INBOUND_REFERRAL
    assert [h["Nats-Msg-Id"] for _, h, _ in await harness.stream_messages(jetstream, "TGPL_ASSIGNMENT")] == ["a1", "a2"]

    assert first.services["intake"].outbox == 3 and first.services["intake"].inbound == 2
    assert first.services["intake"].new_in_stream == 5 and first.services["intake"].waiting_for_relay == 1
    assert first.services["assignment"].outbox == 2 and first.services["assignment"].new_in_stream == 2
    # Sent again: the streams' duplicate window drops every message (and consumers would too).
    assert [s.already_in_stream for s in second.services.values()] == [5, 2]
    assert [s.new_in_stream for s in second.services.values()] == [0, 0]


async def _heard(heard: list[str], n: int):
    return len(heard) >= n


async def _cli(*argv: str) -> int:
    return await asyncio.to_thread(cli.main, ["republish", *argv])


async def test_dry_run_counts_and_a_since_before_the_retention_is_refused(
        database_url, tmp_path, monkeypatch, capsys, db_backend):
    data_dir = tmp_path / "var"
    # SQLite: the service's default file under the data dir; PostgreSQL: the URL from its settings.
    url = None if db_backend == "sqlite" else await database_url("intake")
    for name in ("TGPL_INTAKE_DATABASE_URL", "TGPL_INTAKE_OUTBOX_RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TGPL_DATA_DIR", str(data_dir))
    if url:
        monkeypatch.setenv("TGPL_INTAKE_DATABASE_URL", url)
    host = build_intake(IntakeSettings())
    now = utcnow()
    try:
        await upgrade_to_head(host.engine, INTAKE_MIGRATIONS)
        async with host.engine.begin() as conn:
            await conn.execute(sa.insert(intake_tables.messaging.outbox), [
                dict(msg_id=f"m-{days}", subject="tgpl.intake.case_opened", payload="{}", headers={},
                     created_at=now - timedelta(days=days), published_at=now - timedelta(days=days))
                for days in (40, 39, 10, 9, 8)])
            await conn.execute(sa.insert(intake_tables.inbound_messages).values(
                message_key="k", msg_id="k", subject=subjects.INBOUND_REFERRAL, headers={}, payload=b"{}",
                received_at=now - timedelta(days=5)))
        assert (await host.retention.prune(now))["outbox"] == 2
    finally:
        await host.engine.dispose()
    capsys.readouterr()

    assert await _cli("--since", "40d", "--service", "intake", "--dry-run") == 1
    refused = capsys.readouterr()
    oldest = (now - timedelta(days=10)).astimezone(VN).isoformat()
    assert "intake: the retention (30 days) does not reach back" in refused.err
    assert f"pruned through {(now - timedelta(days=39)).astimezone(VN).isoformat()}" in refused.err
    assert f"the oldest row still kept is from {oldest}" in refused.err and refused.out == ""

    assert await _cli("--since", "20d", "--service", "intake", "--dry-run") == 0
    counted = json.loads(capsys.readouterr().out)
    assert counted["dry_run"] is True and counted["messages"] == 4
    intake = counted["services"]["intake"]
    assert intake["outbox"] == 3 and intake["inbound_notices"] == 1 and "new_in_stream" not in intake
    assert intake["oldest_kept"] == oldest and intake["retention_days"] == 30

    if db_backend == "sqlite":  # a data dir without the service's file: said, not created
        assert await _cli("--since", "20d", "--service", "assignment", "--dry-run") == 1
        assert f"assignment: no database at {data_dir.resolve() / 'assignment.db'}" in capsys.readouterr().err
        assert not (data_dir / "assignment.db").exists()

"""Retention on a real database: published rows past the retention go, in bounded batches;
unpublished and recent rows stay; processed-message rows stay a day longer."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from services.intake.adapters import tables as t
from services.intake.bootstrap import MIGRATIONS, build
from services.intake.config import IntakeSettings
from services.runtime.migrate import upgrade_to_head
from services.runtime.retention import pruned_through
from services.runtime.unit_of_work import utcnow

pytestmark = pytest.mark.integration

NOW = utcnow()


def ago(days: float):
    return NOW - timedelta(days=days)


async def _intake(database_url, tmp_path, **settings):
    host = build(IntakeSettings(database_url=await database_url("intake"), data_dir=tmp_path, **settings))
    await upgrade_to_head(host.engine, MIGRATIONS)
    return host


async def _fill(engine) -> None:
    outbox = t.messaging.outbox
    async with engine.begin() as conn:
        # Seven old published rows (more than two batches of three), three that must stay.
        await conn.execute(sa.insert(outbox), [
            dict(msg_id=f"old-{i}", subject="tgpl.intake.case_opened", payload="{}", headers={},
                 created_at=ago(45 - i), published_at=ago(45 - i)) for i in range(7)] + [
            dict(msg_id="old-unpublished", subject="s", payload="{}", headers={}, created_at=ago(60),
                 published_at=None),
            dict(msg_id="recent", subject="s", payload="{}", headers={}, created_at=ago(29), published_at=ago(29)),
            # Created long ago but published only recently (the broker was down): kept by its publication.
            dict(msg_id="late-published", subject="s", payload="{}", headers={}, created_at=ago(40),
                 published_at=ago(2)),
        ])
        await conn.execute(sa.insert(t.messaging.processed), [
            dict(consumer="c", message_key="past-margin", processed_at=ago(31.5)),
            dict(consumer="c", message_key="within-margin", processed_at=ago(30.5)),
            dict(consumer="c", message_key="recent", processed_at=ago(1)),
        ])
        await conn.execute(sa.insert(t.inbound_messages), [
            dict(message_key="in-old", msg_id="in-old", subject="tgpl.inbound.referral", headers={}, payload=b"{}",
                 received_at=ago(31)),
            dict(message_key="in-recent", msg_id=None, subject="tgpl.inbound.referral", headers={}, payload=b"{}",
                 received_at=ago(3)),
        ])


async def _left(engine) -> dict[str, set[str]]:
    async with engine.connect() as conn:
        return {
            "outbox": set((await conn.execute(sa.select(t.messaging.outbox.c.msg_id))).scalars()),
            "processed": set((await conn.execute(sa.select(t.messaging.processed.c.message_key))).scalars()),
            "inbound": set((await conn.execute(sa.select(t.inbound_messages.c.message_key))).scalars()),
        }


async def test_published_rows_past_the_retention_go_in_batches_and_the_rest_stays(database_url, tmp_path, db_backend):
    host = await _intake(database_url, tmp_path, outbox_retention_days=30, retention_batch=3)
    try:
        await _fill(host.engine)
        done = await host.retention.prune(NOW)
        left = await _left(host.engine)
        async with host.engine.connect() as conn:
            marks = {name: await pruned_through(conn, t.messaging.retention_marks, name)
                     for name in ("outbox", "processed_messages", "inbound_messages")}
        again = await host.retention.prune(NOW)
    finally:
        await host.engine.dispose()
    assert done == {"outbox": 7, "processed_messages": 1, "inbound_messages": 1}
    assert left == {"outbox": {"old-unpublished", "recent", "late-published"},
                    "processed": {"within-margin", "recent"}, "inbound": {"in-recent"}}
    # The marks name the newest time pruned: republish refuses to start at or before it.
    assert marks == {"outbox": ago(39), "processed_messages": ago(31.5), "inbound_messages": ago(31)}
    assert again == {"outbox": 0, "processed_messages": 0, "inbound_messages": 0}


async def test_zero_days_keeps_everything_and_the_service_runs_no_pruning(database_url, tmp_path, db_backend):
    host = await _intake(database_url, tmp_path, outbox_retention_days=0)
    try:
        await _fill(host.engine)
        assert await host.retention.prune(NOW) == {}
        left = await _left(host.engine)
    finally:
        await host.engine.dispose()
    assert len(left["outbox"]) == 10 and len(left["processed"]) == 3 and len(left["inbound"]) == 2
    assert host.retention.prune not in [job for _, job in host.periodic]


def test_a_service_prunes_on_its_clock_by_default(tmp_path):
    host = build(IntakeSettings(data_dir=tmp_path))
    assert host.retention.days == 30
    assert (3600.0, host.retention.prune) in host.periodic

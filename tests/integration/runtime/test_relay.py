"""The outbox relay's marks (services/runtime/relay.py) on a real broker and real databases: published
rows are marked by the service's next transaction, not by one of the relay's own; a transaction that
fails gives its marks back; an idle relay, and a stopping one, writes them itself; and a row is never
published twice while its mark waits."""

import asyncio

import nats
import pytest
import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncTransaction

from services.assignment.adapters import tables
from services.assignment.bootstrap import MIGRATIONS
from services.runtime.relay import OutboxRelay
from services.runtime.unit_of_work import UnitOfWork
from shared import events as ev
from shared import subjects
from tests import harness

pytestmark = pytest.mark.integration

SUBJECT = subjects.subject_of(ev.CaseAssigned)
OUTBOX = tables.messaging.outbox


class Note(BaseModel):
    n: int


@pytest.fixture
async def engine(database_url):
    async with harness.migrated_engine(await database_url("assignment"), MIGRATIONS) as engine:
        yield engine


@pytest.fixture
async def broker(jetstream, nats_url):
    nc = await nats.connect(nats_url)
    yield nc
    await nc.close()


async def unmarked(engine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(OUTBOX)
                                   .where(OUTBOX.c.published_at.is_(None)))).scalar_one()


async def stored(jetstream) -> int:
    return (await jetstream.stream_info(subjects.ASSIGNMENT_STREAM.name)).state.messages


async def commit_notes(engine, relay: OutboxRelay, count: int) -> None:
    async with UnitOfWork(engine, tables.messaging, relay) as work:
        for n in range(count):
            await work.outbox.add(SUBJECT, Note(n=n), msg_id=f"note-{n}")
        await work.commit()


async def published(relay: OutboxRelay, count: int) -> None:
    async def done():
        return relay.published == count
    await harness.eventually(done, timeout=10)


async def test_published_rows_are_marked_by_the_next_transaction_and_never_sent_twice_meanwhile(
        engine, broker, jetstream):
    relay = OutboxRelay(engine, tables.messaging, mark_after_s=3600)
    relay.start(broker)
    try:
        await commit_notes(engine, relay, 3)
        await published(relay, 3)
        assert await unmarked(engine) == 3  # sent, and no transaction of the relay's own marked them

        relay.wake()  # the relay reads the outbox again: the rows waiting for their mark are not sent again
        await asyncio.sleep(0.3)
        assert relay.published == 3 and await stored(jetstream) == 3

        async with UnitOfWork(engine, tables.messaging, relay) as work:  # any transaction of the service
            await work.commit()
        assert await unmarked(engine) == 0
    finally:
        await relay.stop()


async def test_a_transaction_that_fails_gives_its_marks_back_to_the_next(engine, broker, jetstream, monkeypatch):
    relay = OutboxRelay(engine, tables.messaging, mark_after_s=3600)
    relay.start(broker)
    try:
        await commit_notes(engine, relay, 2)
        await published(relay, 2)

        async def failing_commit(self):
            raise sa.exc.OperationalError("COMMIT", {}, Exception("disk I/O error"))

        with monkeypatch.context() as patch:
            patch.setattr(AsyncTransaction, "commit", failing_commit)
            async with UnitOfWork(engine, tables.messaging, relay) as work:
                with pytest.raises(sa.exc.OperationalError):
                    await work.commit()
        assert await unmarked(engine) == 2

        relay.wake()
        await asyncio.sleep(0.3)
        assert relay.published == 2 and await stored(jetstream) == 2  # still not sent twice

        async with UnitOfWork(engine, tables.messaging, relay) as work:
            await work.commit()
        assert await unmarked(engine) == 0
    finally:
        await relay.stop()


async def test_an_idle_relay_marks_its_rows_itself(engine, broker):
    relay = OutboxRelay(engine, tables.messaging, mark_after_s=0.2)
    relay.start(broker)
    try:
        await commit_notes(engine, relay, 4)
        await published(relay, 4)

        async def all_marked():
            return await unmarked(engine) == 0
        await harness.eventually(all_marked, timeout=5)
    finally:
        await relay.stop()


async def test_a_stopping_relay_writes_the_marks_no_transaction_took(engine, broker):
    relay = OutboxRelay(engine, tables.messaging, mark_after_s=3600)
    relay.start(broker)
    await commit_notes(engine, relay, 2)
    await published(relay, 2)
    await relay.stop()
    assert await unmarked(engine) == 0

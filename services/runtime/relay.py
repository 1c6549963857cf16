"""The outbox relay: publishes committed outbox rows to JetStream with `Nats-Msg-Id`, then marks
them. A crash between publish and mark re-publishes; JetStream's duplicate window drops it.

It reads the rows in a read-only transaction and marks them in the background, so publishing never
waits for the write lock that the service's consumers hold batch after batch (on SQLite)."""

from __future__ import annotations

import asyncio
import logging

import sqlalchemy as sa
from nats.aio.client import Client as NatsClient
from sqlalchemy.ext.asyncio import AsyncEngine

from services.runtime.database import READ_ONLY
from services.runtime.messaging_tables import MessagingTables
from services.runtime.unit_of_work import utcnow

log = logging.getLogger("tgpl.relay")


class OutboxRelay:
    """Moves outbox rows to the broker in commit order, in batches, without holding a transaction."""

    def __init__(self, engine: AsyncEngine, tables: MessagingTables, *, batch: int = 200, poll_s: float = 0.5) -> None:
        self._engine = engine
        self._table = tables.outbox
        self._batch = batch
        self._poll_s = poll_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._js = None
        self.published = 0
        #: published rows whose mark is still being written (not to be published again meanwhile)
        self._marking: set[int] = set()
        self._mark_tasks: set[asyncio.Task] = set()

    def wake(self) -> None:
        """Ask the relay to look at the outbox now (called after a commit that added rows)."""
        self._wake.set()

    def start(self, nc: NatsClient) -> None:
        """Start relaying over an open NATS connection."""
        self._js = nc.jetstream()
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Stop after the batch in flight (its mark written, when it can be)."""
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        if self._mark_tasks:
            await asyncio.gather(*self._mark_tasks, return_exceptions=True)

    async def backlog(self) -> int:
        """How many outbox rows wait to be published."""
        async with self._engine.connect() as conn:
            return (await conn.execute(
                sa.select(sa.func.count()).select_from(self._table).where(self._table.c.published_at.is_(None))
            )).scalar_one()

    async def _run(self) -> None:
        while True:
            try:
                sent = await self._publish_batch(wait_for_mark=False)
            except asyncio.CancelledError:
                raise
            except Exception:  # broker or database briefly unavailable: try again shortly
                log.exception("outbox relay: publish failed; retrying")
                await asyncio.sleep(1.0)
                continue
            if sent < self._batch:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self._poll_s)
                except asyncio.TimeoutError:
                    pass
                self._wake.clear()

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished rows and mark them; returns how many were published."""
        return await self._publish_batch(wait_for_mark=True)

    async def _publish_batch(self, *, wait_for_mark: bool) -> int:
        t = self._table
        query = (sa.select(t.c.id, t.c.msg_id, t.c.subject, t.c.payload, t.c.headers)
                 .where(t.c.published_at.is_(None)).order_by(t.c.id).limit(self._batch))
        if self._marking:
            query = query.where(t.c.id.not_in(sorted(self._marking)))
        async with self._engine.connect() as conn:
            conn = await conn.execution_options(**READ_ONLY)
            rows = (await conn.execute(query)).all()
            await conn.rollback()
        if not rows:
            return 0
        acks = await asyncio.gather(*(
            self._js.publish(
                row.subject, row.payload.encode(), headers={**(row.headers or {}), "Nats-Msg-Id": row.msg_id}
            ) for row in rows
        ))
        del acks
        self.published += len(rows)
        ids = [row.id for row in rows]
        # The marks queue for the write lock in the background; the next rows are read and sent meanwhile.
        self._marking.update(ids)
        marking = asyncio.create_task(self._mark(ids))
        self._mark_tasks.add(marking)
        marking.add_done_callback(self._marked)
        if wait_for_mark:
            await marking
        return len(rows)

    def _marked(self, task: asyncio.Task) -> None:
        self._mark_tasks.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved here; logged in _mark

    async def _mark(self, ids: list[int]) -> None:
        """Record rows as published; if that fails they are published again (the broker drops the copies)."""
        t = self._table
        try:
            async with self._engine.begin() as conn:
                await conn.execute(sa.update(t).where(t.c.id.in_(ids)).values(published_at=utcnow()))
        except Exception:
            log.exception("outbox relay: could not mark %d published rows; they will be sent again", len(ids))
            raise
        finally:
            self._marking.difference_update(ids)

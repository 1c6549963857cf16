"""The outbox relay: publishes committed outbox rows to JetStream with `Nats-Msg-Id`, then marks
them. A crash between publish and mark re-publishes; JetStream's duplicate window drops it.

It reads the rows in a read-only transaction, so publishing never waits for the write lock that the
service's consumers hold batch after batch (on SQLite). The marks ride on the service's next
transaction (`take_marks`, called by the unit of work as it commits): a separate mark transaction
per published batch took the write lock as often as the consumers did, and they queued behind it.
Marks no transaction took within `mark_after_s` (an idle service) are written by the relay itself."""

from __future__ import annotations

import asyncio
import logging

import sqlalchemy as sa
from nats.aio.client import Client as NatsClient
from sqlalchemy.ext.asyncio import AsyncEngine

from services.runtime.database import READ_ONLY
from services.runtime.messaging_tables import MessagingTables
from services.runtime.unit_of_work import mark_published

log = logging.getLogger("tgpl.relay")


class OutboxRelay:
    """Moves outbox rows to the broker in commit order, in batches, without holding a transaction."""

    def __init__(self, engine: AsyncEngine, tables: MessagingTables, *, batch: int = 200, poll_s: float = 0.5,
                 mark_after_s: float = 0.25) -> None:
        self._engine = engine
        self._table = tables.outbox
        self._batch = batch
        self._poll_s = poll_s
        self._mark_after_s = mark_after_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._js = None
        self.published = 0
        #: published rows not yet known to be marked (not to be read and published again meanwhile)
        self._marking: set[int] = set()
        #: of those, the ones no transaction has taken yet, and since when the oldest has waited
        self._to_mark: list[int] = []
        self._to_mark_since = 0.0
        self._mark_tasks: set[asyncio.Task] = set()

    def wake(self) -> None:
        """Ask the relay to look at the outbox now (called after a commit that added rows)."""
        self._wake.set()

    def take_marks(self) -> list[int]:
        """The published rows a committing transaction should mark (see the module's docstring)."""
        ids, self._to_mark = self._to_mark, []
        return ids

    def marks_done(self, ids: list[int], *, committed: bool) -> None:
        """The transaction that took `ids` committed their marks, or failed (they wait for the next)."""
        if committed:
            self._marking.difference_update(ids)
        else:
            self._queue_marks(ids)

    def _queue_marks(self, ids: list[int]) -> None:
        if not self._to_mark:
            self._to_mark_since = asyncio.get_running_loop().time()
        self._to_mark.extend(ids)

    def start(self, nc: NatsClient) -> None:
        """Start relaying over an open NATS connection."""
        self._js = nc.jetstream()
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Stop after the batch in flight, its marks written when they can be (the consumers stopped
        first, so no transaction of theirs will take them)."""
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        if self._mark_tasks:
            await asyncio.gather(*self._mark_tasks, return_exceptions=True)
        if self._to_mark:
            try:
                await self._mark(self.take_marks())
            except Exception:
                pass  # logged in _mark; the rows are published again at the next start, and dropped as copies

    async def backlog(self) -> int:
        """How many outbox rows wait to be published."""
        async with self._engine.connect() as conn:
            return (await conn.execute(
                sa.select(sa.func.count()).select_from(self._table).where(self._table.c.published_at.is_(None))
            )).scalar_one()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                sent = await self._publish_batch(wait_for_mark=False)
            except asyncio.CancelledError:
                raise
            except Exception:  # broker or database briefly unavailable: try again shortly
                log.exception("outbox relay: publish failed; retrying")
                await asyncio.sleep(1.0)
                continue
            mark_due = self._to_mark_since + self._mark_after_s - loop.time()
            if self._to_mark and mark_due <= 0:
                self._mark_in_background(self.take_marks())
            if sent < self._batch:
                wait = min(self._poll_s, mark_due) if self._to_mark and mark_due > 0 else self._poll_s
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)
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
        self._marking.update(ids)
        if wait_for_mark:
            await self._mark(ids)
        else:
            self._queue_marks(ids)
        return len(rows)

    def _mark_in_background(self, ids: list[int]) -> None:
        marking = asyncio.create_task(self._mark(ids))
        self._mark_tasks.add(marking)
        marking.add_done_callback(self._marked)

    def _marked(self, task: asyncio.Task) -> None:
        self._mark_tasks.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved here; logged in _mark

    async def _mark(self, ids: list[int]) -> None:
        """Record rows as published in a transaction of the relay's own; if that fails they wait for the
        next transaction (and if the process ends first, they are published again and dropped as copies)."""
        try:
            async with self._engine.begin() as conn:
                await mark_published(conn, self._table, ids)
        except BaseException as exc:
            if isinstance(exc, Exception):
                log.exception("outbox relay: could not mark %d published rows; the next transaction will", len(ids))
            self.marks_done(ids, committed=False)
            raise
        self.marks_done(ids, committed=True)

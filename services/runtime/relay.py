"""The outbox relay: publishes committed outbox rows to JetStream with `Nats-Msg-Id`, then marks
them. A crash between publish and mark re-publishes; JetStream's duplicate window drops it."""

from __future__ import annotations

import asyncio
import logging

import sqlalchemy as sa
from nats.aio.client import Client as NatsClient
from sqlalchemy.ext.asyncio import AsyncEngine

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

    def wake(self) -> None:
        """Ask the relay to look at the outbox now (called after a commit that added rows)."""
        self._wake.set()

    def start(self, nc: NatsClient) -> None:
        """Start relaying over an open NATS connection."""
        self._js = nc.jetstream()
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Stop after the batch in flight."""
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def backlog(self) -> int:
        """How many outbox rows wait to be published."""
        async with self._engine.connect() as conn:
            return (await conn.execute(
                sa.select(sa.func.count()).select_from(self._table).where(self._table.c.published_at.is_(None))
            )).scalar_one()

    async def _run(self) -> None:
        while True:
            try:
                sent = await self.publish_pending()
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
        """Publish one batch of unpublished rows; returns how many were published."""
        t = self._table
        async with self._engine.connect() as conn:
            rows = (await conn.execute(
                sa.select(t.c.id, t.c.msg_id, t.c.subject, t.c.payload, t.c.headers)
                .where(t.c.published_at.is_(None)).order_by(t.c.id).limit(self._batch)
            )).all()
            await conn.rollback()
        if not rows:
            return 0
        acks = await asyncio.gather(*(
            self._js.publish(
                row.subject, row.payload.encode(), headers={**(row.headers or {}), "Nats-Msg-Id": row.msg_id}
            ) for row in rows
        ))
        del acks
        async with self._engine.begin() as conn:
            await conn.execute(
                sa.update(t).where(t.c.id.in_([row.id for row in rows])).values(published_at=utcnow())
            )
        self.published += len(rows)
        return len(rows)

"""The unit of work: one transaction holding the state change, the processed-message row and
the outbox rows. Only the unit of work commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, Protocol, Self

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.runtime.messaging_tables import MessagingTables
from services.runtime.tracing import inject_trace_context
from shared.envelope import Event
from shared.subjects import subject_of


def utcnow() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(timezone.utc)


def insert_ignoring_conflicts(conn: AsyncConnection, table: sa.Table):
    """An INSERT ... ON CONFLICT DO NOTHING for the connection's dialect."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    return dialect.insert(table).on_conflict_do_nothing()


async def mark_published(conn: AsyncConnection, table: sa.Table, ids: Sequence[int]) -> None:
    """Record outbox rows as published (the relay's part of the outbox's life)."""
    await conn.execute(sa.update(table).where(table.c.id.in_(ids)).values(published_at=utcnow()))


class RelayLink(Protocol):
    """What a unit of work tells the outbox relay, and takes from it: the relay's marks of published
    rows ride on the service's next transaction instead of taking the write lock for their own."""

    def wake(self) -> None:
        """Rows were committed to the outbox: publish them now."""

    def take_marks(self) -> list[int]:
        """Ids of published rows this transaction should mark as published."""

    def marks_done(self, ids: list[int], *, committed: bool) -> None:
        """The transaction that took `ids` committed them, or did not (they are given back)."""


class OutboxWriter:
    """Adds messages to the outbox of the current transaction: kept in order, and written in one
    statement by `flush`, which the unit of work calls as it commits."""

    def __init__(self, conn: AsyncConnection, tables: MessagingTables) -> None:
        self._conn = conn
        self._table = tables.outbox
        self._rows: list[dict] = []
        self.added = 0

    async def add_event(self, event: Event) -> None:
        """Queue an internal event on its subject; its Nats-Msg-Id is the event_id."""
        await self.add(subject_of(type(event)), event, msg_id=event.event_id,
                       headers={"tgpl-event-type": event.type, "tgpl-correlation-id": event.correlation_id})

    async def add(self, subject: str, message: BaseModel, *, msg_id: str, headers: dict[str, str] | None = None) -> None:
        """Queue any contract message (e.g. an external reply) with an explicit Nats-Msg-Id."""
        # The handling span's trace context goes with the row: the relay publishes it later, unchanged.
        self._rows.append({"msg_id": msg_id, "subject": subject, "payload": message.model_dump_json(),
                           "headers": inject_trace_context(headers or {}), "created_at": utcnow()})
        self.added += 1

    async def flush(self) -> None:
        """Write the queued rows, in the order they were added (the relay publishes by id)."""
        if self._rows:
            rows, self._rows = self._rows, []
            await self._conn.execute(insert_ignoring_conflicts(self._conn, self._table), rows)


class ProcessedMessages:
    """The idempotency ledger of a service's consumers."""

    def __init__(self, conn: AsyncConnection, tables: MessagingTables) -> None:
        self._conn = conn
        self._table = tables.processed

    async def claim(self, consumer: str, message_key: str) -> bool:
        """Record that `consumer` handles `message_key`; False when it already did."""
        result = await self._conn.execute(insert_ignoring_conflicts(self._conn, self._table),
                                          {"consumer": consumer, "message_key": message_key, "processed_at": utcnow()})
        return result.rowcount == 1

    async def claim_all(self, consumer: str, message_keys: list[str]) -> set[str]:
        """Record that `consumer` handles each of `message_keys`, in one statement; the keys it had not
        handled before (those to handle now)."""
        if not message_keys:
            return set()
        at = utcnow()
        stmt = (insert_ignoring_conflicts(self._conn, self._table)
                .values([{"consumer": consumer, "message_key": key, "processed_at": at}
                         for key in dict.fromkeys(message_keys)])
                .returning(self._table.c.message_key))
        return set((await self._conn.execute(stmt)).scalars())


class UnitOfWork:
    """Base unit of work; services subclass it and add their repositories in `_open`."""

    def __init__(self, engine: AsyncEngine, tables: MessagingTables, relay: RelayLink | None = None) -> None:
        self._engine = engine
        self._tables = tables
        self._relay = relay
        self._conn: AsyncConnection | None = None
        self._tx: Any = None

    @property
    def conn(self) -> AsyncConnection:
        assert self._conn is not None, "unit of work used outside `async with`"
        return self._conn

    async def __aenter__(self) -> Self:
        self._conn = await self._engine.connect()
        self._tx = await self._conn.begin()
        self.outbox = OutboxWriter(self._conn, self._tables)
        self.processed = ProcessedMessages(self._conn, self._tables)
        self._open(self._conn)
        return self

    def _open(self, conn: AsyncConnection) -> None:
        """Hook for subclasses: build repositories on the connection."""

    async def _before_commit(self) -> None:
        """Hook for subclasses: write what they gathered during the transaction (e.g. a batch's rows)."""

    async def commit(self) -> None:
        """Commit everything done in this unit of work (with the relay's pending marks), then wake the
        outbox relay."""
        await self._before_commit()
        await self.outbox.flush()
        marks = self._relay.take_marks() if self._relay else []
        try:
            if marks:
                await mark_published(self.conn, self._tables.outbox, marks)
            await self._tx.commit()
        except BaseException:
            if marks:
                self._relay.marks_done(marks, committed=False)
            raise
        if marks:
            self._relay.marks_done(marks, committed=True)
        if self.outbox.added and self._relay:
            self._relay.wake()

    async def __aexit__(self, *exc: object) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                await self._tx.rollback()
        finally:
            await self.conn.close()
            self._conn = None


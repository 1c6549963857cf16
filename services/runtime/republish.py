"""Republish: put back on the streams, from the services' own databases, what the broker lost.

Each service keeps its published outbox rows for its retention, and intake keeps every referral
message as it arrived. `tgpl republish --since T` sends them again with their original
`Nats-Msg-Id` and headers: whatever a consumer already handled is a duplicate to it (its
processed-message row, or the stream's duplicate window within the hour), and whatever the broker
lost before it was consumed is handled now.

Order: each service's rows go out in outbox order (its commit order, as the relay sent them), so
every stream gets its messages in the original order; the services' sequences are merged by
creation time, which puts a cause (a case opened) before its effects (the assignment) across
streams too. Consumers of different streams never relied on that order (their streams are read
by separate durables at their own pace, so every cross-stream handler accepts any order).
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.runtime.messaging_tables import MessagingTables
from services.runtime.retention import pruned_through
from services.runtime.unit_of_work import utcnow
from shared.subjects import STREAMS

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Source:
    """One service's database as republish reads it; `inbound` is intake's store of referral messages."""

    service: str
    engine: AsyncEngine
    tables: MessagingTables
    inbound: sa.Table | None = None
    retention_days: int = 0


@dataclass(frozen=True)
class Outgoing:
    """One message to send again; `at` orders it among the other services' messages."""

    at: datetime
    service: str
    subject: str
    data: bytes
    headers: dict[str, str]


@dataclass
class ServiceSummary:
    """What republish found and did for one service."""

    outbox: int = 0
    inbound: int = 0
    new_in_stream: int = 0
    already_in_stream: int = 0
    waiting_for_relay: int = 0
    oldest_kept: datetime | None = None
    pruned_through: datetime | None = None
    retention_days: int = 0
    first: datetime | None = None
    last: datetime | None = None


@dataclass
class RepublishSummary:
    """What a republish run did, per service."""

    since: datetime
    until: datetime | None
    dry_run: bool
    services: dict[str, ServiceSummary] = field(default_factory=dict)

    @property
    def messages(self) -> int:
        return sum(s.outbox + s.inbound for s in self.services.values())


class RetentionTooShort(Exception):
    """Rows at or after `since` may have been pruned: a replay from there would be incomplete."""

    def __init__(self, service: str, what: str, since: datetime, through: datetime, oldest: datetime | None,
                 retention_days: int, show: Callable[[datetime], str] = datetime.isoformat) -> None:
        self.service, self.what, self.through, self.oldest = service, what, through, oldest
        kept = f"the oldest row still kept is from {show(oldest)}" if oldest else "no row is kept"
        super().__init__(
            f"{service}: the retention ({retention_days} days) does not reach back to {show(since)}: its {what} "
            f"was pruned through {show(through)}, {kept}. Republish with --since after {show(through)}, or "
            f"restore a backup of {service}'s database.")


class StreamMissing(Exception):
    """A stream republish writes to is not declared on the broker."""


async def _outbox_facts(source: Source, since: datetime, until: datetime | None) -> tuple[int, int, datetime | None,
                                                                                        datetime | None, int]:
    t = source.tables.outbox
    window = [t.c.published_at >= since] + ([t.c.published_at < until] if until else [])
    async with source.engine.connect() as conn:
        count, first, last = (await conn.execute(
            sa.select(sa.func.count(), sa.func.min(t.c.created_at), sa.func.max(t.c.created_at)).where(*window)
        )).one()
        start = (await conn.execute(sa.select(sa.func.min(t.c.id)).where(*window))).scalar_one_or_none()
        waiting = (await conn.execute(
            sa.select(sa.func.count()).select_from(t).where(t.c.published_at.is_(None)))).scalar_one()
        await conn.rollback()
    return count, start or 0, first, last, waiting


async def _inbound_facts(source: Source, since: datetime, until: datetime | None) -> tuple[int, int, datetime | None,
                                                                                         datetime | None]:
    t = source.inbound
    window = [t.c.received_at >= since] + ([t.c.received_at < until] if until else [])
    async with source.engine.connect() as conn:
        count, first, last = (await conn.execute(
            sa.select(sa.func.count(), sa.func.min(t.c.received_at), sa.func.max(t.c.received_at)).where(*window)
        )).one()
        start = (await conn.execute(sa.select(sa.func.min(t.c.id)).where(*window))).scalar_one_or_none()
        await conn.rollback()
    return count, start or 0, first, last


async def check_retention(source: Source, since: datetime, show: Callable[[datetime], str] = datetime.isoformat
                          ) -> tuple[datetime | None, datetime | None]:
    """Raise RetentionTooShort when rows at/after `since` may be gone; else (pruned through, oldest kept)."""
    marks = source.tables.retention_marks
    outbox = source.tables.outbox
    async with source.engine.connect() as conn:
        checks = [("outbox", await pruned_through(conn, marks, "outbox"),
                   (await conn.execute(sa.select(sa.func.min(outbox.c.published_at)))).scalar_one())]
        if source.inbound is not None:
            checks.append(("store of inbound notices", await pruned_through(conn, marks, "inbound_messages"),
                           (await conn.execute(sa.select(sa.func.min(source.inbound.c.received_at)))).scalar_one()))
        await conn.rollback()
    for what, through, oldest in checks:
        if through is not None and since <= through:
            raise RetentionTooShort(source.service, what, since, through, oldest, source.retention_days, show)
    return checks[0][1], checks[0][2]


def _sendable(headers: dict | None) -> dict[str, str]:
    # A sender's optimistic-concurrency headers held for the first publish only.
    return {k: v for k, v in (headers or {}).items() if not k.startswith("Nats-Expected")}


async def _outbox_messages(source: Source, start: int, since: datetime, until: datetime | None,
                           page: int) -> AsyncIterator[Outgoing]:
    t = source.tables.outbox
    window = [t.c.published_at >= since] + ([t.c.published_at < until] if until else [])
    last = start - 1
    while True:
        # One short read per page: on SQLite every transaction takes the write lock.
        async with source.engine.connect() as conn:
            rows = (await conn.execute(
                sa.select(t.c.id, t.c.msg_id, t.c.subject, t.c.payload, t.c.headers, t.c.created_at)
                .where(t.c.id > last, *window).order_by(t.c.id).limit(page))).all()
            await conn.rollback()
        for row in rows:
            yield Outgoing(row.created_at, source.service, row.subject, row.payload.encode(),
                           {**_sendable(row.headers), "Nats-Msg-Id": row.msg_id})
        if len(rows) < page:
            return
        last = rows[-1].id


async def _inbound_messages(source: Source, start: int, since: datetime, until: datetime | None,
                            page: int) -> AsyncIterator[Outgoing]:
    t = source.inbound
    window = [t.c.received_at >= since] + ([t.c.received_at < until] if until else [])
    last = start - 1
    while True:
        async with source.engine.connect() as conn:
            rows = (await conn.execute(
                sa.select(t.c.id, t.c.message_key, t.c.msg_id, t.c.subject, t.c.payload, t.c.headers,
                          t.c.received_at).where(t.c.id > last, *window).order_by(t.c.id).limit(page))).all()
            await conn.rollback()
        for row in rows:
            # A notice sent without Nats-Msg-Id goes back with the key intake deduplicated it by.
            yield Outgoing(row.received_at, source.service, row.subject, row.payload,
                           {**_sendable(row.headers), "Nats-Msg-Id": row.msg_id or row.message_key})
        if len(rows) < page:
            return
        last = rows[-1].id


async def merged(iterators: list[AsyncIterator[Outgoing]]) -> AsyncIterator[Outgoing]:
    """Merge sequences by their messages' times, never reordering one sequence's own messages."""
    heap: list[tuple[datetime, int, Outgoing]] = []
    for index, iterator in enumerate(iterators):
        if (head := await anext(iterator, None)) is not None:
            heapq.heappush(heap, (head.at, index, head))
    while heap:
        _, index, message = heapq.heappop(heap)
        yield message
        if (head := await anext(iterators[index], None)) is not None:
            heapq.heappush(heap, (head.at, index, head))


async def check_streams(js: JetStreamContext) -> None:
    """Raise StreamMissing unless every tgpl stream is declared (republishing into nothing loses it)."""
    for spec in STREAMS:
        try:
            await js.stream_info(spec.name)
        except NotFoundError:
            raise StreamMissing(f"stream {spec.name} is not declared on the broker: run `tgpl streams ensure` "
                                "(or start the system) first") from None


async def republish(sources: list[Source], js: JetStreamContext | None, *, since: datetime,
                    until: datetime | None = None, dry_run: bool = False, progress: Progress | None = None,
                    page: int = 500, in_flight: int = 256,
                    show: Callable[[datetime], str] = datetime.isoformat) -> RepublishSummary:
    """Send again every outbox row published, and every inbound notice received, in [since, until).

    Checks every source's retention first and sends nothing when one does not reach back to `since`.
    `js` may be None for a dry run, which only counts. Without `until`, the run stops at its own
    start: what was published after that is on the streams already.
    """
    until = until or utcnow()
    summary = RepublishSummary(since=since, until=until, dry_run=dry_run)
    starts: dict[str, tuple[int, int]] = {}
    for source in sources:
        through, oldest = await check_retention(source, since, show)
        count, start, first, last, waiting = await _outbox_facts(source, since, until)
        found = ServiceSummary(outbox=count, waiting_for_relay=waiting, oldest_kept=oldest, pruned_through=through,
                               retention_days=source.retention_days, first=first, last=last)
        inbound_start = 0
        if source.inbound is not None:
            found.inbound, inbound_start, in_first, in_last = await _inbound_facts(source, since, until)
            found.first = min(filter(None, (found.first, in_first)), default=None)
            found.last = max(filter(None, (found.last, in_last)), default=None)
        summary.services[source.service] = found
        starts[source.service] = (start, inbound_start)
    if dry_run:
        return summary
    assert js is not None, "republish needs a JetStream context unless it is a dry run"
    await check_streams(js)
    sequences: list[AsyncIterator[Outgoing]] = []
    for source in sources:
        outbox_start, inbound_start = starts[source.service]
        if summary.services[source.service].outbox:
            sequences.append(_outbox_messages(source, outbox_start, since, until, page))
        if summary.services[source.service].inbound:
            sequences.append(_inbound_messages(source, inbound_start, since, until, page))
    total, done = summary.messages, 0
    if progress:
        progress(0, total)
    batch: list[Outgoing] = []

    async def send() -> None:
        # Published together like the relay's batches: one connection keeps their order.
        acks = await asyncio.gather(*(js.publish(m.subject, m.data, headers=m.headers) for m in batch))
        for message, ack in zip(batch, acks):
            found = summary.services[message.service]
            if ack.duplicate:
                found.already_in_stream += 1
            else:
                found.new_in_stream += 1

    async for message in merged(sequences):
        batch.append(message)
        if len(batch) >= in_flight:
            await send()
            done += len(batch)
            batch = []
            if progress:
                progress(done, total)
    if batch:
        await send()
        done += len(batch)
    if progress:
        progress(done, total)
    return summary

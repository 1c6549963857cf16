"""Rebuild reporting's read models from the event streams (`tgpl rebuild reporting`).

The fact tables are emptied and every stream reporting reads is replayed from its first message
through an ephemeral consumer (no acks), many events per transaction. Projections are idempotent
and commutative, so the live consumers may run meanwhile: whatever they deliver again changes
nothing. While the flag `rebuilding` is set no report is computed (a half-filled read model
would publish wrong figures); every month a replayed fact touches is marked dirty, so once the
flag is cleared the scheduler recomputes the issued reports and publishes a revision only where
figures differ.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from services.reporting.entrypoints.consumers import CONSUMERS
from services.reporting.service_layer.handlers import REBUILDING
from services.reporting.service_layer.projections import PROJECTIONS, Projection, apply
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from services.runtime.consumers import ConsumerSpec, PoisonMessage
from shared import events as ev

log = logging.getLogger("tgpl.reporting.rebuild")

Progress = Callable[[int, int], None]


@dataclass
class RebuildStats:
    """What a rebuild read and wrote."""

    messages: int = 0
    events: int = 0
    rows: int = 0
    unreadable: int = 0
    seconds: float = 0.0
    per_stream: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


async def _pending(nc: NatsClient, spec: ConsumerSpec) -> int:
    info = await nc.jetstream().stream_info(spec.stream.name)
    return info.state.messages


async def rebuild(uow: Callable[[], ReportingUnitOfWork], nc: NatsClient, *, batch: int = 10_000,
                  progress: Progress | None = None) -> RebuildStats:
    """Empty the read models and replay the streams into them; returns what was done."""
    specs = [spec for spec, _ in CONSUMERS]
    stats = RebuildStats()
    total = sum([await _pending(nc, spec) for spec in specs])
    started = time.perf_counter()
    async with uow() as work:
        await work.facts.set_meta(REBUILDING, "since " + time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        await work.facts.clear()
        await work.commit()
    try:
        for spec in specs:
            await _replay(uow, nc, spec, batch, stats, total, progress)
    finally:
        async with uow() as work:
            await work.facts.set_meta(REBUILDING, None)
            await work.commit()
    stats.seconds = time.perf_counter() - started
    log.info("reporting: rebuilt from %d messages (%d events, %d rows) in %.1f s",
             stats.messages, stats.events, stats.rows, stats.seconds)
    return stats


class _AssignedFacts(BaseModel):
    """What the projection reads of a CaseAssigned: its 30-odd scored candidates, which make up most
    of its bytes and of its decoding time, are skipped."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: str
    occurred_at: AwareDatetime
    case_id: str
    officer_id: str
    is_leader: bool
    kind: str = "initial"
    decided_by: str | None = None
    weight: float = 1.0


#: Lighter models for events whose projection reads a small part of them.
_FACTS: dict[type[ev.Event], type[BaseModel]] = {ev.CaseAssigned: _AssignedFacts}


def _projector(spec: ConsumerSpec) -> Callable[[Msg], Projection | None]:
    """A message's projection. The type comes from the `tgpl-event-type` header every outbox sets and
    the body is validated from its bytes by pydantic (json.loads then model_validate costs twice as
    much); a message without the header goes through the consumer's own decoder."""
    by_type = {cls.TYPE: cls for cls in spec.payload}

    def project(message: Msg) -> Projection | None:
        kind = (message.headers or {}).get("tgpl-event-type")
        if kind is None:
            event = spec.decode(message.data)
            return None if event is None else PROJECTIONS[type(event)](event)
        cls = by_type.get(kind)
        if cls is None:
            return None  # a type reporting does not read
        try:
            event = _FACTS.get(cls, cls).model_validate_json(message.data)
        except ValidationError as exc:
            raise PoisonMessage(f"{cls.__name__} does not validate: {exc}") from exc
        return PROJECTIONS[cls](event)

    return project


async def read_batches(nc: NatsClient, stream: str, subject: str, batch: int) -> AsyncIterator[list[Msg]]:
    """A stream's messages on `subject` from its first, `batch` at a time, through an ephemeral consumer (no
    acks), up to the stream's end as it was when the consumer was made (its `num_pending`). The pull
    requests are sent by hand to an inbox read by a callback: nats-py's `fetch` waits for each
    message with its own task, timer and uuid (about 45 µs a message, three times the cost of
    reading it), and a message's `metadata` costs about 20 µs more, so neither is used."""
    js = nc.jetstream()
    consumer = await js.add_consumer(stream, ConsumerConfig(
        ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, filter_subject=subject,
        inactive_threshold=120.0, max_waiting=1))
    left = consumer.num_pending
    arrived: asyncio.Queue[tuple[list[Msg], bool]] = asyncio.Queue()
    current: list[Msg] = []
    wanted = [0]

    async def received(msg: Msg) -> None:
        nonlocal left
        if not msg.data and msg.headers and msg.headers.get("Status"):  # 404/408: the request ended short
            arrived.put_nowait((current[:], True))
            current.clear()
            return
        current.append(msg)
        wanted[0] -= 1
        left -= 1
        if wanted[0] == 0 or left == 0:
            arrived.put_nowait((current[:], left == 0))
            current.clear()

    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox, cb=received)
    request = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer.name}"
    try:
        while left > 0:
            wanted[0] = min(batch, left)
            await nc.publish(request, json.dumps({"batch": wanted[0], "expires": 5_000_000_000}).encode(), reply=inbox)
            messages, end = await asyncio.wait_for(arrived.get(), timeout=15.0)
            if messages:
                yield messages
            if end or not messages:
                return
    finally:
        await sub.unsubscribe()
        with contextlib.suppress(Exception):
            await js.delete_consumer(stream, consumer.name)


async def _replay(uow: Callable[[], ReportingUnitOfWork], nc: NatsClient, spec: ConsumerSpec, batch: int,
                  stats: RebuildStats, total: int, progress: Progress | None) -> None:
    if await _pending(nc, spec) == 0:
        return
    project = _projector(spec)
    read = 0

    async def write(projections: list[Projection]) -> None:
        async with uow() as work:
            stats.rows += await apply(work.conn, projections, work.tz)
            await work.commit()

    # One batch is written while the next is read and decoded (SQLite writes in its own thread).
    writing: asyncio.Task | None = None
    try:
        async for messages in read_batches(nc, spec.stream.name, spec.subject, batch):
            projections = []
            for message in messages:
                try:
                    projection = project(message)
                except PoisonMessage:
                    stats.unreadable += 1  # the live consumer dead-lettered it; a rebuild skips it
                    continue
                if projection is not None:
                    projections.append(projection)
            if writing is not None:
                await writing
            writing = asyncio.create_task(write(projections))
            read += len(messages)
            stats.messages += len(messages)
            stats.events += len(projections)
            if progress:
                progress(stats.messages, max(total, stats.messages))
        if writing is not None:
            await writing
    finally:
        if writing is not None and not writing.done():
            writing.cancel()
            with contextlib.suppress(BaseException):
                await writing
    stats.per_stream[spec.stream.name] = read


async def rebuild_database(settings, *, batch: int = 10_000, progress: Progress | None = None) -> RebuildStats:
    """Rebuild the read models of the database and streams a ReportingSettings names."""
    import functools
    from zoneinfo import ZoneInfo

    import nats

    from services.reporting.adapters import tables
    from services.reporting.bootstrap import MIGRATIONS
    from services.runtime.host import build_engine
    from services.runtime.migrate import upgrade_to_head

    engine = build_engine(settings)
    nc = await nats.connect(settings.nats_servers, name="tgpl-reporting-rebuild", **settings.nats_options())
    try:
        await upgrade_to_head(engine, MIGRATIONS)
        uow = functools.partial(ReportingUnitOfWork, engine, tables.messaging, None, tz=ZoneInfo(settings.timezone))
        return await rebuild(uow, nc, batch=batch, progress=progress)
    finally:
        await nc.close()
        await engine.dispose()

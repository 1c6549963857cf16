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
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from nats.aio.client import Client as NatsClient
from nats.errors import TimeoutError as FetchTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from services.reporting.entrypoints.consumers import CONSUMERS
from services.reporting.service_layer.handlers import REBUILDING
from services.reporting.service_layer.projections import PROJECTIONS, apply
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from services.runtime.consumers import ConsumerSpec, PoisonMessage

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


async def rebuild(uow: Callable[[], ReportingUnitOfWork], nc: NatsClient, *, batch: int = 2000,
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


async def _replay(uow: Callable[[], ReportingUnitOfWork], nc: NatsClient, spec: ConsumerSpec, batch: int,
                  stats: RebuildStats, total: int, progress: Progress | None) -> None:
    js = nc.jetstream()
    if await _pending(nc, spec) == 0:
        return
    config = ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, filter_subject=spec.subject,
                            inactive_threshold=120.0, max_waiting=1)
    sub = await js.pull_subscribe(spec.subject, stream=spec.stream.name, config=config)

    async def fetch() -> list:
        try:
            return await sub.fetch(batch, timeout=5.0)
        except (asyncio.TimeoutError, FetchTimeoutError):
            return []  # nothing more arrived within the wait: the stream's end as it was

    read = 0
    # The next batch is fetched while this one is decoded and written (the write runs in the
    # database driver's thread, so the broker keeps sending meanwhile).
    pending = asyncio.create_task(fetch())
    try:
        while messages := await pending:
            last = messages[-1].metadata
            at_end = last is not None and last.num_pending == 0
            if not at_end:
                pending = asyncio.create_task(fetch())
            projections = []
            for message in messages:
                try:
                    event = spec.decode(message.data)
                except PoisonMessage:
                    stats.unreadable += 1  # the live consumer dead-lettered it; a rebuild skips it
                    continue
                if event is not None:
                    projections.append(PROJECTIONS[type(event)](event))
            async with uow() as work:
                stats.rows += await apply(work.conn, projections, work.tz)
                await work.commit()
            read += len(messages)
            stats.messages += len(messages)
            stats.events += len(projections)
            if progress:
                progress(stats.messages, max(total, stats.messages))
            if at_end:
                break
    finally:
        if not pending.done():
            pending.cancel()
        await sub.unsubscribe()
    stats.per_stream[spec.stream.name] = read


async def rebuild_database(settings, *, batch: int = 2000, progress: Progress | None = None) -> RebuildStats:
    """Rebuild the read models of the database and streams a ReportingSettings names."""
    import functools
    from zoneinfo import ZoneInfo

    import nats

    from services.reporting.adapters import tables
    from services.reporting.bootstrap import MIGRATIONS
    from services.runtime.host import build_engine
    from services.runtime.migrate import upgrade_to_head

    engine = build_engine(settings)
    nc = await nats.connect(settings.nats_url, name="tgpl-reporting-rebuild")
    try:
        await upgrade_to_head(engine, MIGRATIONS)
        uow = functools.partial(ReportingUnitOfWork, engine, tables.messaging, None, tz=ZoneInfo(settings.timezone))
        return await rebuild(uow, nc, batch=batch, progress=progress)
    finally:
        await nc.close()
        await engine.dispose()

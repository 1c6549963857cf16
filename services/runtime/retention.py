"""Retention of the messaging tables: what `tgpl republish` needs is kept, the rest is pruned.

Published outbox rows (and, in intake, the inbound notices stored on receipt) are kept for
`outbox_retention_days`; that is how far back `tgpl republish --since` can rebuild the streams.
Unpublished rows are never pruned (their time is unset). Pruning deletes in bounded batches, one
short transaction each, oldest first, and records in `retention_marks` the newest time it pruned
through, so republish can tell an operator that the retention does not reach back far enough.

Processed-message rows are pruned by the same rule, one day later. That is safe because they only
matter for a message that can be delivered again:
- JetStream never redelivers a message its durable consumer acknowledged, and the ack follows
  the commit at once: only a process dying in between makes the next delivery find the row, so
  an old row guards against replays, not against redeliveries;
- a replay (`tgpl republish`) sends only rows still kept, and a consumer handled such a message
  after it was first published, so its processed row is at most as old as the outbox row's
  `published_at`, give or take the clock difference between two services' hosts and the moment
  between the broker's ack and the relay marking the row: the extra day covers both;
- anything else that reads an old message again (a durable created anew) relies on the handlers'
  own idempotency (upserts, "already assigned" checks, notice revisions), which every tgpl
  handler has.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.runtime.messaging_tables import MessagingTables
from services.runtime.unit_of_work import insert_ignoring_conflicts, utcnow

log = logging.getLogger("tgpl.retention")

#: Processed-message rows outlive the outbox rows they guard by this much (see the module docstring).
PROCESSED_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class Pruned:
    """A table retention prunes: rows whose `column` (a UTC time) is older than the cutoff."""

    name: str
    table: sa.Table
    column: str
    extra: timedelta = timedelta(0)


def messaging_pruned(tables: MessagingTables) -> list[Pruned]:
    """The messaging tables every service prunes: published outbox rows and processed-message rows."""
    return [Pruned("outbox", tables.outbox, "published_at"),
            Pruned("processed_messages", tables.processed, "processed_at", extra=PROCESSED_MARGIN)]


class Retention:
    """Prunes a service's rows past the retention, in batches of at most `batch` rows."""

    def __init__(self, engine: AsyncEngine, tables: MessagingTables, *, days: int, batch: int = 1000) -> None:
        self._engine = engine
        self._marks = tables.retention_marks
        self._pruned = messaging_pruned(tables)
        self.days = days
        self._batch = batch

    def add(self, pruned: Pruned) -> None:
        """Prune one more table of the service by the same retention (e.g. intake's inbound notices)."""
        self._pruned.append(pruned)

    async def prune(self, now: datetime | None = None) -> dict[str, int]:
        """Delete every row past the retention; returns how many per table (nothing when days is 0)."""
        if not self.days:
            return {}
        now = now or utcnow()
        done: dict[str, int] = {}
        for pruned in self._pruned:
            cutoff = now - timedelta(days=self.days) - pruned.extra
            total = 0
            while True:
                deleted = await self._prune_batch(pruned, cutoff)
                total += deleted
                if deleted < self._batch:
                    break
                await asyncio.sleep(0)  # let the service's own work in between batches
            done[pruned.name] = total
        if any(done.values()):
            log.info("retention (%d days): pruned %s", self.days,
                     ", ".join(f"{n} {name}" for name, n in done.items() if n))
        return done

    async def _prune_batch(self, pruned: Pruned, cutoff: datetime) -> int:
        table = pruned.table
        column = table.c[pruned.column]
        key = list(table.primary_key.columns)
        async with self._engine.begin() as conn:
            rows = (await conn.execute(
                sa.select(*key, column).where(column < cutoff).order_by(column).limit(self._batch))).all()
            if not rows:
                return 0
            if len(key) == 1:
                which = key[0].in_([row[0] for row in rows])
            else:
                which = sa.tuple_(*key).in_([tuple(row[:len(key)]) for row in rows])
            # The time bound lets SQLite find the rows by the time index (it scans for a row-value IN).
            await conn.execute(sa.delete(table).where(column <= rows[-1][-1], which))
            await _raise_mark(conn, self._marks, pruned.name, rows[-1][-1])
        return len(rows)


async def _raise_mark(conn: AsyncConnection, marks: sa.Table, name: str, through: datetime) -> None:
    updated = await conn.execute(sa.update(marks).where(marks.c.name == name, marks.c.pruned_through < through)
                                 .values(pruned_through=through))
    if updated.rowcount == 0:
        await conn.execute(insert_ignoring_conflicts(conn, marks).values(name=name, pruned_through=through))


async def pruned_through(conn: AsyncConnection, marks: sa.Table, name: str) -> datetime | None:
    """The newest time retention pruned a table through; every row newer than it is kept."""
    return (await conn.execute(sa.select(marks.c.pruned_through).where(marks.c.name == name))).scalar_one_or_none()

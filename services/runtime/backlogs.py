"""What waits: a service's unpublished outbox rows and dead letters, a durable consumer's lag.

Read at scrape time by a service's /metrics and by `tgpl status`, never on the message path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.runtime.messaging_tables import MessagingTables


@dataclass(frozen=True)
class OutboxState:
    """Outbox rows waiting for the relay, and the age of the oldest one (None: nothing waits)."""

    backlog: int
    oldest_age_s: float | None


@dataclass(frozen=True)
class ConsumerLag:
    """A durable consumer as JetStream sees it."""

    stream: str
    consumer: str
    pending: int  # in the stream, not yet delivered
    ack_pending: int  # delivered, not yet acknowledged
    redelivered: int  # delivered more than once, not yet acknowledged
    last_active: datetime | None = None

    @property
    def lag(self) -> int:
        """Messages the consumer has not finished: pending plus delivered-but-unacknowledged."""
        return self.pending + self.ack_pending


async def outbox_state(conn: AsyncConnection, tables: MessagingTables, now: datetime) -> OutboxState:
    """The outbox backlog and the age of its oldest row (both through the partial index on unpublished rows)."""
    t = tables.outbox
    waiting = t.c.published_at.is_(None)
    backlog = (await conn.execute(sa.select(sa.func.count()).select_from(t).where(waiting))).scalar_one()
    oldest = (await conn.execute(sa.select(t.c.created_at).where(waiting).order_by(t.c.id).limit(1))).scalar()
    return OutboxState(backlog=backlog, oldest_age_s=max((now - oldest).total_seconds(), 0.0) if oldest else None)


async def dead_letter_counts(conn: AsyncConnection, tables: MessagingTables) -> dict[str, int]:
    """Unresolved dead letters per consumer."""
    t = tables.dead_letters
    rows = await conn.execute(sa.select(t.c.consumer, sa.func.count()).where(t.c.resolved_at.is_(None))
                              .group_by(t.c.consumer))
    return {consumer: count for consumer, count in rows.all()}


def consumer_lag(info) -> ConsumerLag:
    """The lag of a consumer from its nats-py `ConsumerInfo`."""
    return ConsumerLag(stream=info.stream_name, consumer=info.name, pending=info.num_pending or 0,
                       ack_pending=info.num_ack_pending or 0, redelivered=info.num_redelivered or 0,
                       last_active=info.delivered.last_active if info.delivered else None)

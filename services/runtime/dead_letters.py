"""A service's dead letters: listing them, and handling them again once their cause is fixed.

Staff see them in the UI (*Tin nhắn lỗi*), operators with `tgpl dead-letters`; both read them
through the functions here. A retry runs in the service that dead-lettered the message, on the
same exactly-once path as its consumer: in one unit of work it marks the letter retried, claims
the message's original key in the processed-message table, runs the consumer's handler, and
commits all of it together. So a letter retried twice, or by two operators at once, is handled
once; a message the consumer handled meanwhile (a republish) is only marked; a retry that fails
again rolls back and leaves the letter waiting, its first error kept as evidence.

Why not publish the message to its stream again: within the duplicate window JetStream drops a
copy with the original `Nats-Msg-Id`, a new id would change the consumer's idempotency key, and
every other consumer of the stream would receive it too. The service answers retry requests on
`tgpl.ops.<service>.dead_letters.retry` (core NATS request-reply), which only the operator
identity may send (deploy/local/nats_identities.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

import sqlalchemy as sa
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from sqlalchemy.ext.asyncio import AsyncEngine

from services.runtime.consumers import ConsumerGroup, Delivery, PoisonMessage
from services.runtime.messaging_tables import MessagingTables
from services.runtime.tracing import handling
from services.runtime.unit_of_work import UnitOfWork, utcnow
from shared.subjects import dead_letter_retry_subject

log = logging.getLogger("tgpl.dead_letters")

#: How much of a payload a list shows (`show` gives all of it).
PREVIEW_CHARS = 4000

WAITING = "waiting"
RETRIED = "retried"


def _row_as_dict(r, *, whole: bool = False) -> dict:
    payload = r["payload"].decode("utf-8", errors="replace")
    letter = {
        "id": r["id"], "consumer": r["consumer"], "subject": r["subject"], "message_key": r["message_key"],
        "stream_seq": r["stream_seq"], "deliveries": r["deliveries"], "error": r["error"],
        "failed_at": r["failed_at"].isoformat() if r["failed_at"] else None,
        "status": RETRIED if r["resolved_at"] else WAITING,
        "retried_at": r["resolved_at"].isoformat() if r["resolved_at"] else None,
        "payload": payload if whole else payload[:PREVIEW_CHARS],
    }
    if whole:
        letter["headers"] = r["headers"]
    return letter


async def list_dead_letters(engine: AsyncEngine, tables: MessagingTables, limit: int = 100, *,
                            consumer: str | None = None, status: str | None = None) -> list[dict]:
    """Dead letters, newest first, for staff and operators (optionally of one consumer, waiting or retried)."""
    t = tables.dead_letters
    query = sa.select(t).order_by(t.c.id.desc()).limit(limit)
    if consumer:
        query = query.where(t.c.consumer == consumer)
    if status == WAITING:
        query = query.where(t.c.resolved_at.is_(None))
    elif status == RETRIED:
        query = query.where(t.c.resolved_at.is_not(None))
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).mappings().all()
        await conn.rollback()
    return [_row_as_dict(r) for r in rows]


async def get_dead_letter(engine: AsyncEngine, tables: MessagingTables, letter_id: int) -> dict | None:
    """One dead letter with its whole payload and headers; None when there is no such letter."""
    t = tables.dead_letters
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(t).where(t.c.id == letter_id))).mappings().first()
        await conn.rollback()
    return _row_as_dict(row, whole=True) if row is not None else None


async def count_dead_letters(engine: AsyncEngine, tables: MessagingTables) -> int:
    """How many dead letters wait for a retry."""
    t = tables.dead_letters
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(t).where(t.c.resolved_at.is_(None)))).scalar_one()


# --- retry ---------------------------------------------------------------------------------------

PROCESSED = "processed"                  # handled now, for the first time
ALREADY_PROCESSED = "already_processed"  # the consumer had handled it meanwhile: marked retried, nothing done
NOT_READ = "not_read"                    # the consumer no longer reads this type: marked retried, nothing done
ALREADY_RETRIED = "already_retried"      # an earlier retry did it: nothing done
FAILED = "failed"                        # failed again: rolled back, still waiting
NOT_FOUND = "not_found"
UNKNOWN_CONSUMER = "unknown_consumer"    # no consumer of this service has that durable name (any more)


@dataclass(frozen=True)
class RetryOutcome:
    """What retrying one dead letter did."""

    id: int
    outcome: str
    consumer: str | None = None
    error: str | None = None


class DeadLetterRetrier:
    """Retries a service's dead letters in its own process, through its consumers' handlers."""

    def __init__(self, engine: AsyncEngine, tables: MessagingTables, uow_factory: Callable[[], UnitOfWork],
                 consumers: ConsumerGroup) -> None:
        self._engine = engine
        self._table = tables.dead_letters
        self._uow_factory = uow_factory
        self._consumers = consumers

    async def retry(self, letter_id: int) -> RetryOutcome:
        """Handle one dead letter again, exactly once (see the module's docstring)."""
        t = self._table
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(t).where(t.c.id == letter_id))).mappings().first()
            await conn.rollback()
        if row is None:
            return RetryOutcome(letter_id, NOT_FOUND)
        durable = row["consumer"]
        if row["resolved_at"] is not None:
            return RetryOutcome(letter_id, ALREADY_RETRIED, durable)
        registered = self._consumers.handler(durable)
        if registered is None:
            return RetryOutcome(letter_id, UNKNOWN_CONSUMER, durable)
        spec, handler = registered
        delivery = Delivery(
            subject=row["subject"], message_key=row["message_key"], headers=dict(row["headers"] or {}),
            data=row["payload"], deliveries=row["deliveries"] + 1, stream_seq=row["stream_seq"],
            # When the message reached the service (the last failed delivery): what a handler dates it by.
            received_at=row["failed_at"],
        )
        try:
            body = spec.decode(delivery.data)
            async with self._uow_factory() as uow:
                # Marked first: a second retry of the same letter waits for this one's lock, then finds it done.
                marked = await uow.conn.execute(
                    sa.update(t).where(t.c.id == letter_id, t.c.resolved_at.is_(None)).values(resolved_at=utcnow()))
                if marked.rowcount != 1:
                    return RetryOutcome(letter_id, ALREADY_RETRIED, durable)
                if body is None:
                    outcome = NOT_READ
                elif not await uow.processed.claim(durable, delivery.message_key):
                    outcome = ALREADY_PROCESSED
                else:
                    with handling(durable, delivery, body):  # the message's correlation id and trace, as at first
                        await handler(uow, body, delivery)
                    outcome = PROCESSED
                await uow.commit()
        except PoisonMessage as exc:
            return RetryOutcome(letter_id, FAILED, durable, f"PoisonMessage: {exc}"[:4000])
        except Exception as exc:  # the cause is not fixed yet: the letter keeps waiting
            log.warning("%s: retry of dead letter %d failed: %s: %s", durable, letter_id, type(exc).__name__, exc)
            return RetryOutcome(letter_id, FAILED, durable, f"{type(exc).__name__}: {exc}"[:4000])
        log.info("%s: dead letter %d (message %s) retried: %s", durable, letter_id, delivery.message_key, outcome)
        return RetryOutcome(letter_id, outcome, durable)

    async def retry_many(self, ids: Iterable[int]) -> list[RetryOutcome]:
        """Retry several letters one after another, oldest first (the order they failed in)."""
        return [await self.retry(letter_id) for letter_id in sorted(set(ids))]

    async def serve(self, nc: NatsClient, service: str) -> Subscription:
        """Answer retry requests (`{"ids": [...]}`) on the service's ops subject; one instance of a
        replicated service takes each request (a queue group)."""

        async def on_request(msg: Msg) -> None:
            try:
                request = json.loads(msg.data)
                ids = request["ids"]
                if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
                    raise ValueError("ids must be a list of integers")
            except (ValueError, KeyError, TypeError) as exc:
                answer: dict = {"service": service, "error": f"bad request: {exc}"}
            else:
                answer = {"service": service, "results": [asdict(o) for o in await self.retry_many(ids)]}
            if msg.reply:
                await msg.respond(json.dumps(answer).encode())

        return await nc.subscribe(dead_letter_retry_subject(service), queue=f"tgpl-{service}-ops", cb=on_request)


async def request_retry(nc: NatsClient, service: str, ids: list[int], timeout: float = 60.0) -> list[RetryOutcome]:
    """Ask a running service to retry some of its dead letters; raises RuntimeError on a refused request."""
    reply = await nc.request(dead_letter_retry_subject(service), json.dumps({"ids": ids}).encode(), timeout=timeout)
    answer = json.loads(reply.data)
    if "error" in answer:
        raise RuntimeError(f"{service}: {answer['error']}")
    return [RetryOutcome(**result) for result in answer["results"]]

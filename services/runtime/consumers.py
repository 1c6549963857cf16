"""Durable, idempotent JetStream consumers with delayed retries and a dead-letter store.

A handler runs inside a unit of work that also claims the message in the processed-message
table; the transaction commits before the ack, so a crash between the two redelivers a message
whose claim already exists and the redelivery is acknowledged without effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.errors import TimeoutError as FetchTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.errors import NotFoundError
from pydantic import BaseModel, ValidationError

from services.runtime.messaging_tables import MessagingTables
from services.runtime.metrics import DEAD_LETTERED, RETRIED, ConsumerMetrics
from services.runtime.tracing import handling
from services.runtime.unit_of_work import UnitOfWork, insert_ignoring_conflicts, utcnow
from shared.envelope import Event
from shared.subjects import StreamSpec, subject_of

log = logging.getLogger("tgpl.consumer")

U = TypeVar("U", bound=UnitOfWork)
M = TypeVar("M")


class PoisonMessage(Exception):
    """The message can never be handled (unreadable, wrong type); dead-letter it at once."""


@dataclass(frozen=True)
class Delivery:
    """What a handler learns about the message besides its decoded body."""

    subject: str
    message_key: str
    headers: dict[str, str]
    data: bytes
    deliveries: int
    stream_seq: int | None
    received_at: datetime


@dataclass(frozen=True)
class ConsumerSpec(Generic[M]):
    """One durable consumer: where it reads, how it decodes, what it documents."""

    durable: str
    subject: str
    stream: StreamSpec
    payload: tuple[type[BaseModel], ...]
    description: str
    decode: Callable[[bytes], M]
    #: When set, the broker delivers only these subjects of `subject` (the types the handlers read).
    filter_subjects: tuple[str, ...] = ()

    @classmethod
    def for_events(cls, durable: str, stream: StreamSpec, registry: Mapping[type[Event], Any],
                   description: str, subject: str | None = None) -> ConsumerSpec:
        """A consumer of the event types a handler registry knows, on one stream: the broker sends it
        only their subjects (each event type has its own), not every event of the stream."""
        filters = () if subject else tuple(sorted({subject_of(event_type) for event_type in registry}))
        return cls(durable=durable, subject=subject or stream.subjects[0], stream=stream,
                   payload=tuple(registry), description=description, decode=events_decoder(registry),
                   filter_subjects=filters)


#: The start of an event serialised by tgpl (`model_dump_json`): `{"event_id":"…","type":"…"`.
_CANONICAL_HEAD = re.compile(rb'\{"event_id":"[^"\\]{1,64}","type":"([a-z_.]{1,80})"')


def events_decoder(accepted: Iterable[type[Event]]) -> Callable[[bytes], Event | None]:
    """Decode an internal event by its `type`; other types on the stream decode to None (ignored).

    A body that is not an event, or an accepted type that does not validate, is poison.
    """
    by_type = {cls.TYPE: cls for cls in accepted}

    def decode(data: bytes) -> Event | None:
        # Fast path: an event as tgpl serialises it starts with its envelope, so its type is the
        # top-level second key and pydantic can parse the bytes itself (half the time of
        # json.loads + model_validate). Anything else, or anything that fails, takes the full path.
        if (head := _CANONICAL_HEAD.match(data)) is not None:
            cls = by_type.get(head[1].decode())
            if cls is None:
                return None
            try:
                return cls.model_validate_json(data)
            except ValidationError:
                pass
        try:
            document = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PoisonMessage(f"not JSON: {exc}") from exc
        if not isinstance(document, dict):
            raise PoisonMessage("not a JSON object")
        cls = by_type.get(document.get("type"))
        if cls is None:
            return None
        try:
            return cls.model_validate(document)
        except ValidationError as exc:
            raise PoisonMessage(f"{cls.__name__} does not validate: {exc}") from exc

    return decode


def dispatching(handlers: Mapping[type[Event], "Handler"]) -> "Handler":
    """One handler for a stream of several event types: routes each to its own handler."""

    async def handle(uow, event: Event | None, delivery: Delivery) -> None:
        if event is not None:
            await handlers[type(event)](uow, event, delivery)

    return handle


def raw_bytes(data: bytes) -> bytes:
    """Hand the body over undecoded (the handler validates it itself)."""
    return data


Handler = Callable[[U, Any, Delivery], Awaitable[None]]


def message_key_without_id(stream: str, seq: int | None, data: bytes) -> str:
    """The idempotency key of a message sent without `Nats-Msg-Id`: its stream sequence and its body's digest.

    Not the sequence alone: a stream declared again after the broker lost its store numbers from 1
    again, and a new message would then be taken for the old one already processed under that number.
    """
    return f"{stream}:{seq}:{hashlib.sha256(data).hexdigest()}"


@dataclass
class ConsumerStats:
    processed: int = 0
    ignored: int = 0
    duplicates: int = 0
    retried: int = 0
    dead_lettered: int = 0
    last_error: str | None = None


class ConsumerGroup(Generic[U]):
    """A service's durable pull consumers, each read in stream order; consecutive messages of a
    fetched batch share one transaction (see `_process_batch`).

    The pull loop is nats-py's, not a FastStream subscriber's: FastStream 0.7 runs the messages
    of a fetched batch concurrently (a decision would not see the one before it), and its batch
    mode keeps fetching until the batch is full (latency). `fetch` here returns as soon as any
    message is there, up to `fetch_batch` of them (tests/integration/runtime/test_reliability.py).
    """

    def __init__(
        self,
        uow_factory: Callable[[], U],
        tables: MessagingTables,
        engine,
        *,
        max_deliver: int,
        retry_delays_s: list[float],
        ack_wait_s: float,
        fetch_batch: int,
        fetch_timeout_s: float = 5.0,
        metrics: ConsumerMetrics | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._tables = tables
        self._engine = engine
        self._max_deliver = max_deliver
        self._delays = retry_delays_s or [1.0]
        self._ack_wait_s = ack_wait_s
        self._fetch_batch = fetch_batch
        self._fetch_timeout_s = fetch_timeout_s
        self._consumers: list[tuple[ConsumerSpec, Handler]] = []
        self._tasks: list[asyncio.Task] = []
        self.stats = ConsumerStats()
        self.metrics = metrics or ConsumerMetrics()  # Prometheus (services/runtime/metrics.py): counts only

    @property
    def specs(self) -> list[ConsumerSpec]:
        return [spec for spec, _ in self._consumers]

    def add(self, spec: ConsumerSpec[M], handler: Handler) -> None:
        """Register `handler` for the spec's durable pull consumer (started by `start`)."""
        self._consumers.append((spec, handler))

    def handler(self, durable: str) -> tuple[ConsumerSpec, Handler] | None:
        """The spec and handler registered for a durable (a dead letter is retried through them)."""
        return next(((spec, handler) for spec, handler in self._consumers if spec.durable == durable), None)

    def consumer_config(self, spec: ConsumerSpec) -> ConsumerConfig:
        """The durable consumer's settings, declared here once for every tgpl consumer."""
        filters = {"filter_subjects": list(spec.filter_subjects)} if spec.filter_subjects else {
            "filter_subject": spec.subject}
        return ConsumerConfig(
            name=spec.durable,
            durable_name=spec.durable,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self._ack_wait_s,
            # The service, not the server, decides when to give up (see _process), so a
            # message that crashes the process every time still ends as a dead letter.
            max_deliver=-1,
            max_ack_pending=max(1000, self._fetch_batch * 4),
            **filters,
        )

    async def start(self, nc: NatsClient) -> None:
        """Create or bind the durable consumers and start reading."""
        js = nc.jetstream()
        for spec, handler in self._consumers:
            # Create the durable, or bring an existing one to this configuration (e.g. its filter
            # subjects, added after it was created); the server keeps its position either way.
            try:
                await js.add_consumer(spec.stream.name, self.consumer_config(spec))
            except Exception as exc:  # the broker refused the change: read with what it has
                log.warning("%s: could not create or update the durable consumer (%s); binding to it as it is",
                            spec.durable, exc)
            psub = await js.pull_subscribe(spec.subject, durable=spec.durable, stream=spec.stream.name,
                                           config=self.consumer_config(spec))
            self._tasks.append(asyncio.create_task(self._run(spec, handler, psub, js), name=spec.durable))

    async def stop(self) -> None:
        """Stop reading; a message cut off mid-handler rolls back and is redelivered."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    @property
    def running(self) -> bool:
        return bool(self._tasks) and not any(task.done() for task in self._tasks)

    async def _run(self, spec: ConsumerSpec, handler: Handler, psub, js) -> None:
        while True:
            try:
                batch = await psub.fetch(self._fetch_batch, timeout=self._fetch_timeout_s)
            except (asyncio.TimeoutError, FetchTimeoutError):
                continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker restarting: keep trying, the messages wait in the stream
                log.warning("%s: fetch failed (%s); retrying", spec.durable, exc)
                await self._declare_if_lost(js, spec)
                await asyncio.sleep(1.0)
                continue
            try:
                started = time.perf_counter()
                await self._process_batch(spec, handler, batch)
                self.metrics.batch(spec.durable, len(batch), time.perf_counter() - started)
            except asyncio.CancelledError:
                for raw in batch:  # an acked message ignores the nak
                    with contextlib.suppress(Exception):
                        await raw.nak()
                raise

    def _delivery(self, spec: ConsumerSpec, raw: Msg) -> Delivery:
        meta = raw.metadata
        headers = dict(raw.headers or {})
        seq = meta.sequence.stream if meta else None
        return Delivery(
            subject=raw.subject, message_key=headers.get("Nats-Msg-Id") or message_key_without_id(
                spec.stream.name, seq, raw.data),
            headers=headers, data=raw.data, deliveries=meta.num_delivered if meta else 1, stream_seq=seq,
            received_at=utcnow(),
        )

    async def _process_batch(self, spec: ConsumerSpec, handler: Handler, batch: list[Msg]) -> None:
        """A fetched batch, in stream order, with as few transactions as possible: consecutive messages
        share one, their claims and changes committing together before each is acknowledged (a crash
        in between redelivers them, and their claims make that a no-op). A redelivered or undecodable
        message goes alone, after the ones before it committed; a type the consumer does not read is
        acknowledged without a transaction. If a shared transaction fails, it rolls back and its
        messages go again one at a time, so a failing message is retried or dead-lettered alone."""
        if len(batch) == 1:
            await self._process(spec, handler, batch[0])
            return
        work: list[tuple[Msg, Delivery, Any]] = []
        for raw in batch:
            delivery = self._delivery(spec, raw)
            alone, body = delivery.deliveries > 1, None
            if not alone:
                try:
                    body = spec.decode(raw.data)
                except PoisonMessage:
                    alone = True
            if alone:
                await self._together(spec, handler, work)
                work = []
                await self._process(spec, handler, raw)  # retried, or dead-lettered, on its own
            elif body is None:
                await raw.ack()
                self.stats.ignored += 1
                self._handled(spec, [delivery.message_key])
            else:
                work.append((raw, delivery, body))
        await self._together(spec, handler, work)

    async def _together(self, spec: ConsumerSpec, handler: Handler, work: list[tuple[Msg, Delivery, Any]]) -> None:
        """Messages handled in one transaction, then acknowledged."""
        if not work:
            return
        handled: list[str] = []
        try:
            async with self._uow_factory() as uow:
                new = await uow.processed.claim_all(spec.durable, [delivery.message_key for _, delivery, _ in work])
                for _, delivery, body in work:
                    if delivery.message_key in new:
                        new.discard(delivery.message_key)  # the same key twice in a batch: handled once
                        with handling(spec.durable, delivery, body):  # correlation id (logs), span (traces)
                            await handler(uow, body, delivery)
                        handled.append(delivery.message_key)
                await uow.commit()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.info("%s: a batch of %d failed (%s: %s); handling it one message at a time", spec.durable,
                     len(work), type(exc).__name__, exc)
            for raw, _, _ in work:
                await self._process(spec, handler, raw)
            return
        for raw, _, _ in work:
            await raw.ack()
        self.stats.duplicates += len(work) - len(handled)
        self._handled(spec, handled)

    def _handled(self, spec: ConsumerSpec, keys: list[str]) -> None:
        """Messages handled for the first time (their change committed, or nothing to change)."""
        self.stats.processed += len(keys)
        self.metrics.processed(spec.durable, len(keys))

    async def _declare_if_lost(self, js, spec: ConsumerSpec) -> None:
        """Declare the durable consumer again when the broker no longer has it (its store was lost or
        rebuilt), so the stream's new and republished messages reach the service without a restart."""
        try:
            await js.consumer_info(spec.stream.name, spec.durable)
            return
        except NotFoundError:
            pass
        except Exception:  # the broker is not answering yet: the next failed fetch asks again
            return
        try:
            await js.add_consumer(spec.stream.name, self.consumer_config(spec))
        except NotFoundError:
            log.warning("%s: stream %s is missing on the broker; run `tgpl streams ensure`",
                        spec.durable, spec.stream.name)
        except Exception as exc:
            log.warning("%s: could not declare the lost consumer again (%s)", spec.durable, exc)
        else:
            log.warning("%s: the broker had lost this durable consumer; declared it again", spec.durable)

    async def _process(self, spec: ConsumerSpec, handler: Handler, raw: Msg) -> None:
        """One message in its own transaction: handled, retried after a delay, or dead-lettered."""
        delivery = self._delivery(spec, raw)
        with handling(spec.durable, delivery):  # its correlation id on every log line, its span when tracing
            await self._process_delivery(spec, handler, raw, delivery)

    async def _process_delivery(self, spec: ConsumerSpec, handler: Handler, raw: Msg, delivery: Delivery) -> None:
        key, delivered = delivery.message_key, delivery.deliveries
        if delivered > self._max_deliver:
            await self._dead_letter(spec, delivery, f"gave up after {delivered - 1} failed deliveries")
            await raw.ack()
            return
        try:
            body = spec.decode(raw.data)
            if body is None:  # a type this consumer does not read: nothing to change, nothing to remember
                await raw.ack()
                self.stats.ignored += 1
                self._handled(spec, [key])
                return
            async with self._uow_factory() as uow:
                if not await uow.processed.claim(spec.durable, key):
                    self.stats.duplicates += 1
                    await raw.ack()
                    return
                await handler(uow, body, delivery)
                await uow.commit()
        except PoisonMessage as exc:
            await self._dead_letter(spec, delivery, str(exc))
            await raw.ack()
            return
        except Exception as exc:  # transient or a bug: retry with a delay, then dead-letter
            self.stats.last_error = f"{type(exc).__name__}: {exc}"
            if delivered >= self._max_deliver:
                log.exception("%s: message %s failed %d times; dead-lettered", spec.durable, key, delivered)
                await self._dead_letter(spec, delivery, f"{type(exc).__name__}: {exc}")
                await raw.ack()
            else:
                delay = self._delays[min(delivered - 1, len(self._delays) - 1)]
                log.warning("%s: message %s failed (%s); retry %d in %.0fs", spec.durable, key, exc, delivered, delay)
                self.stats.retried += 1
                self.metrics.failed(spec.durable, RETRIED)
                await raw.nak(delay=delay)
            return
        await raw.ack()
        self._handled(spec, [key])

    async def _dead_letter(self, spec: ConsumerSpec, delivery: Delivery, error: str) -> None:
        t = self._tables.dead_letters
        async with self._engine.begin() as conn:
            await conn.execute(insert_ignoring_conflicts(conn, t).values(
                consumer=spec.durable, subject=delivery.subject, message_key=delivery.message_key,
                stream_seq=delivery.stream_seq, deliveries=delivery.deliveries,
                headers={k: v for k, v in delivery.headers.items()}, payload=delivery.data,
                error=error[:4000], failed_at=utcnow(),
            ))
        self.stats.dead_lettered += 1
        self.metrics.failed(spec.durable, DEAD_LETTERED)
        log.error("%s: message %s dead-lettered: %s", spec.durable, delivery.message_key, error[:300])


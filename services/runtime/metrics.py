"""A service's Prometheus metrics, in a registry of its own (several services may run in one process).

Two kinds. Counted on the way: messages processed and failed per consumer, the time to handle each
fetched batch, HTTP requests by route template. Read when scraped (never on the message path): the
consumers' lag from JetStream, the outbox backlog and the age of its oldest row, dead letters.

Label values are bounded and carry no personal data: consumer (durable) and stream names, a fixed
outcome, the route *template* (`/cases/{case_id}`, never the path), the method and the status class.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.routing import Mount

from services.runtime.backlogs import ConsumerLag, OutboxState, consumer_lag, dead_letter_counts, outbox_state
from services.runtime.messaging_tables import MessagingTables
from services.runtime.unit_of_work import utcnow

log = logging.getLogger("tgpl.metrics")

CONTENT_TYPE = CONTENT_TYPE_LATEST
RETRIED, DEAD_LETTERED = "retried", "dead_lettered"
#: Batches take from a millisecond (one small transaction) to many seconds (a slow database).
BATCH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"


class ConsumerMetrics:
    """What a ConsumerGroup reports on the message path; this one records nothing (a group without metrics)."""

    def processed(self, consumer: str, n: int) -> None:
        """`n` messages handled for the first time (committed, or nothing to change)."""

    def failed(self, consumer: str, outcome: str) -> None:
        """A message failed: `retried` later, or `dead_lettered`."""

    def batch(self, consumer: str, n: int, seconds: float) -> None:
        """A fetched batch of `n` messages took `seconds` to handle (transactions, handlers, acks)."""


@dataclass(frozen=True)
class Snapshot:
    """What the last scrape read from the database and the broker."""

    database_ok: bool = False
    nats_ok: bool = False
    outbox: OutboxState | None = None
    dead_letters: dict[str, int] = field(default_factory=dict)
    lags: tuple[ConsumerLag, ...] = ()
    consumers_running: bool = False


class ServiceMetrics(ConsumerMetrics):
    """The metrics of one service process."""

    def __init__(self, service: str, consumers: Iterable[str] = (),
                 published: Callable[[], int] = lambda: 0) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self._processed = Counter("tgpl_messages_processed", "Messages a consumer handled for the first time "
                                  "(duplicates and failures not counted).", ["consumer"], registry=r)
        self._failed = Counter("tgpl_messages_failed", "Failed deliveries: retried later, or dead-lettered.",
                               ["consumer", "outcome"], registry=r)
        self._received = Counter("tgpl_messages_received", "Messages fetched and handled in some way (processed, "
                                 "ignored, duplicate, failed).", ["consumer"], registry=r)
        self._batch = Histogram("tgpl_consumer_batch_duration_seconds", "Time to handle one fetched batch; divide "
                                "the sum by tgpl_messages_received_total for the time per message.", ["consumer"],
                                buckets=BATCH_BUCKETS, registry=r)
        self._http = Histogram("tgpl_http_request_duration_seconds", "HTTP requests by method, route template and "
                               "status class.", ["method", "route", "status"], buckets=HTTP_BUCKETS, registry=r)
        Gauge("tgpl_service_info", "The service this process runs.", ["service"], registry=r).labels(service).set(1)
        self._published = published
        self.snapshot = Snapshot()
        self._children: dict[tuple[str, str], object] = {}
        self._known: list[str] = []
        for consumer in consumers:
            self.know(consumer)
        r.register(_Live(self))

    def know(self, consumer: str) -> None:
        """Show a consumer's series at 0 before its first message (a rate needs a start)."""
        self._known.append(consumer)
        self._processed.labels(consumer)
        self._received.labels(consumer)
        self._batch.labels(consumer)
        for outcome in (RETRIED, DEAD_LETTERED):
            self._failed.labels(consumer, outcome)

    @property
    def consumers(self) -> list[str]:
        return list(self._known)

    # --- on the message path: one dictionary look-up and an increment each ---------------------
    def _child(self, kind: str, metric, *labels: str):
        key = (kind, *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def processed(self, consumer: str, n: int) -> None:
        if n:
            self._child("processed", self._processed, consumer).inc(n)

    def failed(self, consumer: str, outcome: str) -> None:
        self._child("failed", self._failed, consumer, outcome).inc()

    def batch(self, consumer: str, n: int, seconds: float) -> None:
        self._child("received", self._received, consumer).inc(n)
        self._child("batch", self._batch, consumer).observe(seconds)

    def http(self, method: str, route: str, status: int, seconds: float) -> None:
        """One HTTP request answered."""
        method = method if method in _METHODS else "other"
        self._child("http", self._http, method, route, f"{status // 100}xx").observe(seconds)

    # --- at scrape time ---------------------------------------------------------------------------
    async def refresh(self, *, engine, tables: MessagingTables, js, consumers: Sequence[tuple[str, str]],
                      running: bool, timeout_s: float = 5.0) -> None:
        """Read the outbox, dead letters and consumer lag (`consumers`: (stream, durable)) for the next render."""
        outbox, dead, database_ok = None, {}, False
        try:
            async with asyncio.timeout(timeout_s):
                async with engine.connect() as conn:
                    outbox = await outbox_state(conn, tables, utcnow())
                    dead = await dead_letter_counts(conn, tables)
            database_ok = True
        except Exception as exc:  # a scrape reports a broken source (tgpl_scrape_source_up 0), it never fails
            self._source_failed("database", exc)
        lags: list[ConsumerLag] = []
        nats_ok = js is not None
        if js is not None:
            answers = await asyncio.gather(*(js.consumer_info(stream, durable, timeout=timeout_s)
                                             for stream, durable in consumers), return_exceptions=True)
            for answer in answers:
                if isinstance(answer, BaseException):
                    nats_ok = False
                    self._source_failed("nats", answer)
                else:
                    lags.append(consumer_lag(answer))
        self.snapshot = Snapshot(database_ok=database_ok, nats_ok=nats_ok, outbox=outbox, dead_letters=dead,
                                 lags=tuple(lags), consumers_running=running)

    def _source_failed(self, source: str, exc: BaseException) -> None:
        was_ok = self.snapshot.database_ok if source == "database" else self.snapshot.nats_ok
        (log.warning if was_ok else log.debug)("%s metrics: reading %s failed (%s: %s)", self.service, source,
                                               type(exc).__name__, exc)

    def render(self) -> bytes:
        """The Prometheus text exposition of everything, as of the last refresh."""
        return generate_latest(self.registry)


class _Live(Collector):
    """The scrape-time values of a ServiceMetrics, from its last snapshot."""

    def __init__(self, metrics: ServiceMetrics) -> None:
        self._m = metrics

    def describe(self):
        return []  # values exist only after a refresh; nothing to check for clashes at registration

    def collect(self):
        m, s = self._m, self._m.snapshot
        up = GaugeMetricFamily("tgpl_scrape_source_up", "Whether the last scrape could read this source "
                               "(database, nats); its values are missing when not.", labels=["source"])
        up.add_metric(["database"], float(s.database_ok))
        up.add_metric(["nats"], float(s.nats_ok))
        yield up
        yield GaugeMetricFamily("tgpl_consumers_running", "1 while every durable consumer of the service is "
                                "being read.", value=float(s.consumers_running))
        families = {
            "pending": GaugeMetricFamily("tgpl_consumer_pending_messages", "Messages in the stream not yet "
                                         "delivered to the consumer.", labels=["stream", "consumer"]),
            "ack_pending": GaugeMetricFamily("tgpl_consumer_ack_pending_messages", "Messages delivered, not yet "
                                             "acknowledged.", labels=["stream", "consumer"]),
            "redelivered": GaugeMetricFamily("tgpl_consumer_redelivered_messages", "Messages delivered more than "
                                             "once, not yet acknowledged.", labels=["stream", "consumer"]),
            "lag": GaugeMetricFamily("tgpl_consumer_lag_messages", "Pending plus acknowledgement-pending: what the "
                                     "consumer has not finished.", labels=["stream", "consumer"]),
        }
        for lag in s.lags:
            for name, family in families.items():
                family.add_metric([lag.stream, lag.consumer], float(getattr(lag, name)))
        yield from families.values()
        published = CounterMetricFamily("tgpl_outbox_published", "Outbox rows this process published.")
        published.add_metric([], float(m._published()))
        yield published
        if s.outbox is not None:
            yield GaugeMetricFamily("tgpl_outbox_backlog_messages", "Outbox rows waiting to be published.",
                                    value=float(s.outbox.backlog))
            yield GaugeMetricFamily("tgpl_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row "
                                    "(0 when none waits).", value=s.outbox.oldest_age_s or 0.0)
        if s.database_ok:
            dead = GaugeMetricFamily("tgpl_dead_letters", "Unresolved dead letters per consumer.", labels=["consumer"])
            for consumer in sorted({*m.consumers, *s.dead_letters}):
                dead.add_metric([consumer], float(s.dead_letters.get(consumer, 0)))
            yield dead


class HttpMetrics:
    """ASGI middleware timing each HTTP request by method, route template and status class."""

    def __init__(self, app, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, root, status = time.perf_counter(), scope.get("root_path", ""), [500]

        async def send_status(message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.http(scope.get("method", ""), route_template(scope, root), status[0],
                              time.perf_counter() - started)


def route_template(scope, root_path: str = "") -> str:
    """The route a request matched, as its template (`/cases/{case_id}`); `unmatched` for anything else,
    so a scanner's random paths add no series."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return f"{path}/{{path}}" if isinstance(route, Mount) else path
    mounted = scope.get("root_path", "")
    if len(mounted) > len(root_path) and mounted.startswith(root_path):  # a mounted app (static files)
        return f"{mounted[len(root_path):]}/{{path}}"
    # FastAPI's own pages (/docs, /openapi.json) leave no route in the scope: fixed paths, named as they are.
    raw = scope.get("path", "")
    for candidate in getattr(scope.get("app"), "routes", ()):
        if getattr(candidate, "path", None) == raw and "{" not in raw:
            return raw
    return UNMATCHED

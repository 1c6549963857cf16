"""A service process: its database, broker, consumers, outbox relay and HTTP API in one loop."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

import nats
import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, Response
from faststream.nats import NatsBroker, NatsUserPassword
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from nats.aio.client import Client as NatsClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.runtime.consumers import ConsumerGroup, ConsumerSpec, Handler
from services.runtime.dead_letters import DeadLetterRetrier, count_dead_letters, list_dead_letters
from services.runtime.database import create_engine
from services.runtime.logs import CorrelationIds, configure_logging
from services.runtime.messaging_tables import MessagingTables
from services.runtime.metrics import CONTENT_TYPE, HttpMetrics, ServiceMetrics
from services.runtime.migrate import upgrade_to_head
from services.runtime.relay import OutboxRelay
from services.runtime.retention import Retention
from services.runtime.settings import ServiceSettings
from services.runtime.tracing import configure_tracing, tracer_provider
from services.runtime.unit_of_work import UnitOfWork

log = logging.getLogger("tgpl.host")

U = TypeVar("U", bound=UnitOfWork)


@dataclass
class ServiceHost(Generic[U]):
    """Everything one service runs, built by its bootstrap; nothing connects until `start`."""

    name: str
    settings: ServiceSettings
    engine: AsyncEngine
    tables: MessagingTables
    broker: NatsBroker
    consumers: ConsumerGroup[U]
    relay: OutboxRelay
    uow: Callable[[], U]
    migrations: Path
    on_start: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    #: (seconds, job): work the service does on a clock, e.g. finding missed deadlines
    periodic: list[tuple[float, Callable[[], Awaitable[None]]]] = field(default_factory=list)
    _periodic_tasks: list[asyncio.Task] = field(default_factory=list)
    nc: NatsClient | None = None
    started: bool = False
    #: the consumers' and the relay's engine when it is not `engine` (SQLite: statements on the loop)
    work_engine: AsyncEngine | None = None
    policy: object = None  # the service's decision rules, when it has some (intake)
    retention: Retention | None = None
    #: Prometheus metrics (GET /metrics); `assemble` shares them with the consumers
    metrics: ServiceMetrics | None = None

    def __post_init__(self) -> None:
        if self.metrics is None:
            self.metrics = ServiceMetrics(self.name, [spec.durable for spec in self.consumers.specs],
                                          published=lambda: self.relay.published)

    async def start(self) -> None:
        """Migrate the database, run start hooks, connect, start consumers and the relay."""
        await upgrade_to_head(self.engine, self.migrations)
        for hook in self.on_start:
            await hook()
        self.nc = await nats.connect(
            self.settings.nats_servers, name=f"tgpl-{self.name}-relay", max_reconnect_attempts=-1,
            reconnect_time_wait=1, **self.settings.nats_options(),
        )
        self.relay.start(self.nc)
        await self.broker.start()
        await self.consumers.start(self.nc)
        # `tgpl dead-letters retry` asks this process to handle its dead letters again.
        await DeadLetterRetrier(self.engine, self.tables, self.uow, self.consumers).serve(self.nc, self.name)
        self._periodic_tasks = [asyncio.create_task(self._every(seconds, job)) for seconds, job in self.periodic]
        self.started = True
        log.info("%s started: database %s, NATS %s", self.name,
                 self.engine.url.render_as_string(hide_password=True), self.settings.nats_url)

    async def stop(self) -> None:
        """Stop consuming, flush nothing half-done (transactions roll back), close connections."""
        self.started = False
        for task in self._periodic_tasks:
            task.cancel()
        await asyncio.gather(*self._periodic_tasks, return_exceptions=True)
        await self.consumers.stop()
        await self.broker.stop()
        await self.relay.stop()
        if self.nc is not None:
            # close, not drain: the relay and the consumers are stopped already, and draining a
            # connection with pull subscriptions waits for its full drain timeout.
            await self.nc.close()
        if self.work_engine is not None:
            await self.work_engine.dispose()
        await self.engine.dispose()

    async def _every(self, seconds: float, job: Callable[[], Awaitable[None]]) -> None:
        while True:
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed round is logged and tried again next time
                log.exception("%s: periodic job %s failed", self.name, getattr(job, "__name__", job))
            await asyncio.sleep(seconds)

    async def health(self) -> dict:
        """What /healthz reports: database, broker, outbox backlog, dead letters."""
        checks: dict[str, object] = {"service": self.name, "started": self.started}
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # report, never raise, from a health check
            checks["database"] = f"error: {exc}"
        checks["nats"] = "ok" if self.nc is not None and self.nc.is_connected else "disconnected"
        try:
            checks["outbox_backlog"] = await self.relay.backlog()
        except Exception as exc:
            checks["outbox_backlog"] = f"error: {exc}"
        checks["consumers"] = [spec.durable for spec in self.consumers.specs]
        checks["consumers_running"] = self.consumers.running or not self.consumers.specs
        checks["dead_letters"] = await count_dead_letters(self.engine, self.tables)
        checks["ok"] = (self.started and checks["database"] == "ok" and checks["nats"] == "ok"
                        and checks["consumers_running"])
        return checks

    async def scrape(self) -> bytes:
        """The Prometheus text of this service, with the lag, outbox and dead letters read now."""
        connected = self.nc is not None and self.nc.is_connected
        await self.metrics.refresh(engine=self.engine, tables=self.tables,
                                   js=self.nc.jetstream() if connected else None,
                                   consumers=[(spec.stream.name, spec.durable) for spec in self.consumers.specs],
                                   running=self.consumers.running or not self.consumers.specs)
        return self.metrics.render()

    def ops_router(self, skip: Collection[str] = ()) -> APIRouter:
        """Routes every service exposes: health, metrics and dead letters, minus the paths in `skip`."""
        router = APIRouter()

        @router.get("/healthz", tags=["operations"], summary="Health of this service")
        async def healthz() -> JSONResponse:
            report = await self.health()
            return JSONResponse(report, status_code=200 if report["ok"] else 503)

        @router.get("/api/dead-letters", tags=["operations"], summary="Messages this service gave up on")
        async def dead_letters(limit: int = 100) -> list[dict]:
            return await list_dead_letters(self.engine, self.tables, limit=min(max(limit, 1), 1000))

        @router.get("/metrics", tags=["operations"], summary="Prometheus metrics of this service",
                    response_class=Response)
        async def metrics() -> Response:
            return Response(await self.scrape(), media_type=CONTENT_TYPE)

        router.routes = [route for route in router.routes if getattr(route, "path", None) not in skip]
        return router

    def asgi(self, app: FastAPI | None = None) -> FastAPI:
        """The service's HTTP app, whose lifespan starts and stops the whole service."""

        @asynccontextmanager
        async def lifespan(_app: FastAPI):
            await self.start()
            try:
                yield
            finally:
                await self.stop()

        app = app or FastAPI(title=f"tgpl {self.name}")
        app.router.lifespan_context = lifespan
        # A service may answer an ops path itself: intake shows its dead letters to logged-in staff only.
        app.include_router(self.ops_router(skip=getattr(app.state, "own_ops_paths", ())))
        app.add_middleware(HttpMetrics, metrics=self.metrics)
        app.add_middleware(CorrelationIds)  # outermost: X-Correlation-Id on every answer
        return app


def build_engine(settings: ServiceSettings, *, statements_on_loop: bool = False) -> AsyncEngine:
    """The engine of a service's own database."""
    return create_engine(settings.resolved_database_url(), sqlite_synchronous=settings.sqlite_synchronous,
                         statements_on_loop=statements_on_loop)


def build_work_engine(settings: ServiceSettings, engine: AsyncEngine) -> AsyncEngine:
    """The engine of the consumers and the outbox relay: short transactions, so on SQLite their
    statements run on the event loop (database.ServiceSqliteConnection); on PostgreSQL, `engine` itself."""
    return build_engine(settings, statements_on_loop=True) if engine.dialect.name == "sqlite" else engine


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Run a service process until SIGINT/SIGTERM."""
    configure_logging(settings.service_name, settings.log_format)
    configure_tracing(settings.service_name, settings.otel_exporter)
    # log_config=None: uvicorn's records go through the root handler too (JSON when not on a terminal).
    config = uvicorn.Config(app, host=settings.http_host, port=settings.http_port, log_level="warning",
                            log_config=None, access_log=False, lifespan="on")
    asyncio.run(uvicorn.Server(config).serve())


def assemble(name: str, settings: ServiceSettings, tables: MessagingTables, uow_class: type[U],
             consumers: list[tuple[ConsumerSpec, Handler]], migrations: Path) -> ServiceHost[U]:
    """Wire a service: engine, relay, unit-of-work factory, broker, its durable consumers and retention."""
    engine = build_engine(settings)
    work_engine = build_work_engine(settings, engine)
    relay = OutboxRelay(work_engine, tables, batch=settings.relay_batch, poll_s=settings.relay_poll_s)
    uow = functools.partial(uow_class, engine, tables, relay)
    auth = settings.nats_options()
    if auth:
        auth = {"security": NatsUserPassword(auth["user"], auth["password"]), "inbox_prefix": auth["inbox_prefix"]}
    # FastStream runs only the request-reply subscribers (reporting's); its middleware traces them.
    broker = NatsBroker(settings.nats_servers, logger=None, name=f"tgpl-{name}", max_reconnect_attempts=-1,
                        middlewares=[NatsTelemetryMiddleware(tracer_provider=tracer_provider())], **auth)
    metrics = ServiceMetrics(name, [spec.durable for spec, _ in consumers], published=lambda: relay.published)
    group = ConsumerGroup(functools.partial(uow_class, work_engine, tables, relay), tables, work_engine,
                          max_deliver=settings.max_deliver,
                          retry_delays_s=settings.retry_delays_s, ack_wait_s=settings.ack_wait_s,
                          fetch_batch=settings.fetch_batch, metrics=metrics)
    for spec, handler in consumers:
        group.add(spec, handler)
    retention = Retention(engine, tables, days=settings.outbox_retention_days, batch=settings.retention_batch)
    host = ServiceHost(name=name, settings=settings, engine=engine, tables=tables, broker=broker,
                       consumers=group, relay=relay, uow=uow, migrations=migrations, retention=retention,
                       metrics=metrics, work_engine=work_engine if work_engine is not engine else None)
    if settings.outbox_retention_days:
        host.periodic.append((settings.retention_check_s, retention.prune))
    return host

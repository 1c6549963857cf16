"""What `deploy.bench.reporting` needs around reporting itself: throw-away databases, JetStream
publishing and raw reading (the limit a rebuild is compared with), and a description of the machine."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import pickle
import platform
import shutil
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from queue import Empty
from zoneinfo import ZoneInfo

from nats.aio.client import Client as NatsClient
from nats.errors import TimeoutError as FetchTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from deploy.local.nats_server import nats_server_binary
from services.reporting.adapters import tables
from services.reporting.bootstrap import MIGRATIONS
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from services.runtime.database import create_engine
from services.runtime.migrate import upgrade_to_head
from shared.subjects import StreamSpec

Progress = Callable[[int, int], None]
DATA = Path(__file__).resolve().parents[1] / "demo" / "data"


# --- databases ----------------------------------------------------------------------------------


class Databases:
    """Reporting databases made for one run and dropped after it: SQLite files in the work
    directory, or, given a PostgreSQL URL, databases of their own (`tgpl_bench_<token>_<name>`)
    on that server. The database the URL names is only used to create and drop them."""

    def __init__(self, workdir: Path, base_url: str | None = None) -> None:
        self.workdir = workdir
        self.base_url = base_url
        self.token = uuid.uuid4().hex[:8]
        self.created: list[str] = []
        self.engines: list[AsyncEngine] = []

    @property
    def backend(self) -> str:
        return make_url(self.base_url).get_backend_name() if self.base_url else "sqlite"

    def _admin_dsn(self) -> str:
        return make_url(self.base_url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def create(self, name: str) -> str:
        """A new, empty database; its SQLAlchemy async URL."""
        if self.base_url is None or self.backend == "sqlite":
            path = self.workdir / f"{name}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return f"sqlite+aiosqlite:///{path}"
        import asyncpg

        database = f"tgpl_bench_{self.token}_{name}"
        conn = await asyncpg.connect(self._admin_dsn())
        try:
            await conn.execute(f'CREATE DATABASE "{database}"')
        finally:
            await conn.close()
        self.created.append(database)
        return make_url(self.base_url).set(drivername="postgresql+asyncpg", database=database) \
            .render_as_string(hide_password=False)

    async def reporting(self, name: str) -> tuple[AsyncEngine, Callable[[], ReportingUnitOfWork]]:
        """A migrated reporting database with the demo center's reference data, and its unit of work."""
        engine = create_engine(await self.create(name))
        self.engines.append(engine)
        await upgrade_to_head(engine, MIGRATIONS)
        uow = functools.partial(ReportingUnitOfWork, engine, tables.messaging, None, tz=ZoneInfo("Asia/Ho_Chi_Minh"))
        center = json.loads((DATA / "center.json").read_text(encoding="utf-8"))
        agencies = json.loads((DATA / "agencies.json").read_text(encoding="utf-8"))["agencies"]
        async with uow() as work:
            await work.facts.load_reference(center["branches"], agencies)
            await work.commit()
        return engine, uow

    async def server_version(self) -> str | None:
        if not self.engines or self.backend == "sqlite":
            return None
        from sqlalchemy import text

        async with self.engines[0].connect() as conn:
            return (await conn.execute(text("SHOW server_version"))).scalar()

    async def close(self) -> None:
        """Dispose of the engines and drop the PostgreSQL databases made (SQLite files go with the
        work directory)."""
        for engine in self.engines:
            await engine.dispose()
        if not self.created:
            return
        import asyncpg

        conn = await asyncpg.connect(self._admin_dsn())
        try:
            for database in self.created:
                await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            await conn.close()


async def analyze(engine: AsyncEngine) -> None:
    """Refresh the planner's statistics on PostgreSQL, as autovacuum would soon after a bulk load."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("ANALYZE"))


# --- messages on disk ---------------------------------------------------------------------------


class MessageFile:
    """Messages to publish, (subject, headers, bytes), kept on disk in pickled chunks so a million of
    them neither sit in memory nor cost generation time while publishing."""

    def __init__(self, path: Path, chunk: int = 10_000, *, count: int = 0, size: int = 0) -> None:
        self.path = path
        self.chunk = chunk
        self.count = count
        self.bytes = size
        self._buffer: list[tuple[str, dict[str, str], bytes]] = []
        self._out = None

    def __enter__(self) -> MessageFile:
        self._out = self.path.open("wb")
        return self

    def add(self, subject: str, headers: dict[str, str], data: bytes) -> None:
        self._buffer.append((subject, headers, data))
        self.count += 1
        self.bytes += len(data)
        if len(self._buffer) >= self.chunk:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            pickle.dump(self._buffer, self._out, protocol=pickle.HIGHEST_PROTOCOL)
            self._buffer = []

    def __exit__(self, *exc: object) -> None:
        self._flush()
        self._out.close()

    def chunks(self) -> Iterator[list[tuple[str, dict[str, str], bytes]]]:
        with self.path.open("rb") as source:
            while True:
                try:
                    yield pickle.load(source)
                except EOFError:
                    return


# --- JetStream ----------------------------------------------------------------------------------


@dataclass
class PublishStats:
    messages: int = 0
    bytes: int = 0
    seconds: float = 0.0
    duplicates: int = 0
    errors: int = 0

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


async def publish(nc: NatsClient, messages: MessageFile, *, in_flight: int = 4000,
                  progress: Progress | None = None) -> PublishStats:
    """Publish every message to JetStream with nats-py's async publishing (up to `in_flight`
    awaiting their acknowledgement); returns once every ack is in."""
    js = nc.jetstream(publish_async_max_pending=in_flight)
    stats = PublishStats()
    waiting: deque[asyncio.Future] = deque()

    def settle(future: asyncio.Future) -> None:
        error = future.exception()
        if error is not None:
            stats.errors += 1
        elif future.result().duplicate:
            stats.duplicates += 1

    started = time.perf_counter()
    for chunk in messages.chunks():
        for subject, headers, data in chunk:
            waiting.append(await js.publish_async(subject, data, headers=headers))
            stats.bytes += len(data)
        while waiting and waiting[0].done():
            settle(waiting.popleft())
        stats.messages += len(chunk)
        if progress:
            progress(stats.messages, messages.count)
    await js.publish_async_completed()
    await asyncio.gather(*waiting, return_exceptions=True)
    for future in waiting:
        settle(future)
    stats.seconds = time.perf_counter() - started
    return stats


@dataclass
class ReadStats:
    messages: int = 0
    bytes: int = 0
    seconds: float = 0.0
    batch: int = 0
    per_stream: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


async def stream_messages(nc: NatsClient, streams: list[StreamSpec]) -> int:
    js = nc.jetstream()
    return sum([(await js.stream_info(spec.name)).state.messages for spec in streams])


async def read_all(nc: NatsClient, streams: list[StreamSpec], *, batch: int = 5000,
                   progress: Progress | None = None) -> ReadStats:
    """Read every message of the streams back, the way a rebuild reads them (an ephemeral pull
    consumer from the first message, no acks) and doing nothing with them: no decoding, no
    database. The fastest a rebuild through nats-py could go."""
    js = nc.jetstream()
    total = await stream_messages(nc, streams)
    stats = ReadStats(batch=batch)
    started = time.perf_counter()
    for spec in streams:
        if (await js.stream_info(spec.name)).state.messages == 0:
            continue
        config = ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL,
                                filter_subject=spec.subjects[0], inactive_threshold=120.0, max_waiting=1)
        sub = await js.pull_subscribe(spec.subjects[0], stream=spec.name, config=config)
        read = 0
        try:
            while True:
                try:
                    messages = await sub.fetch(batch, timeout=5.0)
                except (asyncio.TimeoutError, FetchTimeoutError):
                    break
                read += len(messages)
                stats.bytes += sum(len(m.data) for m in messages)
                if progress:
                    progress(stats.messages + read, total)
                last = messages[-1].metadata
                if last is not None and last.num_pending == 0:
                    break
        finally:
            await sub.unsubscribe()
        stats.messages += read
        stats.per_stream[spec.name] = read
    stats.seconds = time.perf_counter() - started
    return stats


async def read_all_pulling(nc: NatsClient, streams: list[StreamSpec], *, batch: int = 5000,
                           progress: Progress | None = None) -> ReadStats:
    """Read every message back as the rebuild reads them (`services.reporting.rebuild.read_batches`:
    pull requests sent by hand to a callback subscription), doing nothing with them."""
    from services.reporting.rebuild import read_batches

    total = await stream_messages(nc, streams)
    stats = ReadStats(batch=batch)
    started = time.perf_counter()
    for spec in streams:
        read = 0
        async for messages in read_batches(nc, spec.name, spec.subjects[0], batch):
            read += len(messages)
            stats.bytes += sum(len(m.data) for m in messages)
            if progress:
                progress(stats.messages + read, total)
        stats.messages += read
        stats.per_stream[spec.name] = read
    stats.seconds = time.perf_counter() - started
    return stats


# --- the machine --------------------------------------------------------------------------------


def machine() -> dict:
    """Cores, memory, load and the versions that matter to these figures."""
    info: dict = {"cpus": os.cpu_count(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
                  "platform": platform.platform(), "load_average": round(os.getloadavg()[0], 2)}
    try:
        info["ram_gib"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30, 1)
    except (ValueError, OSError, AttributeError):
        info["ram_gib"] = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    for package in ("nats-py", "sqlalchemy", "aiosqlite", "asyncpg", "pydantic"):
        try:
            info[package] = version(package)
        except Exception:
            info[package] = None
    try:
        out = subprocess.run([str(nats_server_binary()), "--version"], capture_output=True, text=True, timeout=10)
        info["nats_server"] = out.stdout.strip().removeprefix("nats-server: ")
    except Exception:
        info["nats_server"] = None
    return info


def take(queue, worker):
    """The next item a worker process put on a multiprocessing queue; fails if the worker died."""
    while True:
        try:
            return queue.get(timeout=1.0)
        except Empty:
            if not worker.is_alive():
                raise RuntimeError(f"the generating process died (exit code {worker.exitcode})") from None


@contextmanager
def bench_workdir(given: Path | None, prefix: str) -> Iterator[Path]:
    """A benchmark's working directory: `given` (kept afterwards), or a temporary one removed at the end."""
    workdir = given or Path(tempfile.mkdtemp(prefix=prefix))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        yield workdir.resolve()
    finally:
        if given is None:
            shutil.rmtree(workdir, ignore_errors=True)


def print_and_save(result: dict, table: str, json_path: Path) -> None:
    """Print a benchmark's table and write every figure as JSON (for later runs to compare)."""
    print(table)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(f"\nEvery figure: {json_path}")

"""Engine creation. Nothing connects at import time; SQLite gets WAL and immediate transactions."""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from datetime import datetime, timezone
from pathlib import Path
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import ClassVar

import aiosqlite
from sqlalchemy import DateTime, event
from sqlalchemy.types import TypeDecorator
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine


#: SQL that starts a transaction (takes the write lock: every transaction begins IMMEDIATE), ends one,
#: or may otherwise wait (PRAGMA journal_mode, VACUUM): on aiosqlite's thread.
_BEGIN_SQL = ("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE")
_END_SQL = ("COMMIT", "END", "ROLLBACK")
_WAITING_SQL = ("PRAGMA", "VACUUM")
_READ_ONLY_KEY = "tgpl_read_only"
#: Execution options of a connection whose transactions only read: on SQLite they begin DEFERRED and
#: neither take nor wait for the write lock (WAL lets them read beside a writer). PostgreSQL ignores it.
READ_ONLY = {_READ_ONLY_KEY: True}
#: How long a transaction waits for the write lock before "database is locked" (SQLite's busy timeout).
BUSY_TIMEOUT_S = 30


class ServiceSqliteConnection(aiosqlite.Connection):
    """An aiosqlite connection of a service process. Two things differ from aiosqlite's:

    - The process's transactions on one database file queue for the write lock on an asyncio lock,
      in order, and each is let in the moment the one before it ends. SQLite's own busy handler,
      which they would otherwise meet, polls with sleeps growing to 100 ms, so a waiter may sleep
      well past the moment the lock was freed. Another process (a `tgpl` command) still meets it.
    - `inline`: a statement runs on the event loop's own thread, where it takes microseconds, and
      only what may wait goes to the worker thread: BEGIN IMMEDIATE, COMMIT and ROLLBACK (fsync,
      checkpoint), PRAGMA and close. Inside a transaction begun IMMEDIATE in WAL mode nothing else
      waits for a lock. aiosqlite's round trip to its thread for every call was more than half of
      intake's CPU per notice (6.9 -> 2.8 ms, measured in-process). For transactions of short
      statements (consumers, the outbox relay): a long read would hold the loop, so pages and
      reports use an engine without it.
    """

    _queues: ClassVar[weakref.WeakKeyDictionary] = weakref.WeakKeyDictionary()

    def __init__(self, path: str, *, inline: bool) -> None:
        # check_same_thread=False: opened on the worker thread, used on the loop's too.
        super().__init__(lambda: sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, check_same_thread=False),
                         iter_chunk_size=64)
        self._thread.daemon = True
        self._path, self._inline, self._holding = path, inline, False

    def _write_lock(self) -> asyncio.Lock:
        by_path = self._queues.setdefault(asyncio.get_running_loop(), {})
        return by_path.setdefault(self._path, asyncio.Lock())

    def _release(self) -> None:
        if self._holding and not (self._connection is not None and self._connection.in_transaction):
            self._holding = False
            self._write_lock().release()

    async def _execute(self, fn, *args, **kwargs):
        kind = _kind(fn, args)
        if kind == "begin" and not self._holding:
            try:
                async with asyncio.timeout(BUSY_TIMEOUT_S):
                    await self._write_lock().acquire()
            except TimeoutError:  # as SQLite's own busy timeout would have ended it
                raise sqlite3.OperationalError(
                    f"database is locked (another transaction of this process held it {BUSY_TIMEOUT_S} s)") from None
            self._holding = True
            try:
                return await super()._execute(fn, *args, **kwargs)
            except BaseException:
                self._release()
                raise
        if kind == "end":
            try:
                if self._inline and _is_rollback(fn, args):
                    # Nothing to wait for (no fsync, no lock): inline; and the pool's reset as each
                    # unit of work returns its connection, outside any transaction, does nothing.
                    if fn == self._connection.rollback and not self._connection.in_transaction:
                        return None
                    return fn(*args, **kwargs)
                return await super()._execute(fn, *args, **kwargs)
            finally:
                self._release()
        if kind is not None or not self._inline:
            return await super()._execute(fn, *args, **kwargs)
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def _is_rollback(fn, args: tuple) -> bool:
    name = getattr(fn, "__name__", "")
    return name == "rollback" or (name == "execute" and args[0].lstrip().upper().startswith("ROLLBACK"))


def _kind(fn, args: tuple) -> str | None:
    """"begin", "end", "wait" (on the worker thread) or None (a statement inside a transaction)."""
    name = getattr(fn, "__name__", "")
    if name in ("commit", "rollback", "close"):  # the connection's; a cursor's close is a statement's
        return "end" if isinstance(getattr(fn, "__self__", None), sqlite3.Connection) else None
    if name in ("execute", "executemany", "executescript") and args and isinstance(args[0], str):
        head = args[0].lstrip().upper()
        if head.startswith(_BEGIN_SQL):
            return "begin"
        if head.startswith(_END_SQL):
            return "end"
        if head.startswith(_WAITING_SQL):
            return "wait"
    return None


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection that only reads: on SQLite its transactions begin DEFERRED and read beside the
    writers (READ_ONLY), so a staff page neither waits for the consumers' batches nor holds them up."""
    async with engine.connect() as conn:
        yield await conn.execution_options(**READ_ONLY)


def create_engine(url: str, *, sqlite_synchronous: str = "FULL", echo: bool = False,
                  statements_on_loop: bool = False) -> AsyncEngine:
    """An async engine for the service's own database (SQLite file or PostgreSQL).

    `statements_on_loop`: SQLite statements run on the event loop's thread (ServiceSqliteConnection),
    for the consumers' and the relay's short transactions; PostgreSQL ignores it.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=5)

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    if parsed.database and parsed.database != ":memory:":
        path = str(Path(parsed.database).resolve())

        async def connect() -> aiosqlite.Connection:
            return await ServiceSqliteConnection(path, inline=statements_on_loop)

        engine = create_async_engine(url, echo=echo, async_creator=connect)
    else:
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # pragma: no cover - driver callback
        # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={sqlite_synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn) -> None:  # pragma: no cover - driver callback
        # A deferred transaction that later upgrades to a write lock fails with "database is
        # locked" instead of waiting; taking the write lock up front makes writers queue. Only a
        # transaction that promises never to write (READ_ONLY) reads beside them (WAL).
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(_READ_ONLY_KEY) else "BEGIN IMMEDIATE")

    return engine


class UtcDateTime(TypeDecorator):
    """A timezone-aware timestamp stored in UTC on every backend.

    SQLite keeps no offset: without this, 09:00+07:00 and 02:00+00:00 would be stored as
    different instants and compared as text.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)

"""Engine creation. Nothing connects at import time; SQLite gets WAL and immediate transactions."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import aiosqlite
from sqlalchemy import DateTime, event
from sqlalchemy.types import TypeDecorator
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


#: aiosqlite calls that may wait (for the write lock, for an fsync, for a checkpoint): on its thread.
_WAITING_CALLS = frozenset({"commit", "rollback", "close"})
_WAITING_SQL = ("BEGIN", "COMMIT", "END", "ROLLBACK", "PRAGMA", "VACUUM")


class LoopSqliteConnection(aiosqlite.Connection):
    """An aiosqlite connection that runs a statement on the event loop's own thread, where it takes
    microseconds, and sends to its worker thread only what may wait: BEGIN IMMEDIATE (the write
    lock, which another connection of the process may hold until the loop lets it commit), COMMIT
    and ROLLBACK (fsync, checkpoint), PRAGMA and close. Inside a transaction begun IMMEDIATE in WAL
    mode nothing else waits for a lock. aiosqlite sends every call to its thread and back: that
    round trip was more than half of intake's CPU per notice (6.9 -> 2.8 ms, measured in-process).

    For transactions of short statements (consumers, the outbox relay); a long read would hold the
    loop for its whole length, so pages and reports use an ordinary engine."""

    async def _execute(self, fn, *args, **kwargs):
        if _may_wait(fn, args):
            return await super()._execute(fn, *args, **kwargs)
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def _may_wait(fn, args: tuple) -> bool:
    name = getattr(fn, "__name__", "")
    if name in _WAITING_CALLS:  # the connection's, not a cursor's close
        return isinstance(getattr(fn, "__self__", None), sqlite3.Connection)
    if name in ("execute", "executemany", "executescript") and args and isinstance(args[0], str):
        return args[0].lstrip().upper().startswith(_WAITING_SQL)
    return False


def create_engine(url: str, *, sqlite_synchronous: str = "FULL", echo: bool = False,
                  statements_on_loop: bool = False) -> AsyncEngine:
    """An async engine for the service's own database (SQLite file or PostgreSQL).

    `statements_on_loop`: SQLite statements run on the event loop's thread (LoopSqliteConnection),
    for the consumers' and the relay's short transactions; PostgreSQL ignores it.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=5)

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    if statements_on_loop and parsed.database and parsed.database != ":memory:":
        path = parsed.database

        async def connect() -> aiosqlite.Connection:
            # check_same_thread=False: opened on the worker thread, used on the loop's.
            connection = LoopSqliteConnection(
                lambda: sqlite3.connect(path, timeout=30, check_same_thread=False), iter_chunk_size=64)
            connection._thread.daemon = True
            return await connection

        engine = create_async_engine(url, echo=echo, async_creator=connect)
    else:
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})

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
        # locked" instead of waiting; taking the write lock up front makes writers queue.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

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

"""SQLite connections of a service process (services/runtime/database.py, ServiceSqliteConnection):
statements on the loop's thread, and waiting for the write lock does not stop the loop."""

from __future__ import annotations

import asyncio
import threading

import pytest
import sqlalchemy as sa

from services.runtime.database import create_engine

pytestmark = pytest.mark.integration


async def _tagged(engine, thread_ids: list[int]) -> None:
    """Run a statement that records the thread SQLite executes it on."""
    async with engine.begin() as conn:
        raw = (await conn.get_raw_connection()).driver_connection._conn
        raw.create_function("executing_thread", 0, threading.get_ident)
        thread_ids.append((await conn.execute(sa.text("SELECT executing_thread()"))).scalar_one())


async def test_statements_run_on_the_loop_thread_and_the_ordinary_engine_keeps_its_thread(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'service.db'}"
    on_loop, threaded = create_engine(url, statements_on_loop=True), create_engine(url)
    seen_on_loop: list[int] = []
    seen_threaded: list[int] = []
    try:
        await _tagged(on_loop, seen_on_loop)
        await _tagged(threaded, seen_threaded)
    finally:
        await on_loop.dispose()
        await threaded.dispose()
    assert seen_on_loop == [threading.get_ident()]
    assert seen_threaded and seen_threaded[0] != threading.get_ident()


async def test_waiting_for_the_write_lock_does_not_stop_the_loop(tmp_path):
    """One connection of the process holds the write lock until the loop lets it commit; another,
    on the loop, begins meanwhile: its BEGIN IMMEDIATE waits on its worker thread, the loop goes on,
    the first commits, the second gets the lock (run on the loop's thread, it would hold the loop
    until the busy timeout and fail)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'service.db'}"
    holder, on_loop = create_engine(url), create_engine(url, statements_on_loop=True)
    ticks: list[float] = []
    try:
        async with holder.begin() as conn:
            await conn.execute(sa.text("CREATE TABLE facts (n INTEGER)"))

        async def tick() -> None:
            while True:
                ticks.append(asyncio.get_running_loop().time())
                await asyncio.sleep(0.01)

        async def second_writer() -> int:
            async with on_loop.begin() as conn:
                await conn.execute(sa.text("INSERT INTO facts VALUES (2)"))
                return (await conn.execute(sa.text("SELECT count(*) FROM facts"))).scalar_one()

        ticker = asyncio.create_task(tick())
        async with holder.begin() as conn:
            await conn.execute(sa.text("INSERT INTO facts VALUES (1)"))
            waiting = asyncio.create_task(second_writer())
            await asyncio.sleep(0.3)  # the loop must keep turning while the second waits for the lock
            assert not waiting.done()
            ticks_while_held = len(ticks)
        assert await asyncio.wait_for(waiting, timeout=20) == 2
        ticker.cancel()
    finally:
        await holder.dispose()
        await on_loop.dispose()
    assert ticks_while_held >= 10


async def test_a_transaction_waiting_on_another_of_its_own_process_ends_as_sqlite_would(tmp_path, monkeypatch):
    """Waiting inside a transaction for another one of the same process can never end: after the
    busy timeout it fails with "database is locked", as SQLite's busy handler would, never hangs."""
    from services.runtime import database

    monkeypatch.setattr(database, "BUSY_TIMEOUT_S", 0.2)
    url = f"sqlite+aiosqlite:///{tmp_path / 'service.db'}"
    first, second = create_engine(url), create_engine(url, statements_on_loop=True)
    try:
        async with first.begin() as outer:
            await outer.execute(sa.text("CREATE TABLE facts (n INTEGER)"))
            with pytest.raises(sa.exc.OperationalError, match="database is locked"):
                async with second.begin() as inner:
                    await inner.execute(sa.text("INSERT INTO facts VALUES (1)"))
        async with second.begin() as conn:  # the lock went back to the queue: the next one gets it
            await conn.execute(sa.text("INSERT INTO facts VALUES (2)"))
            assert (await conn.execute(sa.text("SELECT count(*) FROM facts"))).scalar_one() == 1
    finally:
        await first.dispose()
        await second.dispose()


async def test_a_reading_connection_reads_beside_a_writer_without_waiting(tmp_path):
    """A staff page reads (database.reading) while a consumer's transaction holds the write lock:
    it sees what was committed and neither waits for that transaction nor holds it up."""
    from services.runtime.database import reading

    url = f"sqlite+aiosqlite:///{tmp_path / 'service.db'}"
    writer, pages = create_engine(url, statements_on_loop=True), create_engine(url)
    try:
        async with writer.begin() as conn:
            await conn.execute(sa.text("CREATE TABLE facts (n INTEGER)"))
            await conn.execute(sa.text("INSERT INTO facts VALUES (1)"))
        async with writer.begin() as conn:
            await conn.execute(sa.text("INSERT INTO facts VALUES (2)"))
            async with reading(pages) as page:  # would queue behind the writer if it began IMMEDIATE
                seen = (await asyncio.wait_for(page.execute(sa.text("SELECT count(*) FROM facts")), 10)).scalar_one()
            assert conn.in_transaction()
        async with reading(pages) as page:
            after = (await page.execute(sa.text("SELECT count(*) FROM facts"))).scalar_one()
    finally:
        await writer.dispose()
        await pages.dispose()
    assert (seen, after) == (1, 2)


async def test_a_rolled_back_transaction_on_the_loop_leaves_nothing_and_frees_the_write_lock(tmp_path):
    """ROLLBACK runs on the loop's thread (nothing to wait for), and the pool's reset of a returned
    connection outside any transaction does nothing; the lock is free for the next writer at once."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'service.db'}"
    engine = create_engine(url, statements_on_loop=True)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("CREATE TABLE facts (n INTEGER)"))
        async with engine.connect() as conn:
            await conn.begin()
            await conn.execute(sa.text("INSERT INTO facts VALUES (1)"))
            await conn.rollback()
        async with engine.connect() as conn:  # an explicit ROLLBACK statement too
            await conn.begin()
            await conn.execute(sa.text("INSERT INTO facts VALUES (2)"))
            raw = (await conn.get_raw_connection()).driver_connection
            await raw.execute("ROLLBACK")
            assert not raw._conn.in_transaction
        async with asyncio.timeout(5), engine.begin() as conn:  # would wait 30 s on a lock never released
            await conn.execute(sa.text("INSERT INTO facts VALUES (3)"))
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.text("SELECT n FROM facts"))).scalars().all()
    finally:
        await engine.dispose()
    assert rows == [3]

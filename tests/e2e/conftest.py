"""The whole system as real processes, started the way `tgpl up` starts it."""

import os
import signal
import subprocess
import sys

import httpx
import pytest

from deploy.local.nats_server import free_port
from tests import harness


@pytest.fixture
def system(tmp_path):
    ports = {name: free_port() for name in ("nats", "ui", "assignment", "evaluation", "reporting")}
    env = {**os.environ, "TGPL_DATA_DIR": str(tmp_path / "var"), "TGPL_NATS_PORT": str(ports["nats"]),
           "TGPL_UI_PORT": str(ports["ui"]), "TGPL_ASSIGNMENT_HTTP_PORT": str(ports["assignment"]),
           "TGPL_EVALUATION_HTTP_PORT": str(ports["evaluation"]), "TGPL_REPORTING_HTTP_PORT": str(ports["reporting"]),
           "NO_COLOR": "1"}
    env.pop("TGPL_NATS_URL", None)
    log = open(tmp_path / "up.log", "w+b")
    process = subprocess.Popen([sys.executable, "-m", "deploy.cli", "up", "--demo", "--demo-notices", "0"],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process, ports, tmp_path / "up.log"
    finally:
        if process.poll() is None:
            # Ctrl-C, as an operator would: the launcher stops its services and nats-server.
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


async def _healthy(port: int) -> bool:
    try:
        async with httpx.AsyncClient() as client:
            return (await client.get(f"http://127.0.0.1:{port}/healthz", timeout=1)).status_code == 200
    except httpx.HTTPError:
        return False


async def wait_until_up(ports: dict[str, int]) -> None:
    """Wait until every service answers its health check."""
    for service in ("ui", "assignment", "evaluation", "reporting"):
        await harness.eventually(lambda: _healthy(ports[service]), timeout=90)

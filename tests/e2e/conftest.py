"""The whole system as real processes, started the way `tgpl up` starts it."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from deploy.local.credentials import load_identities, load_staff_passwords, nats_credentials_file, staff_passwords_file
from deploy.local.nats_server import free_ports
from tests import harness


class LauncherCredentials:
    """What `tgpl up` generated in its data dir at first start: NATS identities and demo staff passwords.
    Read when asked, so after the system is up (the launcher writes them before starting anything)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def nats(self, role: str, code: str | None = None) -> dict[str, str]:
        """nats.connect options of one identity (e.g. `nats(AGENCY, "CA-GL")`)."""
        identity = load_identities(nats_credentials_file(self.data_dir)).find(role, code)
        assert identity is not None, f"tgpl up generated no {role} identity {code or ''}"
        return identity.connect_options()

    def password(self, username: str) -> str:
        """The generated password of a demo staff account."""
        return load_staff_passwords(staff_passwords_file(self.data_dir))[username]


@pytest.fixture
def credentials(tmp_path) -> LauncherCredentials:
    """The credentials of the `system` fixture's launcher (same data dir)."""
    return LauncherCredentials(tmp_path / "var")


def launcher_env(data_dir: Path, ports: dict[str, int]) -> dict[str, str]:
    """The environment of `tgpl` commands for a system on this data dir and these ports (as `system` runs it)."""
    env = {**os.environ, "TGPL_DATA_DIR": str(data_dir), "TGPL_NATS_PORT": str(ports["nats"]),
           "TGPL_UI_PORT": str(ports["ui"]), "TGPL_ASSIGNMENT_HTTP_PORT": str(ports["assignment"]),
           "TGPL_EVALUATION_HTTP_PORT": str(ports["evaluation"]), "TGPL_REPORTING_HTTP_PORT": str(ports["reporting"]),
           "NO_COLOR": "1"}
    for name in ("TGPL_NATS_URL", "TGPL_NATS_USER", "TGPL_NATS_PASSWORD"):
        env.pop(name, None)
    return env


@contextlib.contextmanager
def launched(data_dir: Path, log_path: Path):
    """`tgpl up --demo` on a data dir and fresh ports, stopped with Ctrl-C at the end: (process, ports, log path)."""
    ports = dict(zip(("nats", "ui", "assignment", "evaluation", "reporting"), free_ports(5)))
    log = open(log_path, "w+b")
    process = subprocess.Popen([sys.executable, "-m", "deploy.cli", "up", "--demo", "--demo-notices", "0"],
                               env=launcher_env(data_dir, ports), stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process, ports, log_path
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


@pytest.fixture
def system(tmp_path):
    with launched(tmp_path / "var", tmp_path / "up.log") as running:
        yield running


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


#: Debian's chromium, never a downloaded browser (`.ci/run` installs it); browser tests skip without it.
CHROMIUM = os.environ.get("TGPL_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
async def browser():
    """A headless chromium driven by Playwright; the test skips, saying why, when either is missing."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it")
    playwright_api = pytest.importorskip("playwright.async_api", reason="the playwright package is not installed")
    async with playwright_api.async_playwright() as p:
        instance = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            await instance.close()


async def log_in(page, base: str, username: str, password: str) -> None:
    """Sign in on the staff UI's login page."""
    await page.goto(f"{base}/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")

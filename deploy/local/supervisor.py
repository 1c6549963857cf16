"""`tgpl up`: the whole system on one machine, each part its own OS process.

Starts the embedded nats-server (or uses `TGPL_NATS_URL`), declares the streams, starts the four
services, prints where everything is, prefixes every process's log lines, restarts nothing
silently, and stops everything on Ctrl-C.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import nats

from deploy.local.credentials import (
    credentials_dir,
    ensure_identities,
    ensure_staff_passwords,
    env_login,
    make_private_dir,
    nats_credentials_file,
    staff_passwords_file,
    usable_codes,
    write_secret,
)
from deploy.local.nats_identities import AGENCY, OPERATOR, SERVICE, Identity, IdentitySet, ensure_province_consumers
from deploy.local.nats_server import EmbeddedNats, nats_server_binary, port_is_free, server_config, wait_for_jetstream
from services.runtime import reference_files
from services.runtime.streams import ensure_streams

DEMO_DATA = Path(__file__).resolve().parents[1] / "demo" / "data"
SERVICES = ("intake", "assignment", "evaluation", "reporting")
COLOURS = {"nats": "36", "intake": "32", "assignment": "35", "evaluation": "34", "reporting": "33", "tgpl": "1"}


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the launcher dies, even by kill -9, so no service is orphaned."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class StartupError(RuntimeError):
    """Something the operator must fix before the system can start; the message says what."""


@dataclass
class Layout:
    """Where everything runs, from the environment (see the README's configuration table)."""

    data_dir: Path
    nats_url: str | None
    nats_port: int
    ports: dict[str, int]
    host: str = "127.0.0.1"
    demo: bool = False
    demo_notices: int = 0
    env: dict[str, str] = field(default_factory=dict)
    #: the reference data the services load (agencies, staff accounts…): TGPL_REFERENCE_DIR, or the demo's
    reference_dir: Path | None = None

    @classmethod
    def from_env(cls, *, demo: bool, demo_notices: int) -> Layout:
        env = os.environ
        return cls(
            data_dir=Path(env.get("TGPL_DATA_DIR", "var")).resolve(),
            nats_url=env.get("TGPL_NATS_URL") or None,
            nats_port=int(env.get("TGPL_NATS_PORT", "4222")),
            ports={
                "intake": int(env.get("TGPL_UI_PORT", "8000")),
                "assignment": int(env.get("TGPL_ASSIGNMENT_HTTP_PORT", "8001")),
                "evaluation": int(env.get("TGPL_EVALUATION_HTTP_PORT", "8002")),
                "reporting": int(env.get("TGPL_REPORTING_HTTP_PORT", "8003")),
            },
            demo=demo,
            demo_notices=demo_notices,
            reference_dir=Path(env["TGPL_REFERENCE_DIR"]) if env.get("TGPL_REFERENCE_DIR") else (
                DEMO_DATA if demo else None),
        )

    def check_ports(self) -> None:
        """Fail with a message naming the variable to change when a port is taken."""
        problems = []
        if self.nats_url is None and not port_is_free(self.nats_port, self.host):
            problems.append(
                f"Port {self.nats_port} (NATS) is already in use, perhaps by another nats-server.\n"
                f"  Either start tgpl's own server on another port:  TGPL_NATS_PORT=4223 make run\n"
                f"  or use the server that is running there:         "
                f"TGPL_NATS_URL=nats://127.0.0.1:{self.nats_port} make run")
        names = {"intake": "TGPL_UI_PORT", "assignment": "TGPL_ASSIGNMENT_HTTP_PORT",
                 "evaluation": "TGPL_EVALUATION_HTTP_PORT", "reporting": "TGPL_REPORTING_HTTP_PORT"}
        for service, port in self.ports.items():
            if not port_is_free(port, self.host):
                what = "the staff UI" if service == "intake" else f"the {service} API"
                problems.append(f"Port {port} ({what}) is already in use.\n"
                                f"  Choose another one, e.g.:  {names[service]}={port + 80} make run")
        if problems:
            raise StartupError("\n".join(problems))

    def service_env(self, service: str, nats_url: str, identity: Identity | None = None,
                    staff_passwords: Path | None = None) -> dict[str, str]:
        env = {**os.environ, "TGPL_DATA_DIR": str(self.data_dir), "TGPL_NATS_URL": nats_url,
               f"TGPL_{service.upper()}_HTTP_PORT": str(self.ports[service]),
               "TGPL_ASSIGNMENT_URL": f"http://{self.host}:{self.ports['assignment']}",
               "TGPL_EVALUATION_URL": f"http://{self.host}:{self.ports['evaluation']}",
               "TGPL_REPORTING_URL": f"http://{self.host}:{self.ports['reporting']}",
               "PYTHONUNBUFFERED": "1"}
        if service == "intake":
            env["TGPL_UI_PORT"] = str(self.ports["intake"])
        if self.demo:
            env.setdefault("TGPL_REFERENCE_DIR", str(DEMO_DATA))
        if identity is not None:  # the embedded server: the service's own NATS user
            env.update(TGPL_NATS_USER=identity.user, TGPL_NATS_PASSWORD=identity.password)
        if service == "intake" and staff_passwords is not None:
            env["TGPL_INTAKE_STAFF_PASSWORDS_FILE"] = str(staff_passwords)
        return env


class Supervisor:
    """Owns the child processes; any one of them ending stops the whole system."""

    def __init__(self, layout: Layout, out=sys.stdout) -> None:
        self.layout = layout
        self.out = out
        self.children: dict[str, asyncio.subprocess.Process] = {}
        self._pumps: list[asyncio.Task] = []
        self._colour = out.isatty() and not os.environ.get("NO_COLOR")
        self.nats_url: str = ""
        #: the embedded server's identities (empty with TGPL_NATS_URL: its operator manages them)
        self.identities = IdentitySet()
        self.staff_passwords: Path | None = None

    def say(self, source: str, line: str) -> None:
        label = f"{source:<10}|"
        if self._colour:
            label = f"\033[{COLOURS.get(source, '0')}m{label}\033[0m"
        print(f"{label} {line}", file=self.out, flush=True)

    async def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        process = await asyncio.create_subprocess_exec(
            *argv, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the supervisor only; it stops children in order
            preexec_fn=_die_with_parent)
        self.children[name] = process
        self._pumps.append(asyncio.create_task(self._pump(name, process)))

    async def _pump(self, name: str, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        async for raw in process.stdout:
            self.say(name, raw.decode(errors="replace").rstrip())

    def prepare_credentials(self) -> None:
        """Generate the NATS identities (embedded server only) and the demo staff passwords at first
        start, reuse them later; print what was generated, once, and where they are."""
        make_private_dir(credentials_dir(self.layout.data_dir))
        if self.layout.nats_url is None:
            self._prepare_nats_identities()
        self._prepare_staff_passwords()
        if self.identities.identities or self.staff_passwords:
            self.say("tgpl", f"credentials: {credentials_dir(self.layout.data_dir)} (readable by you only)")

    def _prepare_nats_identities(self) -> None:
        reference, path = self.layout.reference_dir, nats_credentials_file(self.layout.data_dir)
        agencies, unusable = usable_codes(
            [a["code"] for a in (reference_files.read_agencies(reference) or [])] if reference else [])
        provinces, unusable_provinces = usable_codes(
            [p["code"] for p in (reference_files.read_province_systems(reference) or [])] if reference else [])
        for code in (*unusable, *unusable_provinces):
            self.say("tgpl", f"code {code!r} cannot name a NATS user (letters, digits, '-' and '_' only): "
                             "that system gets no NATS identity")
        needed, created = ensure_identities(path, agencies=agencies, provinces=provinces)
        self.identities = IdentitySet(needed)
        if created:
            self.say("tgpl", f"NATS credentials generated for {len(created)} identities (operator, services, "
                             f"agency and province systems) in {path}")

    def _prepare_staff_passwords(self) -> None:
        reference = self.layout.reference_dir
        users = (reference_files.read_users(reference) or []) if reference else []
        if not users:
            return
        self.staff_passwords = path = staff_passwords_file(self.layout.data_dir)
        existed = path.exists()
        passwords, created = ensure_staff_passwords(path, [u["username"] for u in users])
        if not created:
            return
        self.say("tgpl", f"staff logins generated now, shown this once (kept in {path}):")
        for user in users:
            if user["username"] in created:
                self.say("tgpl", f"  {user['username']:<14} {passwords[user['username']]}   ({', '.join(user['roles'])})")
        if not existed and (self.layout.data_dir / "intake.db").exists():
            self.say("tgpl", "note: intake.db is older than these passwords; accounts it already has keep their "
                             f"earlier passwords (remove {self.layout.data_dir} for a fresh demo)")

    def _login(self, role: str, code: str | None = None) -> dict[str, str]:
        """Connect options of one of the embedded server's identities; with TGPL_NATS_URL, TGPL_NATS_USER's."""
        identity = self.identities.find(role, code)
        return identity.connect_options() if identity else env_login()

    async def start_nats(self) -> None:
        if self.layout.nats_url:
            self.nats_url = self.layout.nats_url
            self.say("tgpl", f"using the NATS server at {self.nats_url} (TGPL_NATS_URL)")
        else:
            nats_dir = self.layout.data_dir / "nats"
            nats_dir.mkdir(parents=True, exist_ok=True)
            config = nats_dir / "nats-server.conf"
            write_secret(config, server_config(port=self.layout.nats_port, store_dir=(nats_dir / "jetstream").resolve(),
                                               identities=self.identities.identities))
            await self._spawn("nats", [str(nats_server_binary()), "-c", str(config)], dict(os.environ))
            self.nats_url = EmbeddedNats(self.layout.nats_port, nats_dir).url
        admin = self._login(OPERATOR)
        await wait_for_jetstream(self.nats_url, **admin)
        nc = await nats.connect(self.nats_url, **admin)
        try:
            for line in await ensure_streams(nc.jetstream()):
                self.say("tgpl", f"stream {line}")
            for line in await ensure_province_consumers(nc.jetstream(), self.identities.identities):
                self.say("tgpl", f"consumer {line}")
        finally:
            await nc.close()

    async def start_services(self) -> None:
        for service in SERVICES:
            env = self.layout.service_env(service, self.nats_url, self.identities.find(SERVICE, service),
                                          self.staff_passwords)
            # The services write into a pipe (JSON logs by default); whoever reads this terminal gets text.
            env.setdefault("TGPL_LOG_FORMAT", "text" if self.out.isatty() else "json")
            await self._spawn(service, [sys.executable, "-m", f"services.{service}"], env)
        async with httpx.AsyncClient() as client:
            for service in SERVICES:
                await self._wait_healthy(client, service)

    async def _wait_healthy(self, client: httpx.AsyncClient, service: str, timeout_s: float = 60.0) -> None:
        url = f"http://{self.layout.host}:{self.layout.ports[service]}/healthz"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while loop.time() < deadline:
            if self.children[service].returncode is not None:
                raise StartupError(f"{service} exited with code {self.children[service].returncode} while starting "
                                   f"(its log lines above say why)")
            try:
                if (await client.get(url, timeout=1.0)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
        raise StartupError(f"{service} did not become healthy within {timeout_s:.0f}s ({url})")

    def banner(self) -> None:
        p, h = self.layout.ports, self.layout.host
        lines = [
            "",
            "tgpl is running.",
            f"  Staff UI (case register)   http://{h}:{p['intake']}/",
            f"  Intake API docs            http://{h}:{p['intake']}/docs",
            f"  Assignment API             http://{h}:{p['assignment']}/docs",
            f"  Evaluation API             http://{h}:{p['evaluation']}/docs",
            f"  Reporting API              http://{h}:{p['reporting']}/docs",
            f"  NATS (JetStream)           {self.nats_url}",
            f"  Data (databases, streams)  {self.layout.data_dir}",
            f"  Credentials (NATS, staff)  {credentials_dir(self.layout.data_dir)}",
            "  Send notices:              tgpl simulate --rate 20 --count 200",
            "  Ask for a report:          tgpl report --start 2026-11-01 --end 2026-11-30",
            "  Status (lag, backlogs):    tgpl status   (Prometheus: /metrics on each port above)",
            "Press Ctrl-C to stop everything.",
            "",
        ]
        for line in lines:
            self.say("tgpl", line)

    async def demo_notices(self) -> None:
        from deploy.demo.duty import publish_duty_roster
        from deploy.demo.simulate import simulate

        base = f"http://{self.layout.host}:{self.layout.ports['assignment']}"
        async with httpx.AsyncClient(base_url=base, timeout=10.0) as client:
            changed = await publish_duty_roster(client)
        self.say("tgpl", f"demo: duty roster for the next 14 days set ({changed} officers changed)")

        summary = await simulate(self.nats_url, rate=10, count=self.layout.demo_notices, seed=int(time.time()),
                                 connect=self._login(AGENCY))
        self.say("tgpl", f"demo: sent {summary.sent} notices ({summary.malformed} malformed, "
                         f"{summary.duplicates} duplicates)")

    async def wait_for_exit(self) -> str:
        """Block until a child exits; returns its name."""
        waits = {asyncio.create_task(proc.wait()): name for name, proc in self.children.items()}
        done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        return waits[next(iter(done))]

    async def stop(self) -> None:
        """Stop services first, then NATS; SIGTERM, then SIGKILL after 15 s."""
        order = [s for s in (*SERVICES, "nats") if s in self.children]
        for name in order:
            process = self.children[name]
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), timeout=15)
                except asyncio.TimeoutError:
                    self.say("tgpl", f"{name} did not stop in 15 s; killing it")
                    process.kill()
                    await process.wait()
        for pump in self._pumps:
            pump.cancel()


async def run_up(layout: Layout) -> int:
    """Bring the system up and keep it up until Ctrl-C or until any process ends."""
    supervisor = Supervisor(layout)
    stop_requested = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_requested.set)
    code = 0
    demo_task = None
    try:
        layout.check_ports()
        layout.data_dir.mkdir(parents=True, exist_ok=True)
        supervisor.prepare_credentials()
        await supervisor.start_nats()
        await supervisor.start_services()
        supervisor.banner()
        if layout.demo and layout.demo_notices:
            demo_task = asyncio.create_task(supervisor.demo_notices())
        exited = asyncio.create_task(supervisor.wait_for_exit())
        stopping = asyncio.create_task(stop_requested.wait())
        await asyncio.wait({exited, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if exited.done():
            name = exited.result()
            supervisor.say("tgpl", f"{name} exited with code {supervisor.children[name].returncode}; "
                                   "stopping everything (tgpl restarts nothing silently)")
            code = 1
        else:
            supervisor.say("tgpl", "stopping…")
            exited.cancel()
        stopping.cancel()
    except StartupError as exc:
        supervisor.say("tgpl", f"cannot start: {exc}")
        code = 2
    finally:
        if demo_task:
            demo_task.cancel()
        await supervisor.stop()
    supervisor.say("tgpl", "stopped")
    return code

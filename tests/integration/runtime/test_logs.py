"""A service process whose logs go to a file (not a terminal) writes JSON lines, and the lines about a
message carry that message's correlation id; an HTTP answer carries its request's."""

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from deploy.local.nats_server import free_port
from services.runtime.logs import CORRELATION_HEADER
from shared import events as ev
from shared import subjects
from tests import harness

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


def service_env(nats_url: str, data_dir: Path, port: int) -> dict[str, str]:
    env = {**os.environ, "TGPL_NATS_URL": nats_url, "TGPL_DATA_DIR": str(data_dir),
           "TGPL_REPORTING_HTTP_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    for name in ("TGPL_LOG_FORMAT", "TGPL_OTEL_EXPORTER", "TGPL_NATS_USER", "TGPL_NATS_PASSWORD",
                 "TGPL_REPORTING_DATABASE_URL"):
        env.pop(name, None)
    return env


async def test_logs_off_a_terminal_are_json_lines_carrying_the_correlation_id_of_the_message(
        jetstream, nats_url, tmp_path):
    port, log_path = free_port(), tmp_path / "reporting.log"
    correlation_id = f"CA-GL:T-{uuid.uuid4().hex[:8]}:1"
    with_header, without_header = f"poison-{uuid.uuid4().hex[:8]}", f"junk-{uuid.uuid4().hex[:8]}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "services.reporting"], cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT, env=service_env(nats_url, tmp_path, port))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=2) as client:
            async def healthy():
                assert process.poll() is None, log_path.read_text()[-3000:]
                try:
                    return (await client.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await harness.eventually(healthy, timeout=60)
            subject = subjects.subject_of(ev.CaseOpened)
            # Unreadable, so dead-lettered at once: by its event's correlation header, and by its key alone.
            await jetstream.publish(subject, b'{"type": "intake.case_opened", "case_id": ',
                                    headers={"Nats-Msg-Id": with_header, "tgpl-correlation-id": correlation_id})
            await jetstream.publish(subject, b"not json", headers={"Nats-Msg-Id": without_header})

            async def both_dead_lettered():
                letters = (await client.get("/api/dead-letters")).json()
                return len(letters) == 2

            await harness.eventually(both_dead_lettered)
            asked = await client.get("/healthz", headers={CORRELATION_HEADER: "operator-check-1"})
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)

    assert asked.headers[CORRELATION_HEADER] == "operator-check-1"
    lines = log_path.read_text().splitlines()
    records = [json.loads(line) for line in lines]  # every line, not only tgpl's own, is one JSON object
    assert records and {r["service"] for r in records} == {"reporting"}
    dead = {r["correlation_id"]: r for r in records if "dead-lettered" in r["message"]}
    assert set(dead) == {correlation_id, without_header}, lines
    assert dead[correlation_id]["level"] == "ERROR" and with_header in dead[correlation_id]["message"]
    assert dead[correlation_id]["logger"] == "tgpl.consumer"
    started = next(r for r in records if "reporting started" in r["message"])
    assert started["correlation_id"] is None and started["level"] == "INFO"

"""The whole system as `tgpl up` runs it: nats-server and four services as real OS processes."""

import asyncio
import os
import signal
import subprocess
import sys

import httpx
import pytest

from deploy.local.nats_identities import AGENCY, PROVINCE
from tests.e2e.conftest import wait_until_up
from shared import subjects
from tests import harness

pytestmark = pytest.mark.e2e


async def test_a_notice_is_received_opened_and_assigned_in_the_report(system, credentials):
    process, ports, log = system
    await wait_until_up(ports)

    async def banner_printed():
        # The launcher polls health on its own schedule, so its banner may follow ours by a moment.
        return "tgpl is running." in log.read_text()

    await harness.eventually(banner_printed, timeout=30)
    nats_url = f"nats://127.0.0.1:{ports['nats']}"

    import nats

    notice = harness.make_notice(person__commune_code="21910")  # Phường An Nhơn: branch CN-AN
    nc = await nats.connect(nats_url, **credentials.nats(AGENCY, notice["agency"]["code"]))
    await harness.publish(nc.jetstream(), subjects.INBOUND_REFERRAL, notice, harness.msg_id_of(notice))
    await nc.close()

    period = notice["sent_at"][:10]

    async def assigned_in_report():
        report = await harness.request_report(nats_url, period, period, connect=credentials.nats(PROVINCE))
        totals = report["totals"]
        return report if (totals["notices_received"], totals["cases_opened"], totals["cases_assigned"]) == (1, 1, 1) else None

    report = await harness.eventually(assigned_in_report, timeout=30)
    officer = next(o for o in report["officers"] if o["cases_assigned"] == 1)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['ui']}") as client:
        assert (await harness.log_in(client, "tiepnhan", credentials.password("tiepnhan"))).status_code == 303
        page = (await client.get("/cases")).text
        roster = (await client.get(f"http://127.0.0.1:{ports['assignment']}/api/officers")).json()
    chosen = next(o for o in roster if o["officer_id"] == officer["officer_id"])
    assert chosen["branch_code"] == "CN-AN"
    assert chosen["full_name"] in page and notice["person"]["full_name"] in page

    process.send_signal(signal.SIGINT)
    for _ in range(300):
        if process.poll() is not None:
            break
        await asyncio.sleep(0.1)
    assert process.returncode == 0, log.read_text()[-3000:]
    assert "stopped" in log.read_text().splitlines()[-1]


def test_a_taken_port_names_the_variable_to_change(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "TGPL_DATA_DIR": str(tmp_path), "TGPL_NATS_PORT": str(port), "NO_COLOR": "1"}
        env.pop("TGPL_NATS_URL", None)
        result = subprocess.run([sys.executable, "-m", "deploy.cli", "up"], env=env, capture_output=True,
                                text=True, timeout=60)
    assert result.returncode == 2
    assert f"Port {port} (NATS) is already in use" in result.stdout
    assert "TGPL_NATS_PORT=" in result.stdout and f"TGPL_NATS_URL=nats://127.0.0.1:{port}" in result.stdout



def _children_of(pid: int) -> list[int]:
    """Pids whose parent is `pid` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


async def test_killing_the_launcher_leaves_no_service_behind(system):
    process, ports, _ = system
    await wait_until_up(ports)
    children = _children_of(process.pid)
    assert len(children) == 5  # nats-server and four services
    process.kill()  # kill -9: no chance to stop anything itself
    process.wait()

    async def all_gone() -> bool:
        return not any(os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().split()[2] != "Z"
                       for pid in children)

    await harness.eventually(all_gone, timeout=30)

"""`tgpl backup` of the running system, `tgpl restore` into an empty data dir, and the restored system
answering the same report, then going on without losing or repeating anything."""

import json
import subprocess
import sys
from datetime import date, timedelta

import nats
import pytest

from deploy.local.nats_identities import AGENCY, PROVINCE
from shared import subjects
from tests import harness
from tests.e2e.conftest import LauncherCredentials, launched, launcher_env, wait_until_up

pytestmark = pytest.mark.e2e


def tgpl(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deploy.cli", *argv], env=env, capture_output=True, text=True,
                          timeout=120)


async def send_notices(nats_url: str, credentials: LauncherCredentials, count: int) -> list[dict]:
    notices = [harness.make_notice(person__commune_code="21910") for _ in range(count)]  # branch CN-AN
    nc = await nats.connect(nats_url, **credentials.nats(AGENCY, "CA-GL"))
    try:
        for notice in notices:
            await harness.publish(nc.jetstream(), subjects.INBOUND_REFERRAL, notice, harness.msg_id_of(notice))
    finally:
        await nc.close()
    return notices


def figures(report: dict) -> dict:
    """A report without the moment it was made."""
    return {k: v for k, v in report.items() if k != "generated_at"}


async def report_with(nats_url: str, credentials: LauncherCredentials, period: tuple[str, str], count: int) -> dict:
    """The report of the period once it counts `count` notices received, cases opened and cases assigned."""

    async def counted():
        report = await harness.request_report(nats_url, *period, connect=credentials.nats(PROVINCE))
        totals = report["totals"]
        return report if (totals["notices_received"], totals["cases_opened"], totals["cases_assigned"]) == (
            count, count, count) else None

    return await harness.eventually(counted, timeout=30)


async def test_a_backup_restored_into_an_empty_data_dir_answers_the_same_report_and_goes_on(tmp_path):
    original, restored = tmp_path / "var", tmp_path / "restored"
    backup = tmp_path / "backup"
    today = date.today()
    period = ((today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat())

    with launched(original, tmp_path / "up.log") as (_, ports, log):
        await wait_until_up(ports)
        url = f"nats://127.0.0.1:{ports['nats']}"
        before = LauncherCredentials(original)
        await send_notices(url, before, 3)
        report = await report_with(url, before, period, 3)

        done = tgpl(launcher_env(original, ports), "backup", "--out", str(backup))  # online: the system runs
        assert done.returncode == 0, done.stderr + log.read_text()[-2000:]
        manifest = json.loads(done.stdout)
        assert manifest["streams"][subjects.INBOUND_STREAM.name]["messages"] == 3
        assert set(manifest["databases"]) == {"intake", "assignment", "evaluation", "reporting"}
        assert (backup / "manifest.json").stat().st_mode & 0o077 == 0 and backup.stat().st_mode & 0o077 == 0
        # Sent after the backup: not in it, so the restored system does not know it.
        await send_notices(url, before, 1)
        await report_with(url, before, period, 4)

    env = launcher_env(restored, {"nats": 0, "ui": 0, "assignment": 0, "evaluation": 0, "reporting": 0})
    done = tgpl(env, "restore", str(backup))
    assert done.returncode == 0, done.stderr
    assert {name: s["messages"] for name, s in json.loads(done.stdout)["streams"].items()} == {
        name: s["messages"] for name, s in manifest["streams"].items()}
    refused = tgpl(env, "restore", str(backup))  # now the data dir is not empty
    assert refused.returncode == 1 and "not empty" in refused.stderr and "--force" in refused.stderr

    with launched(restored, tmp_path / "up-restored.log") as (_, ports, log):
        await wait_until_up(ports)
        url = f"nats://127.0.0.1:{ports['nats']}"
        after = LauncherCredentials(restored)  # the restored credentials: the agencies' passwords still work
        assert after.nats(PROVINCE) == before.nats(PROVINCE)
        again = await harness.request_report(url, *period, connect=after.nats(PROVINCE))
        assert figures(again) == figures(report), log.read_text()[-3000:]

        await send_notices(url, after, 1)
        final = await report_with(url, after, period, 4)
        # Settled: nothing counted twice (consumers re-read their unacknowledged messages and skip them).
        await harness.eventually(lambda: _no_backlog(ports), timeout=15)
        settled = await harness.request_report(url, *period, connect=after.nats(PROVINCE))
        assert settled["totals"] == final["totals"]
        written = log.read_text()
        bad_signs = ("Traceback", "ERROR ", '"level": "ERROR"', "[ERR]", "dead-lettered")  # text or JSON logs
        assert not any(bad in written for bad in bad_signs), written[-3000:]


async def _no_backlog(ports: dict[str, int]) -> bool:
    import httpx

    async with httpx.AsyncClient() as client:
        for name in ("ui", "assignment", "evaluation", "reporting"):
            health = (await client.get(f"http://127.0.0.1:{ports[name]}/healthz", timeout=2)).json()
            if health["outbox_backlog"] or health["dead_letters"]:
                return False
    return True

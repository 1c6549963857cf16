"""When the broker itself loses data: the four services run on their own nats-server; messages
published while two of them were stopped are lost with the JetStream store; `tgpl republish`
rebuilds the streams from the services' databases and the report comes out complete, nothing
counted twice.

Three batches of notices of the same make-up: A (everything running), B (assignment and
reporting stopped, so B's events sit unconsumed in the streams when the store is wiped) and C
(after the wipe, before the republish). The report must be three times batch A's figures.
"""

import asyncio
import json
import os
import shutil
import sys
from collections import Counter
from contextlib import AsyncExitStack
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import nats
import pytest
import sqlalchemy as sa
from nats.js.errors import NotFoundError

from deploy.local.nats_server import EmbeddedNats, NatsBinaryMissing, free_port, nats_server_binary, wait_for_jetstream
from services.assignment.bootstrap import build as build_assignment
from services.assignment.config import AssignmentSettings
from services.evaluation.bootstrap import build as build_evaluation
from services.evaluation.config import EvaluationSettings
from services.intake.adapters import tables as intake_tables
from services.intake.bootstrap import build as build_intake
from services.intake.config import IntakeSettings
from services.reporting.bootstrap import build as build_reporting
from services.reporting.config import ReportingSettings
from services.runtime.streams import ensure_streams
from shared import subjects
from tests import harness

pytestmark = pytest.mark.integration

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ROOT = Path(__file__).resolve().parents[3]
NAMES = [f"Nguyễn Văn {name}" for name in ("An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Khánh", "Long",
                                            "Minh", "Nam", "Phúc", "Quân", "Sơn", "Tài", "Uy")]
#: The parts of a report that add up over batches of the same make-up (officers' shares may differ).
ADDITIVE = ("by_agency", "by_locality", "by_field", "by_group")


@pytest.fixture
def broker(tmp_path):
    """A nats-server of this test's own: its JetStream store is wiped mid-test."""
    try:
        nats_server_binary()
    except NatsBinaryMissing as exc:
        pytest.skip(str(exc))
    server = EmbeddedNats(free_port(), tmp_path / "nats")
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def _declare_streams(url: str) -> None:
    await wait_for_jetstream(url)
    nc = await nats.connect(url)
    try:
        await ensure_streams(nc.jetstream())
    finally:
        await nc.close()


def batch(names) -> list[tuple[bytes, str | None]]:
    """Five notices: three asking for aid (one passed on late), one not asking, one invalid. The
    first carries no Nats-Msg-Id (agencies may leave it out)."""
    now = datetime.now(VN).replace(microsecond=0)

    def notice(**overrides) -> dict:
        return harness.make_notice(person__full_name=next(names),
                                   case__agency_case_ref=f"{harness.make_notice()['notice_id']}/HS", **overrides)

    notices = [notice(), notice(), notice(request_received_at=(now - timedelta(hours=13)).isoformat()),
               notice(wants_legal_aid=False, request_received_at=None),
               harness.make_notice(person__national_id="12345")]
    return [(json.dumps(n, ensure_ascii=False).encode(), None if i == 0 else harness.msg_id_of(n))
            for i, n in enumerate(notices)]


async def _publish(url: str, notices: list[tuple[bytes, str | None]]) -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        for body, msg_id in notices:
            await js.publish(subjects.INBOUND_REFERRAL, body, headers={"Nats-Msg-Id": msg_id} if msg_id else None)
    finally:
        await nc.close()


async def _caught_up(hosts) -> bool:
    """Every outbox sent and every durable consumer with nothing pending or unacknowledged."""
    for host in hosts:
        if await host.relay.backlog():
            return False
        js = host.nc.jetstream()
        for spec in host.consumers.specs:
            try:
                info = await js.consumer_info(spec.stream.name, spec.durable)
            except (NotFoundError, nats.errors.Error, asyncio.TimeoutError):
                return False
            if info.num_pending or info.num_ack_pending:
                return False
    return True


def _figures(report: dict) -> dict:
    """A report's figures that add up over batches: every total, every count of the breakdowns, and
    the officers' assignments summed."""
    return {"totals": dict(report["totals"]), **{part: _sorted(report[part]) for part in ADDITIVE},
            "officers_cases_assigned": sum(o["cases_assigned"] for o in report["officers"])}


def _scaled(figures: dict, times: int) -> dict:
    """Figures of `times` batches of the same make-up."""
    def scale(value):
        return value * times if isinstance(value, int) and not isinstance(value, bool) else value

    return {"totals": {name: scale(v) for name, v in figures["totals"].items()},
            **{part: _sorted([{k: scale(v) for k, v in row.items()} for row in figures[part]]) for part in ADDITIVE},
            "officers_cases_assigned": scale(figures["officers_cases_assigned"])}


def _sorted(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))


async def _report_is(url: str, expected: dict):
    report = await _current_report(url)
    return report if _figures(report) == expected else None


async def _settled(url: str, hosts, check):
    async def both():
        return await _caught_up(hosts) and await check()

    await harness.eventually(both, timeout=90, interval=0.3)


async def test_a_wiped_jetstream_store_is_rebuilt_by_republish_and_the_report_is_complete(
        broker, database_url, tmp_path, db_backend):
    url = broker.url
    await _declare_streams(url)
    urls = {name: await database_url(name) for name in ("intake", "assignment", "evaluation", "reporting")}
    common = dict(nats_url=url, retry_delays_s=[0.2])
    settings = {
        "intake": IntakeSettings(database_url=urls["intake"], data_dir=tmp_path / "intake",
                                 reference_dir=harness.reference_dir_without_staff(tmp_path), **common),
        "assignment": AssignmentSettings(database_url=urls["assignment"], data_dir=tmp_path / "assignment",
                                         reference_dir=harness.DEMO_DATA, **common),
        "evaluation": EvaluationSettings(database_url=urls["evaluation"], data_dir=tmp_path / "evaluation", **common),
        "reporting": ReportingSettings(database_url=urls["reporting"], data_dir=tmp_path / "reporting",
                                       reference_dir=harness.DEMO_DATA, schedule_s=0, **common),
    }
    builders = {"intake": build_intake, "assignment": build_assignment, "evaluation": build_evaluation,
                "reporting": build_reporting}
    started = datetime.now(VN) - timedelta(minutes=1)
    names = iter(NAMES)

    async with AsyncExitStack() as running:
        hosts = {name: build(settings[name]) for name, build in builders.items()}
        stopped = {}
        for name, host in hosts.items():
            if name in ("assignment", "reporting"):
                stopped[name] = AsyncExitStack()
                await stopped[name].enter_async_context(harness.running(host))
            else:
                await running.enter_async_context(harness.running(host))

        # A: everything runs; the report shows the batch.
        await _publish(url, batch(names))

        async def a_counted():
            totals = (await _current_report(url))["totals"]
            return (totals["notices_received"], totals["notices_rejected"], totals["cases_opened"],
                    totals["cases_assigned"], totals["missed_beneficiaries"], totals["late_notices"]) == (4, 1, 3, 3, 2, 1)

        await _settled(url, hosts.values(), a_counted)
        batch_a = _figures(await _current_report(url))

        # B: assignment and reporting stop; intake and evaluation handle the batch; its events wait in the streams.
        for name in ("assignment", "reporting"):
            await stopped.pop(name).aclose()
        await _publish(url, batch(names))

        async def b_taken_by_intake():
            async with hosts["intake"].engine.connect() as conn:
                notices = (await conn.execute(sa.select(sa.func.count()).select_from(intake_tables.notices))).scalar_one()
            return notices == 8

        await _settled(url, [hosts["intake"], hosts["evaluation"]], b_taken_by_intake)

        # The broker loses its store: stopped, wiped, started empty, streams declared again.
        broker.stop()
        shutil.rmtree(broker.data_dir / "jetstream")
        broker.start()
        await _declare_streams(url)
        for name in ("assignment", "reporting"):
            hosts[name] = builders[name](settings[name])
            await running.enter_async_context(harness.running(hosts[name]))

        # C, mid-run: counted, but B is not (its events were lost before reporting and assignment saw them).
        await _publish(url, batch(names))
        await _settled(url, hosts.values(), lambda: _report_is(url, _scaled(batch_a, 2)))

        # Republish since the start, from the services' databases (the operator's command, as a process).
        env = {**os.environ, "TGPL_NATS_URL": url, "TGPL_DATA_DIR": str(tmp_path / "var"),
               **{f"TGPL_{name.upper()}_DATABASE_URL": db for name, db in urls.items()}}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "deploy.cli", "republish", "--since", started.isoformat(), cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await process.communicate()
        assert process.returncode == 0, err.decode()
        summary = json.loads(out)

        final = await _settled_report(url, hosts.values(), _scaled(batch_a, 3))

        nc = await nats.connect(url)
        try:
            js = nc.jetstream()
            decisions = await harness.events_of(js, "TGPL_ASSIGNMENT", "assignment.case_assigned")
            received = await harness.events_of(js, "TGPL_INTAKE", "intake.notice_received")
        finally:
            await nc.close()
        async with hosts["intake"].engine.connect() as conn:
            cases = (await conn.execute(sa.select(intake_tables.cases.c.officer_id))).scalars().all()
            rejected = (await conn.execute(
                sa.select(sa.func.count()).select_from(intake_tables.rejected_notices))).scalar_one()
            kept = (await conn.execute(
                sa.select(sa.func.count()).select_from(intake_tables.inbound_messages))).scalar_one()

    assert _figures(final) == _scaled(batch_a, 3)
    assert final["totals"]["notices_received"] == 12 and final["totals"]["cases_assigned"] == 9
    # Nothing twice: one decision per case, one NoticeReceived per notice, one rejection per invalid notice.
    assert len(decisions) == 9 and set(Counter(d["case_id"] for d in decisions).values()) == {1}
    assert len(received) == 12 and set(Counter(r["notice_key"] for r in received).values()) == {1}
    assert rejected == 3 and kept == 15
    # B's cases were assigned once assignment saw their openings again, and intake learnt it.
    assert len(cases) == 9 and all(cases)

    intake = summary["services"]["intake"]
    assert intake["inbound_notices"] == 15 and intake["outbox"] > 0
    for name, service in summary["services"].items():
        assert service["new_in_stream"] + service["already_in_stream"] == service["outbox"] + service.get(
            "inbound_notices", 0), name
    # C's messages were on the streams already (the duplicate window dropped them); A's and B's were not.
    assert intake["already_in_stream"] > 0 and intake["new_in_stream"] > 0


async def _current_report(url: str) -> dict:
    today = datetime.now(VN).date()
    return await harness.request_report(url, (today - timedelta(days=1)).isoformat(),
                                        (today + timedelta(days=1)).isoformat())


async def _settled_report(url: str, hosts, expected: dict) -> dict:
    found: list[dict] = []

    async def check():
        report = await _report_is(url, expected)
        if report:
            found.append(report)
        return report

    await _settled(url, hosts, check)
    return found[-1]

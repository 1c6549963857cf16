"""`tgpl status` on a real nats-server and real databases: a running service, a service that is down with
a stuck outbox and a growing lag, a dead letter; and a broker that does not answer."""

import asyncio
import json
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
import uvicorn

from deploy import cli
from deploy.local.nats_server import free_port
from services.assignment.adapters import tables as assignment_tables
from services.assignment.bootstrap import MIGRATIONS as ASSIGNMENT_MIGRATIONS
from services.assignment.config import AssignmentSettings
from services.assignment.entrypoints.consumers import INTAKE_EVENTS as ASSIGNMENT_INTAKE_EVENTS
from services.reporting.bootstrap import build as build_reporting
from services.reporting.config import ReportingSettings
from services.reporting.entrypoints.web import build_web as reporting_web
from services.runtime.consumers import ConsumerGroup
from services.runtime.database import create_engine
from services.runtime.migrate import upgrade_to_head
from services.runtime.unit_of_work import utcnow
from shared import events as ev
from shared import subjects
from tests import harness

pytestmark = pytest.mark.integration

SERVICES = ("intake", "assignment", "evaluation", "reporting")


def environment(monkeypatch, data_dir, nats_url: str) -> None:
    """The environment an operator's shell has: the data dir, the broker, nothing else of tgpl's."""
    monkeypatch.setenv("TGPL_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TGPL_NATS_URL", nats_url)
    for name in ("TGPL_NATS_USER", "TGPL_NATS_PASSWORD", "TGPL_UI_PORT",
                 *(f"TGPL_{s.upper()}_{k}" for s in SERVICES for k in ("DATABASE_URL", "HTTP_PORT"))):
        monkeypatch.delenv(name, raising=False)


async def status(*argv: str) -> tuple[int, str]:
    """Run `tgpl status` as a shell would (its own event loop), returning the exit status and stdout."""
    import contextlib
    import io

    out = io.StringIO()

    def run() -> int:
        with contextlib.redirect_stdout(out):
            return cli.main(["status", *argv])

    return await asyncio.to_thread(run), out.getvalue()


async def serve_over_http(app, port: int) -> tuple[uvicorn.Server, asyncio.Task]:
    """The service's app on a real port, its lifespan running the service, as `python -m services.…` does."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        if task.done():
            task.result()
        return server.started

    await harness.eventually(started)
    return server, task


def case_opened() -> ev.CaseOpened:
    return ev.CaseOpened(producer="test", case_id=str(uuid.uuid4()), register_no="00001/2026/TL",
                         channel="agency_notice", field="criminal", commune_code="21583", branch_code="HQ",
                         gender="male", urgent=False)


async def test_status_shows_lag_backlog_dead_letters_and_a_service_down_and_exits_1(
        jetstream, nats_url, database_url, tmp_path, monkeypatch, db_backend):
    data_dir = tmp_path / "var"
    environment(monkeypatch, data_dir, nats_url)
    reporting_port, assignment_port = free_port(), free_port()
    monkeypatch.setenv("TGPL_REPORTING_HTTP_PORT", str(reporting_port))
    monkeypatch.setenv("TGPL_ASSIGNMENT_HTTP_PORT", str(assignment_port))  # nobody listens: assignment is down
    if db_backend == "postgresql":  # SQLite: each service's file under the data dir, as `make run` has it
        monkeypatch.setenv("TGPL_REPORTING_DATABASE_URL", await database_url("reporting"))
        monkeypatch.setenv("TGPL_ASSIGNMENT_DATABASE_URL", await database_url("assignment"))

    # Assignment ran before (its database, its durable consumer) and stopped with two events unpublished.
    assignment_settings = AssignmentSettings()
    engine = create_engine(assignment_settings.resolved_database_url())
    try:
        await upgrade_to_head(engine, ASSIGNMENT_MIGRATIONS)
        async with engine.begin() as conn:
            await conn.execute(sa.insert(assignment_tables.messaging.outbox), [
                dict(msg_id=f"stuck-{uuid.uuid4().hex}", subject=subjects.subject_of(ev.CaseAssigned), payload="{}",
                     headers={}, created_at=utcnow() - timedelta(minutes=minutes)) for minutes in (10, 2)])
    finally:
        await engine.dispose()
    group = ConsumerGroup(None, assignment_tables.messaging, None, max_deliver=5, retry_delays_s=[1.0], ack_wait_s=30,
                          fetch_batch=50)
    await jetstream.add_consumer(subjects.INTAKE_STREAM.name, group.consumer_config(ASSIGNMENT_INTAKE_EVENTS))

    reporting = build_reporting(ReportingSettings(schedule_s=0))
    server, task = await serve_over_http(reporting.asgi(reporting_web(reporting.uow)), reporting_port)
    try:
        healthy, healthy_out = await status("--json", "--service", "reporting")

        for _ in range(3):
            event = case_opened()
            await harness.publish(jetstream, subjects.subject_of(ev.CaseOpened), event.model_dump_json().encode(),
                                  event.event_id)
        poison = json.loads(case_opened().model_dump_json())
        poison["field"] = "astrology"
        await harness.publish(jetstream, subjects.subject_of(ev.CaseOpened), poison, "poison-status")

        async def reporting_caught_up() -> bool:
            info = await jetstream.consumer_info("TGPL_INTAKE", "reporting-intake-events-v2")
            return info.num_pending == 0 and info.num_ack_pending == 0 and reporting.consumers.stats.dead_lettered == 1

        await harness.eventually(reporting_caught_up)
        code, out = await status("--json", "--service", "reporting", "assignment", "--max-lag", "2")
        text_code, text = await status("--service", "reporting", "assignment", "--max-lag", "2")
    finally:
        server.should_exit = True
        await task

    assert healthy == 0, healthy_out
    assert json.loads(healthy_out)["problems"] == []

    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False and report["nats"]["ok"] is True
    streams = {s["stream"]: s for s in report["nats"]["streams"]}
    assert set(streams) == {s.name for s in subjects.STREAMS} and not any(s["missing"] for s in streams.values())
    assert streams["TGPL_INTAKE"]["messages"] == 4 and streams["TGPL_INTAKE"]["last_seq"] == 4
    consumers = {c["consumer"]: c for c in report["nats"]["consumers"]}
    lagging = consumers["assignment-intake-events-v1"]
    assert (lagging["stream"], lagging["service"], lagging["pending"], lagging["lag"]) == (
        "TGPL_INTAKE", "assignment", 4, 4)
    assert consumers["reporting-intake-events-v2"]["lag"] == 0
    assert consumers["reporting-intake-events-v2"]["service"] == "reporting"

    assert list(report["services"]) == ["reporting", "assignment"]
    rep, asg = report["services"]["reporting"], report["services"]["assignment"]
    assert rep["error"] is None and rep["health"]["ok"] is True and rep["health"]["status"] == 200
    assert rep["dead_letters"] == 1 and rep["dead_letters_by_consumer"] == {"reporting-intake-events-v2": 1}
    assert rep["outbox_backlog"] == 0 and rep["outbox_oldest_age_s"] is None
    assert asg["error"] is None and asg["outbox_backlog"] == 2 and 600 <= asg["outbox_oldest_age_s"] < 700
    assert asg["dead_letters"] == 0
    assert asg["health"]["ok"] is False and asg["health"]["status"] is None and asg["health"]["error"]

    # In the order an operator looks: service by service, then the consumers' lag.
    problems = report["problems"]
    assert len(problems) == 4, problems
    assert problems[0] == ("reporting: 1 dead letter(s) waiting (reporting-intake-events-v2 1); "
                           "see `tgpl dead-letters list --service reporting`")
    assert problems[1].startswith(f"assignment: http://127.0.0.1:{assignment_port}/healthz does not answer (")
    assert problems[2].startswith("assignment: 2 outbox row(s) unpublished, the oldest for 6")
    assert problems[2].endswith("s (limit 60 s): is the service running and the broker reachable?")
    assert problems[3] == "assignment-intake-events-v1 on TGPL_INTAKE: 4 messages unfinished (limit 2)"

    # The same for a terminal: tables, then the problems.
    assert text_code == 1
    lines = text.splitlines()
    assert any(line.split()[:6] == ["STREAM", "MESSAGES", "BYTES", "FIRST", "SEQ", "LAST"] for line in lines)
    assert any(line.split()[:4] == ["assignment-intake-events-v1", "TGPL_INTAKE", "assignment", "4"] for line in lines)
    assert any(line.split()[:3] == ["reporting", "ok", "ok"] and line.split()[-1] == "1" for line in lines)
    assert any(line.split()[:4] == ["assignment", "down", "ok", "2"] and line.split()[5] == "0" for line in lines)
    assert "Problems:" in lines
    assert "  - assignment-intake-events-v1 on TGPL_INTAKE: 4 messages unfinished (limit 2)" in lines


async def test_status_without_a_broker_still_reads_the_databases_and_creates_none(tmp_path, monkeypatch):
    data_dir = tmp_path / "var"
    environment(monkeypatch, data_dir, f"nats://127.0.0.1:{free_port()}")
    engine = create_engine(AssignmentSettings().resolved_database_url())
    try:
        await upgrade_to_head(engine, ASSIGNMENT_MIGRATIONS)
    finally:
        await engine.dispose()

    code, out = await status("--json", "--no-health", "--service", "assignment", "evaluation", "--timeout", "1")

    assert code == 1
    report = json.loads(out)
    assert report["nats"]["ok"] is False and report["nats"]["streams"] == []
    assert report["services"]["assignment"]["error"] is None and report["services"]["assignment"]["outbox_backlog"] == 0
    assert report["services"]["assignment"]["health"] is None
    missing = data_dir.resolve() / "evaluation.db"
    assert report["services"]["evaluation"]["error"].startswith(f"no database at {missing}")
    assert not (data_dir / "evaluation.db").exists()
    assert report["problems"][0].startswith("NATS at nats://127.0.0.1:") and "does not answer" in report["problems"][0]
    assert report["problems"][1].startswith("evaluation: database: no database at")
    assert len(report["problems"]) == 2

"""Two assignment processes at once on one database and one nats-server: no case is assigned
twice and no officer runs ahead of a target because of a race (issue 4).

Both processes are real OS processes (`python -m services.assignment`, with a thin observer that
prints the id of every message the process handled), sharing the durable consumer, so both pull
from it and their decisions interleave.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import random
import signal
import subprocess
import sys
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from deploy.local.nats_server import free_port
from services.assignment.adapters import tables as t
from services.assignment.adapters.records import officer_from_record
from services.assignment.domain.policy import CaseToAssign, Standing, decide
from services.assignment.domain.quota import yearly_target
from services.assignment.domain.rules import LOCAL_TZ, load_rules
from services.runtime.database import create_engine
from services.runtime.unit_of_work import utcnow
from shared import events as ev
from shared import subjects
from tests import harness

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
RULES = load_rules()
CASES = 150
#: Targets 13, 10 and 6 a year (5008/BTP-TGPL bands), so loads and weights decide, not the order.
ROSTER = [
    {"officer_id": "P-1", "full_name": "Nguyễn Văn Một", "branch_code": "CN-PC", "leader_role": None,
     "fields": ["criminal", "land", "marriage_family"], "appointed_on": "2010-03-01", "active": True},
    {"officer_id": "P-2", "full_name": "Trần Thị Hai", "branch_code": "CN-PC", "leader_role": None,
     "fields": ["criminal", "land", "marriage_family"], "appointed_on": "2022-06-01", "active": True},
    {"officer_id": "P-3", "full_name": "Lê Văn Ba", "branch_code": "CN-PC", "leader_role": None,
     "fields": ["criminal", "land", "marriage_family"], "appointed_on": "2025-02-01", "active": True},
]
#: Weights 1.0, 1.2 and 0.8 (rules v1).
FIELDS = ("criminal", "land", "marriage_family")

# The service's own entry point, run as `-m` runs it, with an observer that prints each message the
# process handled (claimed and committed, alone or in a batch), so the test can tell which process did what.
CHILD = """
import runpy
from services.runtime import consumers

_handled = consumers.ConsumerGroup._handled

def _observed(self, spec, keys):
    for key in keys:
        print("tgpl-test handled", key, flush=True)
    _handled(self, spec, keys)

consumers.ConsumerGroup._handled = _observed
runpy.run_module("services.assignment", run_name="__main__", alter_sys=True)
"""


def _die_with_parent() -> None:
    """In the child: SIGTERM when pytest dies, even by kill -9, so no instance outlives the test."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Instance:
    name: str
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def handled(self) -> list[str]:
        """Ids of the messages this process handled, in order."""
        return [line.split()[-1] for line in self.output().splitlines() if line.startswith("tgpl-test handled")]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # uvicorn stops the service's lifespan on SIGTERM
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def write_reference(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "center.json").write_text((harness.DEMO_DATA / "center.json").read_text(encoding="utf-8"),
                                           encoding="utf-8")
    (directory / "officers.json").write_text(json.dumps({"officers": ROSTER}, ensure_ascii=False), encoding="utf-8")
    return directory


async def _healthy(instance: Instance) -> bool:
    if instance.process.poll() is not None:
        raise AssertionError(f"{instance.name} exited with {instance.process.returncode}:\n{instance.output()}")
    try:
        async with httpx.AsyncClient() as client:
            return (await client.get(f"{instance.url}/healthz", timeout=1)).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
async def instances(jetstream, nats_url, database_url, tmp_path):
    """Start service instances on one database; every one is stopped at teardown, pass or fail."""
    db_url = await database_url("assignment")
    reference = write_reference(tmp_path / "reference")
    started: list[Instance] = []

    async def start(name: str) -> Instance:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TGPL_")}
        env |= {"TGPL_NATS_URL": nats_url, "TGPL_DATA_DIR": str(tmp_path / name), "TGPL_REFERENCE_DIR": str(reference),
                "TGPL_ASSIGNMENT_DATABASE_URL": db_url, "TGPL_ASSIGNMENT_HTTP_PORT": str(port),
                # Small fetches make the two processes take turns on the shared durable consumer.
                "TGPL_ASSIGNMENT_FETCH_BATCH": "3", "TGPL_ASSIGNMENT_RETRY_DELAYS_S": "[0.2]",
                "TGPL_ASSIGNMENT_RELAY_POLL_S": "0.1", "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)}
        log = tmp_path / f"{name}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen([sys.executable, "-c", CHILD], cwd=REPO, env=env, stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent)
        instance = Instance(name, process, port, log)
        started.append(instance)
        await harness.eventually(lambda: _healthy(instance), timeout=30, interval=0.2)
        return instance

    try:
        yield start, db_url
    finally:
        for instance in started:
            instance.stop()


def case_opened(field: str) -> ev.CaseOpened:
    return ev.CaseOpened(producer="test", case_id=str(uuid.uuid4()),
                         register_no=f"{uuid.uuid4().int % 99999:05d}/2026/TL", channel="walk_in", field=field,
                         commune_code=None, branch_code="CN-PC", gender="female")


async def publish(js, event: ev.CaseOpened, msg_id: str):
    return await js.publish(subjects.subject_of(ev.CaseOpened), event.model_dump_json().encode(),
                            headers={"Nats-Msg-Id": msg_id})


async def _settled(js, instance: Instance, expected: int) -> bool:
    """Every message handled and acknowledged, the outbox empty and every decision published."""
    consumer = await js.consumer_info(subjects.INTAKE_STREAM.name, "assignment-intake-events-v1")
    async with httpx.AsyncClient() as client:
        health = (await client.get(f"{instance.url}/healthz", timeout=2)).json()
    assigned = await js.stream_info(subjects.ASSIGNMENT_STREAM.name)
    return (consumer.num_pending == 0 and consumer.num_ack_pending == 0 and health["outbox_backlog"] == 0
            and assigned.state.messages >= expected)


async def test_two_processes_never_assign_a_case_twice_nor_overshoot(instances, jetstream, db_backend):
    start, db_url = instances
    # Started one after the other (each migrates the database and seeds the roster at start; starting
    # both at the same instant is the next test), then both run at once.
    first = await start("instance-1")
    second = await start("instance-2")

    rng = random.Random(4)
    opened = [case_opened(rng.choice(FIELDS)) for _ in range(CASES)]
    duplicates = 0
    copies: list[str] = []
    for index, event in enumerate(opened):
        ack = await publish(jetstream, event, event.event_id)
        assert not ack.duplicate
        if index % 30 == 0:
            # The same message again: JetStream's duplicate window drops it.
            duplicates += (await publish(jetstream, event, event.event_id)).duplicate
        if index % 30 == 10:
            # The same event under another message id (a second relay): it reaches the service.
            copies.append(f"{event.event_id}:again")
            await publish(jetstream, event, copies[-1])
        if index % 15 == 5:
            # The same case opened again by another event (intake re-sent it): it reaches the service.
            again = ev.CaseOpened(**(event.model_dump() | {"event_id": str(uuid.uuid4()), "correlation_id": ""}))
            copies.append(again.event_id)
            await publish(jetstream, again, again.event_id)
    assert duplicates == CASES // 30

    await harness.eventually(lambda: _settled(jetstream, first, CASES + len(ROSTER)), timeout=40, interval=0.3)
    await asyncio.sleep(0.5)  # a late, wrong second decision would show up here

    # Exactly one decision per case, all of kind "initial": in the stream ...
    assigned = await harness.events_of(jetstream, subjects.ASSIGNMENT_STREAM.name, "assignment.case_assigned")
    per_case = Counter(a["case_id"] for a in assigned)
    assert set(per_case) == {e.case_id for e in opened}
    assert [c for c, n in per_case.items() if n != 1] == []
    assert {a["kind"] for a in assigned} == {"initial"}
    assert await harness.events_of(jetstream, subjects.ASSIGNMENT_STREAM.name,
                                   "assignment.case_assignment_failed") == []

    # ... and in the database.
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            cases = {r.case_id: r for r in (await conn.execute(sa.select(t.cases))).all()}
            history = (await conn.execute(sa.select(t.history).order_by(t.history.c.id))).all()
    finally:
        await engine.dispose()
    assert len(cases) == CASES and len(history) == CASES
    assert Counter(h.case_id for h in history) == Counter({e.case_id: 1 for e in opened})
    assert {h.kind for h in history} == {"initial"}
    published = {a["case_id"]: a["officer_id"] for a in assigned}
    assert {c: r.officer_id for c, r in cases.items()} == published

    # Every decision is the one the pure policy makes, run alone, in the order the decisions were
    # taken (the history id: rows are written under the decision lock, so ids follow that order).
    # A race, two instances deciding on the same loads, would show up as a decision the sequential
    # policy does not make. (Publish order is not that order: each process works through the
    # messages it fetched, and with weights 0.8 / 1 / 1.2 the order changes who gets what.)
    officers = [officer_from_record(o) for o in ROSTER]
    year = utcnow().astimezone(LOCAL_TZ).year
    targets = {o.officer_id: yearly_target(o, year, RULES).value for o in officers}
    assert targets == {"P-1": 13.0, "P-2": 10.0, "P-3": 6.0}
    loads: dict[str, float] = {}
    for step, row in enumerate(history):
        case = cases[row.case_id]
        expected = decide(CaseToAssign(case.case_id, case.field, case.branch_code, case.urgent, case.weight),
                          officers, Standing(dict(loads), targets, group_balance=RULES.group_balance),
                          at=case.opened_at.astimezone(LOCAL_TZ), head_office="HQ")
        assert expected.officer.officer_id == row.officer_id, (step, loads)
        loads[row.officer_id] = loads.get(row.officer_id, 0.0) + case.weight
    assert sum(loads.values()) == pytest.approx(sum(RULES.weight(f, None) for f in (e.field for e in opened)))

    # And the balance sequential decisions guarantee, whatever the order. When officer i took their
    # last case (weight w), their score was (L_i' + w) / t_i = L_i / t_i (L_i their final load, since
    # nothing came after), and it was at most (L_j' + w) / t_j for every other officer j, whose load
    # L_j' then was at most their final L_j. So at the end
    #     L_i / t_i - L_j / t_j <= w / t_j <= w_max / t_j     for every pair i, j
    # (all three are non-leaders, so the group term is the same for each and cancels out). An
    # instance that decided on a stale load could hand an officer cases beyond this.
    w_max = max(RULES.weight(f, None) for f in FIELDS)
    for i in targets:
        for j in targets:
            assert loads.get(i, 0) / targets[i] - loads.get(j, 0) / targets[j] <= w_max / targets[j] + 1e-9, loads

    # Both processes took part, each message was handled by one of them once, and every message
    # that reached the service (the originals and the copies) was handled.
    handled = {first.name: first.handled(), second.name: second.handled()}
    originals = {e.event_id for e in opened}
    for name, ids in handled.items():
        assert originals & set(ids), f"{name} handled no case:\n{first.output()}\n{second.output()}"
    together = handled[first.name] + handled[second.name]
    assert len(together) == len(set(together))
    assert set(together) == originals | set(copies)
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{second.url}/api/dead-letters")).json() == []
    assert first.process.poll() is None and second.process.poll() is None


async def test_two_processes_can_start_at_the_same_instant(instances, jetstream, db_backend):
    # Two instances started together (a deployment scaled to two, both restarted by the host) each
    # migrate the database and seed the roster at start; neither may fail for the other.
    start, db_url = instances
    started = await asyncio.gather(start("instance-1"), start("instance-2"), return_exceptions=True)
    for outcome in started:
        if isinstance(outcome, BaseException):
            raise outcome
    first, second = started
    async with httpx.AsyncClient() as client:
        for instance in (first, second):
            officers = (await client.get(f"{instance.url}/api/officers")).json()
            assert sorted(o["officer_id"] for o in officers) == ["P-1", "P-2", "P-3"]
            assert {o["version"] for o in officers} == {1}

    async def registered():
        found = await harness.events_of(jetstream, subjects.ASSIGNMENT_STREAM.name, "assignment.officer_registered")
        return found if len(found) >= len(ROSTER) else None

    await harness.eventually(registered)
    await asyncio.sleep(0.5)
    assert sorted(e["officer_id"] for e in await registered()) == ["P-1", "P-2", "P-3"]

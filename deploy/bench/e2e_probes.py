"""What `deploy.bench.e2e` measures the running system with from the outside: the broker's own
limit (raw pull-consume with acks), the consumers' backlogs, the counts (every notice once),
notice → case-assigned latency seen by a core NATS subscriber, peak memory of processes, and
py-spy profiles of services."""

from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from nats.aio.client import Client as NatsClient
from nats.errors import TimeoutError as FetchTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from deploy.bench.reporting_io import Progress
from deploy.chaos.__main__ import Sender, System
from deploy.demo.simulate import GeneratedMessage
from shared import events as ev
from shared.subjects import StreamSpec, subject_of

ROOT = f"{Path(__file__).resolve().parents[2]}/"

# --- the limit: raw pull-consume with acks -------------------------------------------------------


@dataclass
class ConsumeStats:
    messages: int = 0
    seconds: float = 0.0
    batch: int = 0

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


async def consume_all(nc: NatsClient, spec: StreamSpec, subject: str, total: int, *, batch: int,
                      progress: Progress | None = None) -> ConsumeStats:
    """Pull-consume `total` messages of `subject` from the stream's start with an ephemeral consumer,
    acknowledging each as the services do (`msg.ack()`), doing nothing else with them; done when the
    server holds every ack (acks are fire-and-forget, so reading alone would stop the clock early)."""
    js = nc.jetstream()
    config = ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL, filter_subject=subject,
                            max_ack_pending=max(1000, batch * 4), inactive_threshold=120.0)
    sub = await js.pull_subscribe(subject, stream=spec.name, config=config)
    stats = ConsumeStats(batch=batch)
    started = time.perf_counter()
    try:
        while stats.messages < total:
            try:
                messages = await sub.fetch(min(batch, total - stats.messages), timeout=5.0)
            except (asyncio.TimeoutError, FetchTimeoutError):
                break  # nothing more within 5 s: the stream holds fewer than `total`
            for message in messages:
                await message.ack()
            stats.messages += len(messages)
            if progress:
                progress(stats.messages, total)
        await nc.flush()
        while (await sub.consumer_info()).num_ack_pending:
            await asyncio.sleep(0.005)
        stats.seconds = time.perf_counter() - started
    finally:
        await sub.unsubscribe()
    return stats


async def backlogs(nc: NatsClient) -> dict[str, int]:
    """Messages each durable consumer has not yet acknowledged (pending + unacknowledged): where the
    pipeline queues."""
    js = nc.jetstream()
    found = {}
    for stream in await js.streams_info():
        for consumer in await js.consumers_info(stream.config.name):
            if consumer.config.durable_name:
                found[consumer.config.durable_name] = consumer.num_pending + consumer.num_ack_pending
    return found


def drained_at(series: list[list]) -> dict[str, float | None]:
    """For each consumer of a [[seconds, {durable: backlog}], ...] series, the time its backlog last
    became 0 (None when it never did): the latest one is the stage the end-to-end clock waited for."""
    drained: dict[str, float | None] = {}
    for seconds, backlog in series:
        for durable, left in backlog.items():
            if left:
                drained[durable] = None
            elif drained.get(durable) is None:
                drained[durable] = seconds
    return drained


# --- the outside checks -------------------------------------------------------------------------


async def figures(system: System, baseline: dict) -> tuple[int, int, int] | None:
    """The report's notices received, cases opened and cases assigned since `baseline`."""
    totals = await system.totals()
    if totals is None:
        return None
    return tuple(totals[k] - baseline[k] for k in ("notices_received", "cases_opened", "cases_assigned"))


async def settle(system: System, timeout_s: float) -> bool:
    """Wait until no durable consumer has anything pending (evaluation and reporting finish the
    events the clock did not wait for), so the checks see the final state."""
    began = time.perf_counter()
    while time.perf_counter() - began < timeout_s:
        if await system.pending() == 0:
            return True
        await asyncio.sleep(0.5)
    return False


async def counted_once(system: System, tag: str, expected: int, baseline: dict) -> dict:
    """From the outside: the report's counts, intake's cases per notice, assignment's initial decisions."""
    received, opened, assigned = await figures(system, baseline) or (0, 0, 0)
    per_notice, case_ids = await system.cases_of(tag)
    decisions = await system.initial_decisions(case_ids)
    lost = max(0, expected - received) + sum(1 for c in case_ids if c not in decisions)
    duplicated = (max(0, received - expected) + sum(n - 1 for n in per_notice.values() if n > 1)
                  + sum(n - 1 for n in decisions.values() if n > 1))
    problems = []
    if opened != len(case_ids):
        problems.append(f"the report counts {opened} cases opened, intake opened {len(case_ids)}")
    if assigned != len(case_ids):
        problems.append(f"the report counts {assigned} cases assigned of {len(case_ids)} opened")
    return {"expected": expected, "counted": received, "cases": len(case_ids), "report_opened": opened,
            "report_assigned": assigned, "assigned_once": sum(1 for c in case_ids if decisions.get(c) == 1),
            "lost": lost, "duplicated": duplicated, "problems": problems}


# --- latency: notice sent → case assigned ----------------------------------------------------------


class TimedSender(Sender):
    """The chaos agency sender, noting when each notice was first sent."""

    def __init__(self, url: str, rate: float, in_flight: int = 64) -> None:
        super().__init__(url, rate, in_flight)
        self.sent_at: dict[str, float] = {}

    async def _publish(self, js, message: GeneratedMessage) -> None:
        if message.notice_key is not None:
            self.sent_at.setdefault(message.notice_key, time.perf_counter())
        await super()._publish(js, message)


class AssignmentWatch:
    """A core NATS subscriber to intake's CaseOpened and assignment's CaseAssigned: which case each
    notice opened, and when (perf_counter, in this process) each case's CaseOpened and first
    assignment arrived (the two hops of the latency)."""

    def __init__(self) -> None:
        self.case_of: dict[str, str] = {}  # notice key -> case id
        self.opened_at: dict[str, float] = {}  # case id -> arrival of its CaseOpened
        self.assigned_at: dict[str, float] = {}  # case id -> arrival of its initial CaseAssigned
        self.unreadable = 0
        self._subs: list = []

    async def start(self, nc: NatsClient) -> None:
        self._subs = [await nc.subscribe(subject_of(ev.CaseOpened), cb=self._opened),
                      await nc.subscribe(subject_of(ev.CaseAssigned), cb=self._assigned)]
        await nc.flush()

    async def stop(self) -> None:
        for sub in self._subs:
            await sub.unsubscribe()

    async def _opened(self, msg) -> None:
        arrived = time.perf_counter()
        try:
            body = json.loads(msg.data)
            if body.get("notice_key"):
                self.case_of.setdefault(body["notice_key"], body["case_id"])
                self.opened_at.setdefault(body["case_id"], arrived)
        except (ValueError, KeyError, TypeError):
            self.unreadable += 1

    async def _assigned(self, msg) -> None:
        arrived = time.perf_counter()
        try:
            body = json.loads(msg.data)
            if body.get("kind", "initial") == "initial":
                self.assigned_at.setdefault(body["case_id"], arrived)
        except (ValueError, KeyError, TypeError):
            self.unreadable += 1


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (share in 0..1) of the values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(round(len(ordered) * share, 9)))  # rounded: 0.95 * 100 is 95.00000000000001
    return ordered[rank - 1]


# --- memory -----------------------------------------------------------------------------------------


def memory_of(pid: int) -> dict | None:
    """Peak (VmHWM) and current (VmRSS) resident memory of a process in MB, or None once it is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    found = {}
    for line in lines:
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            found[key] = round(int(value.split()[0]) * 1024 / 1e6, 1)
    return {"peak_mb": found.get("VmHWM"), "rss_mb": found.get("VmRSS")}


def cpu_seconds_of(pid: int) -> float | None:
    """User + system CPU time a process has used so far, in seconds, or None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command's closing parenthesis: state is field 3, utime field 14, stime field 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- profiles ---------------------------------------------------------------------------------------


def py_spy() -> str | None:
    """The py-spy of this virtualenv, or one on the PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


@dataclass
class Profiler:
    """py-spy recording one process into a collapsed-stack file (speedscope.app and flamegraph.pl read
    it) until stopped; the process is paused for each sample, so profiled runs are a little slower."""

    pid: int
    out: Path
    rate: int = 100
    process: subprocess.Popen | None = None
    log: Path | None = None
    errors: list[str] = field(default_factory=list)

    def start(self) -> None:
        executable = py_spy()
        if executable is None:
            raise RuntimeError("py-spy is not installed here: pip install -e '.[bench]'")
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.log = self.out.with_suffix(".log")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen([executable, "record", "--pid", str(self.pid), "--format", "raw",
                                             "--rate", str(self.rate), "--output", str(self.out)],
                                            stdout=log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def hot_spots(collapsed: Path, top: int = 12) -> dict:
    """The frames where a collapsed-stack profile spends its samples: by self time (lines), and by
    inclusive time among tgpl's own functions (services/, shared/), each as a share of all samples."""
    own, inclusive = Counter(), Counter()
    total = 0
    for line in collapsed.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = stack.split(";")
        own[_short(frames[-1])] += samples
        for frame in {_short(f).rpartition(":")[0] + ")" for f in frames if _tgpl(_short(f))}:
            inclusive[frame] += samples

    def shares(counter: Counter) -> list[list]:
        return [[frame, round(n / total, 3)] for frame, n in counter.most_common(top)] if total else []

    return {"samples": total, "self": shares(own), "inclusive_tgpl": shares(inclusive)}


def _tgpl(frame: str) -> bool:
    return frame.partition(" (")[2].startswith(("services/", "shared/"))


def _short(frame: str) -> str:
    """`function (path/to/site-packages/pkg/mod.py:12)` -> `function (pkg/mod.py:12)`."""
    name, _, where = frame.partition(" (")
    for marker in ("site-packages/", ROOT, "lib/python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where}" if where else name

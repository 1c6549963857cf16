"""Benchmark: the staff case register at 1,000,000 cases, and intake's memory there (issue 8).

`python -m deploy.bench.register_page [--cases 1000000] [--requests 20] [--seed 1] [--database-url URL]
[--workdir DIR [--reuse]] [--json var/bench/register.json] [--markdown] [--quiet]`:

1. Fill. A fresh intake database (SQLite in the work directory, or one of its own on the PostgreSQL
   server of `--database-url`), migrated, with `--cases` cases of the demo center over six years as
   intake writes them (deploy/bench/register_data.py: channels, notices, names, branches, fields,
   officers, statuses), drawn in a second process while this one writes.
2. Queries. `list_cases` in this process for the common filters, `--requests` times each after an
   untimed one: p50 / p95. Names and numbers searched are those of cases in the register.
3. Pages. intake as its own process on that database (deploy/bench/register_http.py: a private
   nats-server, the demo's staff accounts with generated passwords), a clerk and an officer logged in
   through the login form; the register page (/cases) and its JSON API (/api/cases) with the same
   filters, `--requests` GETs each after an untimed one, as the client saw them.
4. Memory. intake's peak (VmHWM) and current (VmRSS) resident memory after every request.

The target (issue 8) is a filtered page in ≤ 100 ms at 1,000,000 cases, judged on the page's p95 as
staff get it; and ≤ 200 MB RSS per service. A benchmark, never a timed test
(tests/e2e/test_bench_register.py runs it tiny and checks only that it runs and counts).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from deploy.bench.e2e_probes import percentile
from deploy.bench.register_data import Spec, fill
from deploy.bench.register_http import IntakeProcess, timed_gets
from deploy.bench.reporting import render_table
from deploy.bench.reporting_io import Databases, bench_workdir, machine, print_and_save
from services.intake.adapters import tables as t
from services.intake.adapters.register_queries import list_cases
from services.intake.bootstrap import MIGRATIONS
from services.intake.domain.matching import normalise_name
from services.runtime.database import create_engine
from services.runtime.migrate import upgrade_to_head

PAGE_TARGET_MS = 100.0  # p95 of a filtered page at 1,000,000 cases
RSS_TARGET_MB = 200.0  # per service, after 1,000,000 cases
PAGE_SIZE = 50  # intake's default TGPL_INTAKE_PAGE_SIZE
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
CLERK, OFFICER, OFFICER_ID = "tiepnhan", "trogiupvien", "TGV-004"  # deploy/demo/data/users.json


@dataclass
class Options:
    cases: int = 1_000_000
    requests: int = 20
    seed: int = 1
    database_url: str | None = None
    reuse: bool = False


@dataclass(frozen=True)
class Filter:
    label: str
    params: dict  # as the page's form sends them
    user: str = CLERK


async def vacuum(engine) -> None:
    """On PostgreSQL, what autovacuum does soon after a bulk load: statistics for the planner, and the
    visibility map that lets an index answer a count without reading the table."""
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(sa.text("VACUUM ANALYZE"))


async def _sample(engine, cases: int) -> dict:
    """A case of about a year ago (its name and number are searched), and one the demo officer performs."""
    c, p = t.cases, t.case_performers
    async with engine.connect() as conn:
        name, number, opened = (await conn.execute(
            sa.select(c.c.full_name, c.c.register_no, c.c.opened_at).order_by(c.c.opened_at.desc())
            .limit(1).offset(max(0, cases // 6)))).one()
        performed = (await conn.execute(
            sa.select(c.c.full_name).select_from(c.join(p, p.c.case_id == c.c.case_id))
            .where(p.c.officer_id == OFFICER_ID).order_by(c.c.opened_at.desc()).limit(1)
            .offset(max(0, cases // 600)))).scalar_one_or_none()
    return {"name": name, "number": number, "opened": opened, "performed": performed or name}


def filters(sample: dict) -> list[Filter]:
    """The common filters of the register, with values from the register itself."""
    month = sample["opened"].astimezone(ZONE).date().replace(day=1)
    last = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return [
        Filter("first page", {}),
        Filter("deep page (page 500)", {"page": 500}),
        Filter("status + branch (assigned, CN-AN)", {"status": "assigned", "branch": "CN-AN"}),
        Filter("field (land)", {"field": "land"}),
        Filter("officer (TGV-022)", {"officer": "TGV-022"}),
        Filter(f"opening dates ({month:%m/%Y})", {"opened_from": month.isoformat(), "opened_to": last.isoformat()}),
        Filter("status + field + dates", {"status": "closed", "field": "criminal", "opened_from": month.isoformat(),
                                          "opened_to": last.isoformat()}),
        Filter(f"name with diacritics ({sample['name']})", {"q": sample["name"]}),
        Filter("name without diacritics", {"q": normalise_name(sample["name"])}),
        Filter("given name only", {"q": normalise_name(sample["name"]).split()[-1]}),
        Filter("name + status (closed)", {"q": normalise_name(sample["name"]).split()[-1], "status": "closed"}),
        Filter(f"register number ({sample['number']})", {"q": sample["number"]}),
        Filter(f"officer's first page ({OFFICER})", {}, OFFICER),
        Filter(f"officer's name search ({OFFICER})", {"q": sample["performed"]}, OFFICER),
    ]


def list_args(f: Filter) -> dict:
    """The arguments the register page gives list_cases for these filters."""
    p = f.params
    since, until = (date.fromisoformat(p[k]) if p.get(k) else None for k in ("opened_from", "opened_to"))
    return {"status": p.get("status"), "branch": p.get("branch"), "page": p.get("page", 1), "size": PAGE_SIZE,
            "search": p.get("q"), "field": p.get("field"), "officer": p.get("officer"),
            "every_name": f.user != OFFICER, "names_of_officer": OFFICER_ID if f.user == OFFICER else None,
            "opened_since": datetime.combine(since, datetime.min.time(), ZONE) if since else None,
            "opened_before": datetime.combine(until + timedelta(days=1), datetime.min.time(), ZONE) if until else None}


async def time_queries(engine, chosen: list[Filter], runs: int) -> list[dict]:
    """list_cases for each filter, in this process: p50 / p95 of `runs` after an untimed one."""
    out = []
    for f in chosen:
        page = await list_cases(engine, **list_args(f))
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            await list_cases(engine, **list_args(f))
            times.append((time.perf_counter() - began) * 1000)
        out.append({"p50_ms": round(percentile(times, 0.5), 1), "p95_ms": round(percentile(times, 0.95), 1),
                    "total": page.total, "total_exact": page.exact, "rows": len(page.rows)})
    return out


async def run(options: Options, workdir: Path, *, progress: bool = False, log=print) -> dict:
    """Fill (or reuse) the database, time the queries and the pages, read intake's memory."""
    started = time.perf_counter()
    databases = Databases(workdir, options.database_url)
    result: dict = {"options": {k: v for k, v in asdict(options).items() if k != "database_url"},
                    "database": databases.backend, "machine": machine(), "problems": []}
    kept = workdir / "intake.db"
    reuse = options.reuse and databases.backend == "sqlite" and kept.exists()
    url = f"sqlite+aiosqlite:///{kept}" if reuse else await databases.create("intake")
    engine = create_engine(url, sqlite_synchronous="OFF")  # the fill may lose everything on a crash: it is rebuilt
    try:
        if reuse:
            async with engine.connect() as conn:
                count = (await conn.execute(sa.select(sa.func.count()).select_from(t.cases))).scalar_one()
            result["fill"] = {"reused": str(kept), "cases": count}
            log(f"fill: reusing {kept} ({count:,} cases)")
        else:
            await upgrade_to_head(engine, MIGRATIONS)
            log(f"fill: {options.cases:,} cases into a fresh {databases.backend} database")
            bar = None
            if progress:
                from deploy.cli import progress_bar

                bar = progress_bar("fill")
            result["fill"] = await fill(engine, Spec(cases=options.cases, until=datetime.now(timezone.utc),
                                                     seed=options.seed), bar)
            if progress and sys.stderr.isatty():
                print(file=sys.stderr)
            await vacuum(engine)
        cases = result["fill"]["cases"]
        sample = await _sample(engine, cases)
        chosen = filters(sample)
        log(f"queries: list_cases, {len(chosen)} filters × {options.requests}")
        queries = await time_queries(engine, chosen, options.requests)
    finally:
        await engine.dispose()
    intake = IntakeProcess(workdir / "service", url)
    intake.workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        log("pages: starting intake on that database")
        result["intake_start_s"] = round(await intake.start(), 1)
        result["memory_at_start"] = intake.memory()
        clients = {CLERK: await intake.client(CLERK), OFFICER: await intake.client(OFFICER)}
        try:
            for f, query in zip(chosen, queries):
                client = clients[f.user]
                page = await timed_gets(client, "/cases", f.params, options.requests)
                api = await timed_gets(client, "/api/cases", {**f.params, "size": PAGE_SIZE}, options.requests)
                rows.append({"label": f.label, "user": f.user, "params": f.params, "query": query, "page": page,
                             "api": api})
                log(f"  {f.label}: page p95 {page['p95_ms']} ms, api p95 {api['p95_ms']} ms, "
                    f"query p95 {query['p95_ms']} ms ({query['total']:,}{'' if query['total_exact'] else '+'})")
        finally:
            for client in clients.values():
                await client.aclose()
        result["memory"] = intake.memory()
    finally:
        intake.stop()
        await databases.close()
    result["filters"] = rows
    for r in rows:
        if r["api"]["total"] != r["query"]["total"] or r["api"]["rows"] != r["query"]["rows"]:
            result["problems"].append(f"{r['label']}: the API listed {r['api']['total']} / {r['api']['rows']}, "
                                      f"list_cases {r['query']['total']} / {r['query']['rows']}")
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["machine"]["load_average_end"] = round(os.getloadavg()[0], 2)
    result["ok"] = not result["problems"]
    return result


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def table_rows(result: dict) -> list[list[str]]:
    """The table: what, figure, target, verdict."""
    fill = result["fill"]
    cases = fill["cases"]
    if "reused" in fill:
        out = [[f"fill: {cases:,} cases (reused {fill['reused']})", "", "", ""]]
    else:
        rows = fill["rows"]
        out = [[f"fill: {cases:,} cases, {rows.get('notices', 0):,} notices, "
                f"{rows.get('case_performers', 0):,} performers", f"{fill['seconds']:,.0f} s "
                f"({sum(rows.values()) / max(fill['seconds'], 1e-9):,.0f} rows/s)", "", ""]]
    for r in result["filters"]:
        q, page, api = r["query"], r["page"], r["api"]
        total = f"{q['total']:,}" if q["total_exact"] else f"more than {q['total']:,}"
        out.append([f"{r['label']}: {total} cases",
                    f"page p50 {page['p50_ms']:.0f} / p95 {page['p95_ms']:.0f} ms; API {api['p50_ms']:.0f} / "
                    f"{api['p95_ms']:.0f}; query {q['p50_ms']:.1f} / {q['p95_ms']:.1f}",
                    f"page p95 ≤ {PAGE_TARGET_MS:g} ms", _met(page["p95_ms"] <= PAGE_TARGET_MS)])
    memory = result.get("memory") or {}
    start = result.get("memory_at_start") or {}
    out.append([f"intake RSS after every request ({cases:,} cases; {start.get('rss_mb')} MB after start)",
                f"peak {memory.get('peak_mb')} MB, now {memory.get('rss_mb')} MB", f"≤ {RSS_TARGET_MB:g} MB",
                _met(bool(memory.get("peak_mb")) and memory["peak_mb"] <= RSS_TARGET_MB)])
    return out


def render(result: dict, markdown: bool) -> str:
    m = result["machine"]
    database = f"SQLite {m['sqlite']}" if result["database"] == "sqlite" else result["database"]
    title = (f"The case register at {result['fill']['cases']:,} cases: {database}, Python {m['python']}, "
             f"{m['cpus']} CPUs, {m['ram_gib']} GiB; seed {result['options']['seed']}")
    notes = [f"{result['seconds']:.0f} s in all; load average {m['load_average']} at the start, "
             f"{m['load_average_end']} at the end (other work on the machine counts).",
             f"Each figure: {result['options']['requests']} requests one after another after an untimed one; page = "
             "GET /cases (HTML, as staff get it), API = GET /api/cases, query = list_cases in the benchmark's "
             f"own process. intake started in {result.get('intake_start_s')} s; the clerk ({CLERK}) sees every "
             f"name, the officer ({OFFICER}) only those of the cases he performs or performed.",
             "Counts are exact up to 10,000 matching cases (1,000 in a name search); the register says "
             "\"Hơn 10.000 vụ việc\" beyond."]
    notes += [f"PROBLEM: {p}" for p in result["problems"]]
    bullet = "- " if markdown else "  "
    return "\n".join([title, "", render_table(["what", "figure", "target", "result"], table_rows(result), markdown),
                      "", *(bullet + n for n in notes)])


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per filter and per way")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL URL (postgresql+asyncpg://...): intake's database is made and dropped "
                             "on that server; default a SQLite file in the work directory")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary directory, removed after")
    parser.add_argument("--reuse", action="store_true",
                        help="with --workdir: use the SQLite database a previous run left there instead of filling")
    parser.add_argument("--json", type=Path, default=Path("var/bench/register.json"))
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.reuse and args.workdir is None:
        parser.error("--reuse needs --workdir")
    options = Options(cases=args.cases, requests=args.requests, seed=args.seed, database_url=args.database_url,
                      reuse=args.reuse)
    with bench_workdir(args.workdir, "tgpl-bench-register-") as workdir:
        result = asyncio.run(run(options, workdir, progress=not args.quiet,
                                 log=lambda line: print(line, file=sys.stderr, flush=True)))
    print_and_save(result, render(result, args.markdown), args.json)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

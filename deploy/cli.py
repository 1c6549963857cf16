"""`tgpl`: the operator's entry point."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import date, datetime
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

def _nats_url() -> str:
    if url := os.environ.get("TGPL_NATS_URL"):
        return url
    return f"nats://127.0.0.1:{os.environ.get('TGPL_NATS_PORT', '4222')}"


def _local_today() -> date:
    """Today in the center's time zone (report periods are local dates)."""
    return datetime.now(ZoneInfo(os.environ.get("TGPL_TIMEZONE", "Asia/Ho_Chi_Minh"))).date()


def cmd_up(args: argparse.Namespace) -> int:
    from deploy.local.supervisor import Layout, run_up

    return asyncio.run(run_up(Layout.from_env(demo=args.demo, demo_notices=args.demo_notices)))


def cmd_streams(args: argparse.Namespace) -> int:
    import nats

    from services.runtime.streams import ensure_streams

    async def run() -> None:
        nc = await nats.connect(args.nats_url)
        try:
            for line in await ensure_streams(nc.jetstream(), replicas=args.replicas):
                print(line)
        finally:
            await nc.close()

    asyncio.run(run())
    return 0


def cmd_contracts(args: argparse.Namespace) -> int:
    from deploy.contracts import export_contracts, stale_contracts

    out = Path(args.out)
    if args.check:
        stale = stale_contracts(out)
        for name in stale:
            print(f"stale or missing: {out / name}")
        if stale:
            print("run `tgpl contracts export` and commit the result")
        return 1 if stale else 0
    for path in export_contracts(out):
        print(f"wrote {path}")
    return 0


def progress_bar(label: str, out=None) -> Callable[[int, int], None]:
    """A one-line progress bar on a terminal (plain lines every 10 % otherwise); stderr by default."""
    out = out or sys.stderr
    started = time.perf_counter()
    last_tenth = [-1]

    def show(done: int, total: int) -> None:
        share = done / max(total, 1)
        rate = done / max(time.perf_counter() - started, 1e-9)
        if out.isatty():
            width = 40
            filled = int(width * share)
            print(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} ({rate:,.0f}/s)",
                  end="", file=out, flush=True)
        elif int(share * 10) != last_tenth[0]:
            last_tenth[0] = int(share * 10)
            print(f"{label}: {done:,}/{total:,} ({rate:,.0f}/s)", file=out, flush=True)

    return show


def cmd_rebuild(args: argparse.Namespace) -> int:
    from services.reporting.config import ReportingSettings
    from services.reporting.rebuild import rebuild_database

    settings = ReportingSettings(nats_url=args.nats_url)
    print(f"rebuilding reporting's read models from the streams on {settings.nats_url} into "
          f"{settings.resolved_database_url()}", file=sys.stderr)
    stats = asyncio.run(rebuild_database(settings, batch=args.batch, progress=progress_bar("rebuild")))
    print(file=sys.stderr)
    print(json.dumps({"messages": stats.messages, "events": stats.events, "rows": stats.rows,
                      "unreadable": stats.unreadable, "seconds": round(stats.seconds, 2),
                      "messages_per_second": round(stats.rate), "per_stream": stats.per_stream}, indent=2))
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from deploy.demo.simulate import simulate

    seed = args.seed if args.seed is not None else int(time.time())
    print(f"simulating {args.count} notices at {args.rate or 'max'}/s on {args.nats_url} (seed {seed})")

    progress = progress_bar("notices", out=sys.stdout)
    summary = asyncio.run(simulate(args.nats_url, rate=args.rate, count=args.count, seed=seed, progress=progress))
    print()
    print(json.dumps(summary.__dict__, indent=2))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    import nats

    from shared.subjects import REPORTS_REQUEST

    async def run() -> dict:
        nc = await nats.connect(args.nats_url)
        try:
            body = json.dumps({"period_start": args.start, "period_end": args.end}).encode()
            return json.loads((await nc.request(REPORTS_REQUEST, body, timeout=args.timeout)).data)
        finally:
            await nc.close()

    print(json.dumps(asyncio.run(run()), indent=2, ensure_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tgpl", description="tgpl: legal aid center system (operator commands)")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run the whole system on this machine (what `make run` calls)")
    up.add_argument("--demo", action="store_true", help="load the demo center, officers and agencies")
    up.add_argument("--demo-notices", type=int, default=60, help="with --demo: notices to send after start")
    up.set_defaults(func=cmd_up)

    streams = sub.add_parser("streams", help="declare the JetStream streams (idempotent)")
    streams.add_argument("action", choices=["ensure"])
    streams.add_argument("--nats-url", default=_nats_url())
    streams.add_argument("--replicas", type=int, default=None, help="replicas per stream (cluster)")
    streams.set_defaults(func=cmd_streams)

    contracts = sub.add_parser("contracts", help="JSON Schema and AsyncAPI documents of every message")
    contracts.add_argument("action", choices=["export"])
    contracts.add_argument("--out", default="docs/contracts")
    contracts.add_argument("--check", action="store_true", help="only report files that are stale")
    contracts.set_defaults(func=cmd_contracts)

    simulate = sub.add_parser("simulate", help="publish realistic agency notices")
    simulate.add_argument("--rate", type=float, default=20.0, help="notices per second (0: as fast as possible)")
    simulate.add_argument("--count", type=int, default=100)
    simulate.add_argument("--seed", type=int, default=None, help="replay a run (default: a fresh seed)")
    simulate.add_argument("--nats-url", default=_nats_url())
    simulate.set_defaults(func=cmd_simulate)

    rebuild = sub.add_parser("rebuild", help="rebuild a service's read models from the streams")
    rebuild.add_argument("service", choices=["reporting"])
    rebuild.add_argument("--batch", type=int, default=10_000, help="events per transaction")
    rebuild.add_argument("--nats-url", default=_nats_url())
    rebuild.set_defaults(func=cmd_rebuild)

    report = sub.add_parser("report", help="ask for an ad hoc report (EXTERNAL.md §2) and print it")
    today = _local_today()
    report.add_argument("--start", default=today.replace(day=1).isoformat(), help="default: first of this month")
    report.add_argument("--end", default=today.isoformat(), help="default: today (local time)")
    report.add_argument("--timeout", type=float, default=10.0)
    report.add_argument("--nats-url", default=_nats_url())
    report.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a tgpl command."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        print(f"tgpl: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

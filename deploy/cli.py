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

from deploy.cli_errors import CommandFailed, reported

def _nats_url() -> str:
    if url := os.environ.get("TGPL_NATS_URL"):
        return url
    return f"nats://127.0.0.1:{os.environ.get('TGPL_NATS_PORT', '4222')}"


#: The services whose databases `tgpl republish` reads, in the order it names them.
REPUBLISHED_SERVICES = ("intake", "assignment", "evaluation", "reporting")


def _local_today() -> date:
    """Today in the center's time zone (report periods are local dates)."""
    return datetime.now(ZoneInfo(os.environ.get("TGPL_TIMEZONE", "Asia/Ho_Chi_Minh"))).date()


def cmd_up(args: argparse.Namespace) -> int:
    from deploy.local.supervisor import Layout, run_up

    return asyncio.run(run_up(Layout.from_env(demo=args.demo, demo_notices=args.demo_notices)))


def cmd_streams(args: argparse.Namespace) -> int:
    import nats

    from services.runtime.streams import ensure_streams

    from deploy.local.credentials import cli_login, load_identities, nats_credentials_file
    from deploy.local.nats_identities import OPERATOR, PROVINCE, Identity, ensure_province_consumers

    if args.credentials:
        found = load_identities(Path(args.credentials))
    elif not os.environ.get("TGPL_NATS_URL"):  # the launcher's server: the identities it generated
        found = load_identities(nats_credentials_file(Path(os.environ.get("TGPL_DATA_DIR", "var")).resolve()))
    else:
        found = None
    login = found.find(OPERATOR).connect_options() if found else cli_login(OPERATOR)
    provinces = found.of_role(PROVINCE) if found else []
    if args.reference_dir:  # a deployment's operator has no credentials file: the province codes suffice
        from deploy.nats_config import reference_codes

        known = {identity.code for identity in provinces}
        provinces += [Identity(role=PROVINCE, code=code, password="")
                      for code in reference_codes(Path(args.reference_dir))[1] if code not in known]
    servers = [url.strip() for url in args.nats_url.split(",") if url.strip()]

    async def quiet(_exc: Exception) -> None:  # each failed attempt is reported once, below
        return None

    async def declare() -> list[str]:
        nc = await nats.connect(servers, connect_timeout=2, max_reconnect_attempts=2, error_cb=quiet, **login)
        try:
            return [*await ensure_streams(nc.jetstream(), replicas=args.replicas),
                    *await ensure_province_consumers(nc.jetstream(), provinces)]
        finally:
            await nc.close()

    async def run() -> list[str]:
        # A cluster that has just started answers only once it has elected its meta leader.
        deadline = time.monotonic() + args.wait
        while True:
            try:
                return await declare()
            except Exception as exc:
                if time.monotonic() >= deadline:
                    raise
                print(f"streams: not yet ({type(exc).__name__}: {exc}); trying again", file=sys.stderr)
                await asyncio.sleep(2.0)

    try:
        lines = asyncio.run(run())
    except Exception as exc:  # after --wait: say what failed, not a traceback
        print(f"tgpl streams: {type(exc).__name__}: {exc} ({args.nats_url})", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
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

    from deploy.local.credentials import cli_login
    from deploy.local.nats_identities import SERVICE

    login = cli_login(SERVICE, "reporting")  # the rebuild reads the streams as reporting does
    settings = ReportingSettings(nats_url=args.nats_url, **(
        {"nats_user": login["user"], "nats_password": login["password"]} if login else {}))
    print(f"rebuilding reporting's read models from the streams on {settings.nats_url} into "
          f"{settings.resolved_database_url()}", file=sys.stderr)
    stats = asyncio.run(rebuild_database(settings, batch=args.batch, progress=progress_bar("rebuild")))
    print(file=sys.stderr)
    print(json.dumps({"messages": stats.messages, "events": stats.events, "rows": stats.rows,
                      "unreadable": stats.unreadable, "seconds": round(stats.seconds, 2),
                      "messages_per_second": round(stats.rate), "per_stream": stats.per_stream}, indent=2))
    return 0


def cmd_republish(args: argparse.Namespace) -> int:
    from deploy.local.credentials import cli_login
    from deploy.local.nats_identities import OPERATOR
    from deploy.republish import DatabaseMissing, parse_moment, run, summary_document
    from services.runtime.republish import RetentionTooShort, StreamMissing

    tz = ZoneInfo(os.environ.get("TGPL_TIMEZONE", "Asia/Ho_Chi_Minh"))
    now = datetime.now(tz)
    try:
        since = parse_moment(args.since, tz, now)
        until = parse_moment(args.until, tz, now) if args.until else None
    except ValueError as exc:
        print(f"tgpl republish: {exc}", file=sys.stderr)
        return 2
    if until is not None and until <= since:
        print("tgpl republish: --until must come after --since", file=sys.stderr)
        return 2
    services = list(dict.fromkeys(args.service or REPUBLISHED_SERVICES))
    print(f"{'counting' if args.dry_run else 'republishing'} what {', '.join(services)} published since "
          f"{since.isoformat()}{f' until {until.isoformat()}' if until else ''}", file=sys.stderr)
    with reported("republish", args.nats_url, RetentionTooShort, StreamMissing, DatabaseMissing):
        # Every service's subjects and the agencies' one: only the operator identity may publish them all.
        summary = asyncio.run(run(services, since=since, until=until, dry_run=args.dry_run, nats_url=args.nats_url,
                                  login=cli_login(OPERATOR), progress=None if args.dry_run else progress_bar("republish"),
                                  tz=tz))
    if not args.dry_run:
        print(file=sys.stderr)
    print(json.dumps(summary_document(summary, tz), indent=2))
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from deploy.demo.simulate import simulate
    from deploy.local.credentials import cli_login
    from deploy.local.nats_identities import AGENCY

    seed = args.seed if args.seed is not None else int(time.time())
    print(f"simulating {args.count} notices at {args.rate or 'max'}/s on {args.nats_url} (seed {seed})")

    progress = progress_bar("notices", out=sys.stdout)
    summary = asyncio.run(simulate(args.nats_url, rate=args.rate, count=args.count, seed=seed, progress=progress,
                                   connect=cli_login(AGENCY)))
    print()
    print(json.dumps(summary.__dict__, indent=2))
    return 0


def cmd_nats_config(args: argparse.Namespace) -> int:
    from deploy.local.credentials import write_secret
    from deploy.nats_config import TEMPLATE, DeploymentOptions, render

    options = DeploymentOptions()
    if args.reference_dir:
        options.reference_dir = Path(args.reference_dir)
    if args.routes is not None:
        options.routes = [route for route in args.routes.split(",") if route]
    options.host, options.port, options.store_dir = args.host, args.port, args.store_dir
    options.server_name = args.server_name
    config = render(options, Path(args.credentials) if args.credentials else None)
    if args.check:
        if TEMPLATE.exists() and TEMPLATE.read_text(encoding="utf-8") == config:
            return 0
        print(f"stale or missing: {TEMPLATE}; run `tgpl nats-config --out {TEMPLATE}` and commit it")
        return 1
    if args.out:
        if args.credentials:  # passwords written in
            write_secret(Path(args.out), config)
        else:
            Path(args.out).write_text(config, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        print(config, end="")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    import nats

    from deploy.local.credentials import cli_login
    from deploy.local.nats_identities import PROVINCE
    from services.runtime.settings import server_list
    from shared.subjects import REPORTS_REQUEST

    async def run() -> dict:
        nc = await nats.connect(server_list(args.nats_url), **cli_login(PROVINCE))
        try:
            body = json.dumps({"period_start": args.start, "period_end": args.end}).encode()
            return json.loads((await nc.request(REPORTS_REQUEST, body, timeout=args.timeout)).data)
        finally:
            await nc.close()

    print(json.dumps(asyncio.run(run()), indent=2, ensure_ascii=False))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from deploy.local.credentials import cli_login
    from deploy.local.nats_identities import OPERATOR
    from deploy.status import SERVICES, Limits, gather_status, render_text

    tz = ZoneInfo(os.environ.get("TGPL_TIMEZONE", "Asia/Ho_Chi_Minh"))
    limits = Limits(max_outbox_age_s=args.max_outbox_age, max_lag=args.max_lag, health=not args.no_health,
                    timeout_s=args.timeout)
    servers = [url.strip() for url in args.nats_url.split(",") if url.strip()]
    report = asyncio.run(gather_status(list(dict.fromkeys(args.service or SERVICES)), servers=servers,
                                       login=cli_login(OPERATOR), limits=limits, tz=tz))
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else render_text(report))
    return 0 if report["ok"] else 1


def _timezone() -> ZoneInfo:
    return ZoneInfo(os.environ.get("TGPL_TIMEZONE", "Asia/Ho_Chi_Minh"))


def cmd_dead_letters(args: argparse.Namespace) -> int:
    from deploy.dead_letters import command

    return command(args, _timezone())


def cmd_backup(args: argparse.Namespace) -> int:
    from deploy.backup import BackupError, backup, default_backup_dir
    from deploy.jetstream_snapshots import SnapshotFailed
    from deploy.local.credentials import cli_login
    from deploy.local.nats_identities import OPERATOR

    out = Path(args.out) if args.out else default_backup_dir()
    data_dir = Path(os.environ.get("TGPL_DATA_DIR", "var")).resolve()
    print(f"backing up {data_dir} and the streams on {args.nats_url} into {out}", file=sys.stderr)
    with reported("backup", args.nats_url, BackupError, SnapshotFailed):
        manifest = asyncio.run(backup(out, data_dir=data_dir, nats_url=args.nats_url, login=cli_login(OPERATOR),
                                      say=lambda line: print(line, file=sys.stderr)))
    print(json.dumps({"backup": str(out.resolve()), **manifest}, indent=2))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from deploy.backup import BackupError, restore
    from deploy.jetstream_snapshots import SnapshotFailed
    from deploy.local.supervisor import Layout

    if os.environ.get("TGPL_NATS_URL"):
        print("tgpl restore: TGPL_NATS_URL is set: tgpl restore puts the streams into the embedded server's store; "
              "restore them on your own server with `nats stream restore <backup>/streams/<STREAM>`",
              file=sys.stderr)
        return 2
    layout = Layout.from_env(demo=False, demo_notices=0)
    print(f"restoring {args.backup} into {layout.data_dir}", file=sys.stderr)
    try:
        summary = asyncio.run(restore(Path(args.backup), data_dir=layout.data_dir, force=args.force,
                                      ports={"nats": layout.nats_port, **layout.ports},
                                      say=lambda line: print(line, file=sys.stderr)))
    except (BackupError, SnapshotFailed) as exc:
        print(f"tgpl restore: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(summary, indent=2))
    print("restored; start the system with `tgpl up` (the same TGPL_DATA_DIR)", file=sys.stderr)
    return 0


def cmd_deploy_secrets(args: argparse.Namespace) -> int:
    from deploy.deployment_secrets import DeploymentSecrets, UnusablePasswords, generate
    from deploy.nats_config import DEMO_DATA

    settings = DeploymentSecrets(out=Path(args.out), reference_dir=Path(args.reference_dir or DEMO_DATA),
                                 database_host=args.database_host, database_prefix=args.database_prefix,
                                 nats_url=args.nats_url)
    if args.routes is not None:
        settings.nats.routes = [route for route in args.routes.split(",") if route]
    try:
        created = generate(settings)
    except UnusablePasswords as exc:
        print(f"tgpl deploy-secrets: {exc}", file=sys.stderr)
        return 1
    for source, names in created.items():
        if names:
            print(f"generated {len(names)} new password(s) in {settings.secrets / source}: {', '.join(names)}",
                  file=sys.stderr)
    print(f"wrote {settings.out / '.env'} and {settings.secrets}/ (secret: never commit them); "
          f"identities for {settings.reference_dir}", file=sys.stderr)
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
    streams.add_argument("--credentials", default=None,
                         help="a credentials file (`tgpl nats-config --credentials`): connect as its operator and "
                              "declare each province system's consumer (default: the data dir's, as `tgpl up` made it)")
    streams.add_argument("--reference-dir", default=None,
                         help="also declare the consumer of each province system in this reference data's "
                              "province_systems.json (a deployment's `streams` job)")
    streams.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                         help="keep trying this long while the servers do not answer yet (a cluster starting)")
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

    republish = sub.add_parser("republish", help="publish again, from the services' databases, what the broker lost")
    republish.add_argument("--since", required=True,
                           help="from when: a date or time (local unless it has an offset), or a span back: 12h, 7d")
    republish.add_argument("--until", default=None, help="up to when (exclusive); default: now")
    republish.add_argument("--service", action="extend", nargs="+", choices=REPUBLISHED_SERVICES,
                           help="only these services (default: all)")
    republish.add_argument("--dry-run", action="store_true", help="count what would be sent, send nothing")
    republish.add_argument("--nats-url", default=_nats_url())
    republish.set_defaults(func=cmd_republish)

    nats_config = sub.add_parser("nats-config", help="the nats-server configuration of a deployment (identities and "
                                                     "permissions; docs/security.md)")
    nats_config.add_argument("--credentials", default=None,
                             help="write the passwords of this credentials file in (created 0600, missing identities "
                                  "added); default: `$TGPL_NATS_PASSWORD_<USER>` references, no secret")
    nats_config.add_argument("--reference-dir", default=os.environ.get("TGPL_REFERENCE_DIR"),
                             help="agencies.json and province_systems.json to make identities for (default: the demo's)")
    nats_config.add_argument("--host", default="0.0.0.0")
    nats_config.add_argument("--port", type=int, default=4222)
    nats_config.add_argument("--store-dir", default="/data/jetstream")
    nats_config.add_argument("--server-name", default="$TGPL_NATS_SERVER_NAME", help="default: from the environment")
    nats_config.add_argument("--routes", default=None,
                             help="comma-separated cluster routes (default: nats-1..3:6222; empty: a single server)")
    nats_config.add_argument("--out", default=None, help="write the file (0600 with --credentials) instead of printing")
    nats_config.add_argument("--check", action="store_true", help="only check that deploy/nats/nats-server.conf is "
                                                                  "what the code renders")
    nats_config.set_defaults(func=cmd_nats_config)

    secrets = sub.add_parser("deploy-secrets", help="generate (once) and write out the secrets of a cluster deployment: "
                                                    "deploy/compose, deploy/kubernetes (docs/deploy.md)")
    secrets.add_argument("--out", default="deploy/compose",
                         help="where .env and secrets/ go (default: deploy/compose; both are in .gitignore)")
    secrets.add_argument("--reference-dir", default=os.environ.get("TGPL_REFERENCE_DIR"),
                         help="the center's reference data: NATS users for its agencies and province systems, "
                              "first passwords for its users.json (default: the demo's)")
    secrets.add_argument("--database-host", default="postgres:5432", help="PostgreSQL host[:port] the services reach")
    secrets.add_argument("--database-prefix", default="tgpl_",
                         help="each service's database and role is <prefix><service> (default: tgpl_)")
    secrets.add_argument("--nats-url", default="nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222",
                         help="the cluster's client URLs, comma-separated, as the services reach them")
    secrets.add_argument("--routes", default=None,
                         help="comma-separated cluster routes of nats-server.conf (default: nats-1..3:6222)")
    secrets.set_defaults(func=cmd_deploy_secrets)

    status = sub.add_parser("status", help="streams, consumers and their lag, outbox backlogs, dead letters, per "
                                           "service; exit status 1 when something is wrong (docs/operations.md)")
    status.add_argument("--json", action="store_true", help="one JSON document instead of tables")
    status.add_argument("--service", action="extend", nargs="+", choices=REPUBLISHED_SERVICES,
                        help="only these services' databases and health (default: all); the broker is shown whole")
    status.add_argument("--max-outbox-age", type=float, default=60.0, metavar="SECONDS",
                        help="an unpublished outbox row older than this is a problem (default: 60)")
    status.add_argument("--max-lag", type=int, default=None, metavar="MESSAGES",
                        help="a service's consumer with more unfinished messages is a problem (default: no limit)")
    status.add_argument("--no-health", action="store_true", help="do not ask the services' /healthz")
    status.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for each source")
    status.add_argument("--nats-url", default=_nats_url())
    status.set_defaults(func=cmd_status)

    dead = sub.add_parser("dead-letters", help="the messages services gave up on: list, show, retry "
                                               "(shows personal data: an operator's tool)")
    dead_sub = dead.add_subparsers(dest="action", required=True)
    dead_list = dead_sub.add_parser("list", help="newest first, from the services' databases")
    dead_list.add_argument("--service", action="extend", nargs="+", choices=REPUBLISHED_SERVICES,
                           help="only these services (default: all)")
    dead_list.add_argument("--consumer", default=None, help="only this durable consumer's")
    dead_list.add_argument("--status", choices=["waiting", "retried"], default=None,
                           help="only those waiting for a retry, or only those retried (default: both)")
    dead_list.add_argument("--limit", type=int, default=100)
    dead_list.add_argument("--json", action="store_true")
    dead_show = dead_sub.add_parser("show", help="one or more letters whole: payload, headers, error")
    dead_show.add_argument("letters", nargs="+", metavar="SERVICE:ID")
    dead_show.add_argument("--json", action="store_true")
    dead_retry = dead_sub.add_parser("retry", help="have the running service handle letters again (exactly once)")
    dead_retry.add_argument("letters", nargs="*", metavar="SERVICE:ID")
    dead_retry.add_argument("--consumer", default=None, help="every waiting letter of this durable consumer")
    dead_retry.add_argument("--service", action="extend", nargs="+", choices=REPUBLISHED_SERVICES,
                            help="with --consumer: look only in these services")
    dead_retry.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for each service")
    dead_retry.add_argument("--json", action="store_true")
    dead_retry.add_argument("--nats-url", default=_nats_url())
    dead.set_defaults(func=cmd_dead_letters)

    backup = sub.add_parser("backup", help="save the running embedded system: databases, streams, credentials")
    backup.add_argument("--out", default=None, help="a new directory (default: ./tgpl-backup-<UTC time>)")
    backup.add_argument("--nats-url", default=_nats_url())
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser("restore", help="restore a backup into an empty data dir (TGPL_DATA_DIR)")
    restore.add_argument("backup", help="the directory `tgpl backup` wrote")
    restore.add_argument("--force", action="store_true",
                         help="replace the data dir's databases, streams and credentials (moved aside, not deleted)")
    restore.set_defaults(func=cmd_restore)

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
    except CommandFailed as exc:
        print(exc, file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        print(f"tgpl: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

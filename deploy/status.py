"""`tgpl status`: streams, consumers and their lag, outbox backlogs and dead letters, per service.

Read at the source, so it answers while services are down: the broker (as the operator, like the other
`tgpl` commands), and each service's own database as the service's settings name it
(`TGPL_<SERVICE>_DATABASE_URL`, or the SQLite file under `TGPL_DATA_DIR`, opened read-only and never
created). Each service's /healthz is asked too, unless `--no-health`.

Something is wrong (exit status 1, each problem listed) when: the broker does not answer; a tgpl stream
is missing; a service's database cannot be read; a service does not answer /healthz or answers unhealthy;
dead letters wait; an unpublished outbox row is older than `max_outbox_age_s`; or, with `max_lag`, a
service's consumer has more unfinished messages than that.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from services.runtime.backlogs import consumer_lag, dead_letter_counts, outbox_state
from services.runtime.settings import ServiceSettings
from services.runtime.unit_of_work import utcnow
from shared.subjects import STREAMS

SERVICES = ("intake", "assignment", "evaluation", "reporting")


@dataclass(frozen=True)
class Limits:
    """When `tgpl status` calls something wrong (besides what is always wrong)."""

    max_outbox_age_s: float = 60.0
    max_lag: int | None = None
    health: bool = True
    timeout_s: float = 3.0


async def _quiet(_exc: Exception) -> None:  # no traceback from nats-py when the broker is down
    return None


def without_credentials(url: str) -> str:
    """A server URL (or comma-separated list) as it may be shown: no user or password."""
    shown = []
    for part in url.split(","):
        split = urlsplit(part.strip())
        host = f"[{split.hostname}]" if ":" in (split.hostname or "") else split.hostname or ""
        shown.append(urlunsplit(split._replace(netloc=f"{host}:{split.port}" if split.port else host)))
    return ",".join(shown)


def owner_of(consumer: str) -> str | None:
    """The tgpl service a durable consumer belongs to: its name starts with the service's."""
    head = consumer.split("-", 1)[0]
    return head if head in SERVICES else None


async def read_broker(servers: list[str], login: dict[str, str], timeout_s: float) -> dict:
    """Every tgpl stream (messages, bytes, sequences) and every consumer on it (pending, ack pending, redelivered)."""
    import nats
    from nats.js.errors import NotFoundError

    report: dict = {"url": without_credentials(",".join(servers)), "ok": False, "error": None,
                    "streams": [], "consumers": []}
    try:
        # max_reconnect_attempts=0 would retry a dead server for ever; 1 gives each server two tries.
        nc = await asyncio.wait_for(nats.connect(
            servers, name="tgpl-status", connect_timeout=timeout_s, allow_reconnect=False, max_reconnect_attempts=1,
            reconnect_time_wait=0.2, error_cb=_quiet, **login), timeout=(2 * timeout_s + 1) * len(servers))
    except Exception as exc:
        report["error"] = f"{type(exc).__name__}: {exc}".rstrip(": ") if str(exc) else type(exc).__name__
        return report
    try:
        js = nc.jetstream(timeout=timeout_s)
        for spec in STREAMS:
            try:
                info = await js.stream_info(spec.name)
            except NotFoundError:
                report["streams"].append({"stream": spec.name, "missing": True})
                continue
            state = info.state
            report["streams"].append({"stream": spec.name, "missing": False, "messages": state.messages,
                                      "bytes": state.bytes, "first_seq": state.first_seq,
                                      "last_seq": state.last_seq, "consumers": state.consumer_count})
            for consumer in sorted(await js.consumers_info(spec.name), key=lambda c: c.name):
                lag = consumer_lag(consumer)
                report["consumers"].append({
                    "stream": lag.stream, "consumer": lag.consumer, "service": owner_of(lag.consumer),
                    "pending": lag.pending, "ack_pending": lag.ack_pending, "redelivered": lag.redelivered,
                    "lag": lag.lag, "last_active": lag.last_active})
        report["ok"] = True
    except Exception as exc:  # the broker went away mid-way, or refused a request
        report["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        await nc.close()
    return report


def _reading_engine(url: URL, timeout_s: float) -> AsyncEngine:
    """An engine that only reads: SQLite read-only (no file created, no write lock taken), PostgreSQL as is."""
    if url.get_backend_name() == "sqlite":
        path = Path(url.database).resolve()
        return create_async_engine(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true",
                                   connect_args={"timeout": timeout_s})
    return create_async_engine(url, pool_size=1, max_overflow=0, connect_args={"timeout": timeout_s})


async def read_database(service: str, settings: ServiceSettings, timeout_s: float) -> dict:
    """A service's outbox backlog (and its oldest row's age) and unresolved dead letters, from its own database."""
    import importlib

    url = make_url(settings.resolved_database_url())
    report: dict = {"database": url.render_as_string(hide_password=True), "error": None}
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        report["error"] = (f"no database at {url.database} (set TGPL_DATA_DIR or TGPL_{service.upper()}_DATABASE_URL "
                           "to the one the service uses)")
        return report
    tables = importlib.import_module(f"services.{service}.adapters.tables").messaging
    engine = _reading_engine(url, timeout_s)
    try:
        async with asyncio.timeout(timeout_s * 3):
            async with engine.connect() as conn:
                outbox = await outbox_state(conn, tables, utcnow())
                dead = await dead_letter_counts(conn, tables)
    except Exception as exc:
        report["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")
        return report
    finally:
        await engine.dispose()
    report.update(outbox_backlog=outbox.backlog, outbox_oldest_age_s=outbox.oldest_age_s,
                  dead_letters=sum(dead.values()), dead_letters_by_consumer=dict(sorted(dead.items())))
    return report


async def read_health(client: httpx.AsyncClient, settings: ServiceSettings) -> dict:
    """What the service's /healthz answers, where its settings say it listens."""
    host = settings.http_host if settings.http_host not in ("", "0.0.0.0", "::") else "127.0.0.1"
    url = f"http://{host}:{settings.http_port}/healthz"
    try:
        response = await client.get(url)
    except httpx.HTTPError as exc:
        return {"url": url, "ok": False, "status": None, "error": f"{type(exc).__name__}: {exc}".rstrip(": ")}
    try:
        healthy = bool(response.json().get("ok"))
    except ValueError:
        healthy = False
    return {"url": url, "ok": response.status_code == 200 and healthy, "status": response.status_code, "error": None}


async def gather_status(services: list[str], *, servers: list[str], login: dict[str, str], limits: Limits,
                        tz: ZoneInfo) -> dict:
    """The whole status document (what `--json` prints), with its list of problems."""
    from deploy.republish import service_settings

    settings: dict[str, ServiceSettings] = {}
    unreadable: dict[str, str] = {}
    for service in services:
        try:
            settings[service] = service_settings(service)
        except Exception as exc:  # a malformed TGPL_<SERVICE>_* variable
            unreadable[service] = f"settings: {exc}"

    async def no_health() -> None:
        return None

    async with httpx.AsyncClient(timeout=limits.timeout_s) as client:
        broker, *per_service = await asyncio.gather(
            read_broker(servers, login, limits.timeout_s),
            *(asyncio.gather(read_database(name, s, limits.timeout_s),
                             read_health(client, s) if limits.health else no_health())
              for name, s in settings.items()))
    report: dict = {"checked_at": datetime.now(tz).isoformat(timespec="seconds"), "nats": broker, "services": {}}
    for name in services:
        if name in unreadable:
            report["services"][name] = {"database": None, "error": unreadable[name], "health": None}
    for name, (database, health) in zip(settings, per_service):
        report["services"][name] = {**database, "health": health}
    report["services"] = {name: report["services"][name] for name in services}
    for consumer in broker["consumers"]:
        if consumer["last_active"] is not None:
            consumer["last_active"] = consumer["last_active"].astimezone(tz).isoformat(timespec="seconds")
    report["problems"] = problems(report, services, limits)
    report["ok"] = not report["problems"]
    return report


def problems(report: dict, services: list[str], limits: Limits) -> list[str]:
    """What is wrong, one line each, in the order an operator would look."""
    found: list[str] = []
    broker = report["nats"]
    if not broker["ok"]:
        found.append(f"NATS at {broker['url']} does not answer ({broker['error']})")
    for stream in broker["streams"]:
        if stream["missing"]:
            found.append(f"stream {stream['stream']} is missing (run `tgpl streams ensure`)")
    for name in services:
        service = report["services"][name]
        if service["error"]:
            found.append(f"{name}: database: {service['error']}")
        health = service.get("health")
        if health is not None and not health["ok"]:
            found.append(f"{name}: {health['url']} " + (f"does not answer ({health['error']})" if health["error"]
                                                        else f"answers {health['status']}, not healthy"))
        if service.get("dead_letters"):
            consumers = ", ".join(f"{c} {n}" for c, n in service["dead_letters_by_consumer"].items())
            found.append(f"{name}: {service['dead_letters']} dead letter(s) waiting ({consumers}); "
                         f"see `tgpl dead-letters list --service {name}`")
        age = service.get("outbox_oldest_age_s")
        if age is not None and age > limits.max_outbox_age_s:
            found.append(f"{name}: {service['outbox_backlog']} outbox row(s) unpublished, the oldest for {age:.0f} s "
                         f"(limit {limits.max_outbox_age_s:.0f} s): is the service running and the broker reachable?")
    if limits.max_lag is not None:
        for consumer in broker["consumers"]:
            if consumer["service"] in services and consumer["lag"] > limits.max_lag:
                found.append(f"{consumer['consumer']} on {consumer['stream']}: {consumer['lag']} messages unfinished "
                             f"(limit {limits.max_lag})")
    return found


def _table(headers: list[str], rows: list[list[object]]) -> list[str]:
    """Columns padded to their widest cell; numbers right-aligned."""
    cells = [[("-" if value is None else f"{value:,}" if isinstance(value, int) else str(value)) for value in row]
             for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    numeric = [bool(rows) and all(isinstance(row[i], int) or row[i] is None for row in rows)
               for i in range(len(headers))]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric)).rstrip()

    return [line(headers), *(line(row) for row in cells)]


def render_text(report: dict) -> str:
    """The status as tables for an operator's terminal."""
    broker = report["nats"]
    out = [f"tgpl status at {report['checked_at']}", "",
           f"NATS {broker['url']}: {'ok' if broker['ok'] else 'NOT ANSWERING: ' + str(broker['error'])}"]
    if broker["streams"]:
        out += ["", *_table(["STREAM", "MESSAGES", "BYTES", "FIRST SEQ", "LAST SEQ", "CONSUMERS"], [
            [s["stream"], "missing", None, None, None, None] if s["missing"] else
            [s["stream"], s["messages"], s["bytes"], s["first_seq"], s["last_seq"], s["consumers"]]
            for s in broker["streams"]])]
    if broker["consumers"]:
        out += ["", *_table(["CONSUMER", "STREAM", "SERVICE", "PENDING", "ACK PENDING", "REDELIVERED", "LAG",
                             "LAST ACTIVE"], [
            [c["consumer"], c["stream"], c["service"] or "(other)", c["pending"], c["ack_pending"], c["redelivered"],
             c["lag"], c["last_active"]] for c in broker["consumers"]])]
    rows = []
    for name, s in report["services"].items():
        health = s.get("health")
        age = s.get("outbox_oldest_age_s")
        rows.append([name, "-" if health is None else "ok" if health["ok"] else
                     ("down" if health["error"] else f"HTTP {health['status']}"),
                     "error" if s["error"] else "ok", s.get("outbox_backlog"),
                     None if age is None else round(age), s.get("dead_letters")])
    out += ["", *_table(["SERVICE", "HEALTH", "DATABASE", "OUTBOX BACKLOG", "OLDEST (S)", "DEAD LETTERS"], rows)]
    out += ["", "Problems:" if report["problems"] else "No problems found."]
    out += [f"  - {problem}" for problem in report["problems"]]
    return "\n".join(out)

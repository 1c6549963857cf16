"""`tgpl republish`: each service's database, found from its own settings, sent back to the streams.

The databases are the ones the services use: `TGPL_<SERVICE>_DATABASE_URL`, or the SQLite files
under `TGPL_DATA_DIR`. Nothing is written to them; the services may run meanwhile.
"""

from __future__ import annotations

import importlib
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url

from services.runtime.republish import Progress, RepublishSummary, Source, republish
from services.runtime.settings import ServiceSettings

_SETTINGS = {"intake": ("services.intake.config", "IntakeSettings"),
             "assignment": ("services.assignment.config", "AssignmentSettings"),
             "evaluation": ("services.evaluation.config", "EvaluationSettings"),
             "reporting": ("services.reporting.config", "ReportingSettings")}

_SPAN = re.compile(r"^(\d+)\s*([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class DatabaseMissing(Exception):
    """A service's SQLite file does not exist: wrong data dir, or the service never ran."""


def parse_moment(text: str, tz: ZoneInfo, now: datetime) -> datetime:
    """An ISO date or time (local when it names no offset), or a span back from now: 90m, 12h, 7d."""
    text = text.strip()
    if span := _SPAN.match(text):
        return now - timedelta(**{_UNITS[span[2]]: int(span[1])})
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return datetime.combine(day, time(0), tz)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a date, a time or a span (e.g. 2026-11-30, 2026-11-30T08:00+07:00, 12h, 7d): "
                         f"{text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


async def _quiet(_exc: Exception) -> None:  # a failed publish raises; no traceback per reconnect attempt
    return None


def service_settings(service: str, nats_url: str | None = None, login: dict[str, str] | None = None
                     ) -> ServiceSettings:
    """A service's settings, from the environment as the service itself reads them (`nats_url` and the
    NATS `login`, user and password, replace the environment's)."""
    module, name = _SETTINGS[service]
    cls = getattr(importlib.import_module(module), name)
    overrides: dict = {"nats_url": nats_url} if nats_url else {}
    if login:
        overrides |= {"nats_user": login["user"], "nats_password": login["password"]}
    return cls(**overrides)


def source_of(service: str, settings: ServiceSettings) -> Source:
    """What republish reads in a service's database (intake adds its store of inbound notices)."""
    from services.runtime.host import build_engine

    url = make_url(settings.resolved_database_url())
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        raise DatabaseMissing(f"{service}: no database at {url.database} (set TGPL_DATA_DIR or "
                              f"TGPL_{service.upper()}_DATABASE_URL to the one the service uses)")
    tables = importlib.import_module(f"services.{service}.adapters.tables")
    return Source(service=service, engine=build_engine(settings), tables=tables.messaging,
                  inbound=getattr(tables, "inbound_messages", None), retention_days=settings.outbox_retention_days)


async def run(services: list[str], *, since: datetime, until: datetime | None = None, dry_run: bool = False,
              nats_url: str | None = None, login: dict[str, str] | None = None, progress: Progress | None = None,
              tz: ZoneInfo = ZoneInfo("Asia/Ho_Chi_Minh")) -> RepublishSummary:
    """Republish the named services' messages from their databases to the broker of their settings."""
    import nats

    settings = {service: service_settings(service, nats_url, login) for service in services}
    sources: list[Source] = []
    nc = None
    try:
        for service in services:
            sources.append(source_of(service, settings[service]))
        if not dry_run:
            broker = settings[services[0]]
            nc = await nats.connect(broker.nats_servers, name="tgpl-republish", error_cb=_quiet,
                                    max_reconnect_attempts=5, **broker.nats_options())
        return await republish(sources, nc.jetstream() if nc else None, since=since, until=until, dry_run=dry_run,
                               progress=progress, show=lambda moment: moment.astimezone(tz).isoformat())
    finally:
        if nc is not None:
            await nc.close()
        for source in sources:
            await source.engine.dispose()


def summary_document(summary: RepublishSummary, tz: ZoneInfo) -> dict:
    """The run's summary as JSON-ready data, times in local time."""
    def show(moment: datetime | None) -> str | None:
        return moment.astimezone(tz).isoformat() if moment else None

    return {
        "since": show(summary.since), "until": show(summary.until), "dry_run": summary.dry_run,
        "messages": summary.messages,
        "services": {
            name: {"outbox": s.outbox, **({"inbound_notices": s.inbound} if name == "intake" else {}),
                   **({} if summary.dry_run else {"new_in_stream": s.new_in_stream,
                                                  "already_in_stream": s.already_in_stream}),
                   "first": show(s.first), "last": show(s.last), "waiting_for_relay": s.waiting_for_relay,
                   "retention_days": s.retention_days, "oldest_kept": show(s.oldest_kept),
                   "pruned_through": show(s.pruned_through)}
            for name, s in summary.services.items()
        },
    }

"""Builds the reporting service from its Settings; nothing connects until the host starts."""

from __future__ import annotations

import functools
import logging
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from services.reporting.adapters import tables
from services.reporting.config import ReportingSettings
from services.reporting.entrypoints.consumers import CONSUMERS
from services.reporting.entrypoints.requests import subscribe_requests
from services.reporting.entrypoints.web import build_web
from services.reporting.service_layer.handlers import correct_reports, issue_closed_periods
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from services.runtime import reference_files
from services.runtime.host import ServiceHost, assemble
from services.runtime.unit_of_work import utcnow

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger("tgpl.reporting")


async def consumers_behind(host: ServiceHost) -> int:
    """Messages reporting's durable consumers have yet to handle (0 when caught up)."""
    if host.nc is None or not host.nc.is_connected:
        return -1
    js = host.nc.jetstream()
    behind = 0
    for spec in host.consumers.specs:
        info = await js.consumer_info(spec.stream.name, spec.durable)
        behind += info.num_pending + info.num_ack_pending
    return behind


def build(settings: ReportingSettings | None = None) -> ServiceHost[ReportingUnitOfWork]:
    """Wire the reporting service."""
    settings = settings or ReportingSettings()
    tz = ZoneInfo(settings.timezone)
    uow_class = functools.partial(ReportingUnitOfWork, tz=tz)
    host = assemble("reporting", settings, tables.messaging, uow_class, CONSUMERS, MIGRATIONS)
    subscribe_requests(host.broker, host.uow)

    async def load_reference() -> None:
        if settings.reference_dir is None:
            return
        branches = reference_files.read_branches(settings.reference_dir) or []
        agencies = reference_files.read_agencies(settings.reference_dir) or []
        async with host.uow() as work:
            await work.facts.load_reference(branches, agencies)
            await work.commit()

    async def report_periods() -> None:
        # Reports wait until the consumers have caught up, so a restart after a long stop does not
        # publish half-counted periods (they would be corrected, but province systems see both).
        if (behind := await consumers_behind(host)) != 0:
            log.info("reporting: consumers %s; reports wait", "not connected" if behind < 0 else f"{behind} behind")
            return
        now = utcnow()
        await issue_closed_periods(host.uow, now, grace=timedelta(seconds=settings.close_grace_s))
        await correct_reports(host.uow, now)

    host.on_start.append(load_reference)
    if settings.schedule_s > 0:
        host.periodic.append((settings.schedule_s, report_periods))
    return host


def create_app(settings: ReportingSettings | None = None):
    """The ASGI app of the reporting service, whose lifespan runs the whole service."""
    settings = settings or ReportingSettings()
    host = build(settings)
    return host.asgi(build_web(host.uow, settings.underserved_ratio))

"""Builds the reporting service from its Settings; nothing connects until the host starts."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from services.reporting.adapters import tables
from services.reporting.config import ReportingSettings
from services.reporting.entrypoints.consumers import CONSUMERS
from services.reporting.entrypoints.requests import subscribe_requests
from services.reporting.entrypoints.web import build_web
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from services.runtime.host import ServiceHost, assemble

MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: ReportingSettings | None = None) -> ServiceHost[ReportingUnitOfWork]:
    """Wire the reporting service."""
    settings = settings or ReportingSettings()
    host = assemble("reporting", settings, tables.messaging, ReportingUnitOfWork, CONSUMERS, MIGRATIONS)
    subscribe_requests(host.broker, host.uow, ZoneInfo(settings.timezone))
    return host


def create_app(settings: ReportingSettings | None = None):
    """The ASGI app of the reporting service, whose lifespan runs the whole service."""
    settings = settings or ReportingSettings()
    host = build(settings)
    return host.asgi(build_web(host.uow, ZoneInfo(settings.timezone)))

"""Builds the evaluation service from its Settings; nothing connects until the host starts."""

from __future__ import annotations

import functools
from pathlib import Path
from zoneinfo import ZoneInfo

from services.evaluation.adapters import tables
from services.evaluation.config import EvaluationSettings
from services.evaluation.domain.rules import load_rules
from services.evaluation.entrypoints.consumers import CONSUMERS
from services.evaluation.entrypoints.web import build_web
from services.evaluation.service_layer.unit_of_work import DEFAULT_RULES, EvaluationUnitOfWork
from services.runtime.host import ServiceHost, assemble

MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: EvaluationSettings | None = None) -> ServiceHost[EvaluationUnitOfWork]:
    """Wire the evaluation service: its rules file and time zone travel with every unit of work."""
    settings = settings or EvaluationSettings()
    rules = load_rules(settings.rules_file) if settings.rules_file else DEFAULT_RULES
    uow_class = functools.partial(EvaluationUnitOfWork, rules=rules, tz=ZoneInfo(settings.timezone))
    return assemble("evaluation", settings, tables.messaging, uow_class, CONSUMERS, MIGRATIONS)


def create_app(settings: EvaluationSettings | None = None):
    """The ASGI app of the evaluation service, whose lifespan runs the whole service."""
    settings = settings or EvaluationSettings()
    host = build(settings)
    return host.asgi(build_web(host.uow))

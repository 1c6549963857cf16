"""Builds the evaluation service from its Settings; nothing connects until the host starts."""

from __future__ import annotations

from pathlib import Path

from services.evaluation.adapters import tables
from services.evaluation.config import EvaluationSettings
from services.evaluation.entrypoints.consumers import CONSUMERS
from services.evaluation.entrypoints.web import build_web
from services.evaluation.service_layer.unit_of_work import EvaluationUnitOfWork
from services.runtime.host import ServiceHost, assemble

MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: EvaluationSettings | None = None) -> ServiceHost[EvaluationUnitOfWork]:
    """Wire the evaluation service."""
    settings = settings or EvaluationSettings()
    return assemble("evaluation", settings, tables.messaging, EvaluationUnitOfWork, CONSUMERS, MIGRATIONS)


def create_app(settings: EvaluationSettings | None = None):
    """The ASGI app of the evaluation service, whose lifespan runs the whole service."""
    settings = settings or EvaluationSettings()
    host = build(settings)
    return host.asgi(build_web(host.engine))

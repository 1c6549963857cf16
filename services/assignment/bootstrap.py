"""Builds the assignment service from its Settings; nothing connects until the host starts."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from services.assignment.adapters import tables
from services.assignment.config import AssignmentSettings
from services.assignment.adapters.records import officer_from_record
from services.assignment.entrypoints.consumers import CONSUMERS
from services.assignment.entrypoints.web import build_web
from services.assignment.service_layer.handlers import publish_year_targets, register_officer
from services.assignment.domain.rules import load_rules
from services.assignment.service_layer.unit_of_work import DEFAULT_RULES, AssignmentUnitOfWork
from services.runtime import reference_files
from services.runtime.host import ServiceHost, assemble
from services.runtime.unit_of_work import utcnow

log = logging.getLogger("tgpl.assignment")
MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: AssignmentSettings | None = None) -> ServiceHost[AssignmentUnitOfWork]:
    """Wire the assignment service."""
    settings = settings or AssignmentSettings()
    rules = load_rules(settings.rules_file) if settings.rules_file else DEFAULT_RULES
    uow_class = functools.partial(AssignmentUnitOfWork, rules=rules)
    host = assemble("assignment", settings, tables.messaging, uow_class, CONSUMERS, MIGRATIONS)

    async def load_roster() -> None:
        if settings.reference_dir is None:
            return
        branches = reference_files.read_branches(settings.reference_dir) or []
        officers = reference_files.read_officers(settings.reference_dir) or []
        changed = 0
        async with host.uow() as work:
            await work.assignments.lock_decisions()  # another instance may be seeding at this moment
            for b in branches:
                await work.roster.save_branch(b["code"], b["name"], bool(b.get("is_head_office")))
            # officers.json seeds the roster; once an entry exists, the roster UI is its only editor.
            for o in officers:
                if await work.roster.get(o["officer_id"]) is None:
                    await register_officer(work, officer_from_record(o), changed_by="reference-data",
                                           at=utcnow(), note="officers.json")
                    changed += 1
            await work.commit()
        log.info("assignment: roster loaded from %s (%d officers, %d new)",
                 settings.reference_dir, len(officers), changed)

    async def announce_year_targets() -> None:
        async with host.uow() as work:
            if announced := await publish_year_targets(work, utcnow()):
                log.info("assignment: this quota year's targets announced for %d officers", announced)

    host.on_start.append(load_roster)
    host.periodic.append((settings.year_check_s, announce_year_targets))
    return host


def create_app(settings: AssignmentSettings | None = None):
    """The ASGI app of the assignment service, whose lifespan runs the whole service."""
    settings = settings or AssignmentSettings()
    host = build(settings)
    return host.asgi(build_web(host.engine, host.uow))

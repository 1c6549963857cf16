"""Builds the assignment service from its Settings; nothing connects until the host starts."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from services.assignment.adapters import tables
from services.assignment.config import AssignmentSettings
from services.assignment.domain.roster import Absence, Officer
from services.assignment.entrypoints.consumers import CONSUMERS
from services.assignment.entrypoints.web import build_web
from services.assignment.service_layer.handlers import register_officer
from services.assignment.service_layer.unit_of_work import AssignmentUnitOfWork
from services.runtime import reference_files
from services.runtime.host import ServiceHost, assemble
from services.runtime.unit_of_work import utcnow

log = logging.getLogger("tgpl.assignment")
MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: AssignmentSettings | None = None) -> ServiceHost[AssignmentUnitOfWork]:
    """Wire the assignment service."""
    settings = settings or AssignmentSettings()
    host = assemble("assignment", settings, tables.messaging, AssignmentUnitOfWork, CONSUMERS, MIGRATIONS)

    async def load_roster() -> None:
        if settings.reference_dir is None:
            return
        branches = reference_files.read_branches(settings.reference_dir) or []
        officers = reference_files.read_officers(settings.reference_dir) or []
        changed = 0
        async with host.uow() as work:
            for b in branches:
                await work.roster.save_branch(b["code"], b["name"], bool(b.get("is_head_office")))
            for o in officers:
                officer = Officer(
                    officer_id=o["officer_id"], full_name=o["full_name"], branch_code=o["branch_code"],
                    fields=tuple(o["fields"]), appointed_on=date.fromisoformat(o["appointed_on"]),
                    leader_role=o.get("leader_role"), active=bool(o.get("active", True)),
                    kind=o.get("kind", "legal_aid_officer"),
                    absences=tuple(Absence(date.fromisoformat(a["start"]), date.fromisoformat(a["end"]),
                                           a.get("kind", "leave")) for a in o.get("absences", [])),
                )
                changed += await register_officer(work, officer, on=utcnow())
            await work.commit()
        log.info("assignment: roster loaded from %s (%d officers, %d changed)",
                 settings.reference_dir, len(officers), changed)

    host.on_start.append(load_roster)
    return host


def create_app(settings: AssignmentSettings | None = None):
    """The ASGI app of the assignment service, whose lifespan runs the whole service."""
    settings = settings or AssignmentSettings()
    host = build(settings)
    return host.asgi(build_web(host.engine))

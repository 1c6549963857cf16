"""Builds the intake service from its Settings; nothing connects until the host starts."""

from __future__ import annotations

import logging
from pathlib import Path

from services.intake.adapters import tables
from services.intake.config import IntakeSettings
from services.intake.entrypoints.consumers import consumers
from services.intake.service_layer.policy import IntakePolicy
from services.intake.service_layer.requests import flag_overdue_acceptances
from services.runtime.unit_of_work import utcnow
from services.intake.entrypoints.web import build_accounts, build_web
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from services.runtime import reference_files
from services.runtime.host import ServiceHost, assemble
from services.runtime.retention import Pruned

log = logging.getLogger("tgpl.intake")
MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: IntakeSettings | None = None) -> ServiceHost[IntakeUnitOfWork]:
    """Wire the intake service."""
    settings = settings or IntakeSettings()
    policy = IntakePolicy.load(settings.rules_file)
    host = assemble("intake", settings, tables.messaging, IntakeUnitOfWork, consumers(policy), MIGRATIONS)
    host.retention.add(Pruned("inbound_messages", tables.inbound_messages, "received_at"))

    async def load_reference() -> None:
        if settings.reference_dir is None:
            return
        branches = reference_files.read_branches(settings.reference_dir) or []
        agencies = reference_files.read_agencies(settings.reference_dir) or []
        async with host.uow() as work:
            await work.reference.upsert(tables.branches, [
                {"code": b["code"], "name": b["name"], "is_head_office": bool(b.get("is_head_office"))}
                for b in branches], key="code")
            await work.reference.upsert(tables.communes, [
                {"code": c["code"], "name": c["name"], "branch_code": b["code"],
                 "former_district": c.get("former_district")}
                for b in branches for c in b["communes"]], key="code")
            await work.reference.upsert(tables.agencies, [
                {"code": a["code"], "kind": a["kind"], "name": a["name"]} for a in agencies], key="code")
            await work.commit()
        users = reference_files.read_users(settings.reference_dir) or []
        passwords = (reference_files.read_staff_passwords(settings.staff_passwords_file)
                     if settings.staff_passwords_file else {})
        accounts = build_accounts(host.engine, settings)
        # Passwords never live in the reference data: an account without one in the file is left alone.
        if missing := [u["username"] for u in users if u["username"] not in passwords]:
            log.warning("intake: no password in TGPL_INTAKE_STAFF_PASSWORDS_FILE for staff accounts %s; "
                        "they are not created or updated", ", ".join(missing))
        for user in users:
            if user["username"] not in passwords:
                continue
            await accounts.save_user(user["username"], user["full_name"], user["roles"],
                                     password=passwords[user["username"]], officer_id=user.get("officer_id"),
                                     keep_password=True)
        log.info("intake: reference data loaded from %s (%d branches, %d agencies, %d staff accounts)",
                 settings.reference_dir, len(branches), len(agencies), len(users))

    async def check_center_clock() -> None:
        async with host.uow() as work:
            if await flag_overdue_acceptances(work, utcnow()):
                await work.commit()

    host.on_start.append(load_reference)
    host.periodic.append((settings.clock_check_s, check_center_clock))
    host.policy = policy
    return host


def create_app(settings: IntakeSettings | None = None):
    """The ASGI app of the intake service (UI + API), whose lifespan runs the whole service."""
    settings = settings or IntakeSettings()
    host = build(settings)
    web = build_web(host.engine, settings)
    web.state.uow = host.uow
    web.state.policy = host.policy
    if settings.reference_dir is not None:
        center = reference_files.read_center(settings.reference_dir)
        if center:
            web.state.center_name = center["name"]
    return host.asgi(web)

"""The audit log on a real database: only ever added to (the database refuses UPDATE and DELETE, whoever
asks), and searched by leaders on /audit by account, action, subject and days, newest first, a page at a
time, the search itself audited."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from services.intake.adapters import tables as t
from services.intake.adapters.accounts import Accounts
from services.intake.domain.staff import Role, StaffUser
from services.runtime.database import create_engine
from services.runtime.migrate import upgrade_to_head
from shared import subjects
from tests import harness
from tests.integration.intake.conftest import IntakeStack
from tests.integration.intake.test_assignment_ui import client_as, text_of

pytestmark = pytest.mark.integration

MIGRATIONS = harness.DEMO_DATA.parents[2] / "services" / "intake" / "migrations"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


async def test_the_database_refuses_to_change_or_delete_audit_entries(database_url, db_backend):
    engine = create_engine(await database_url("intake"))
    try:
        await upgrade_to_head(engine, MIGRATIONS)
        accounts = Accounts(engine, idle_timeout=timedelta(minutes=30), max_age=timedelta(hours=12))
        await accounts.audit(StaffUser("clerk", "Lê Thị Thu", frozenset({Role.CLERK})), "view_case", "case-1")
        [entry] = await accounts.audit_entries()
        attempts = [sa.update(t.audit_log).values(action="nothing_to_see"),
                    sa.update(t.audit_log).where(t.audit_log.c.id == entry["id"]).values(username="someone_else"),
                    sa.delete(t.audit_log).where(t.audit_log.c.id == entry["id"]), sa.delete(t.audit_log)]
        if db_backend == "postgresql":
            attempts.append(sa.text("TRUNCATE audit_log"))
        for statement in attempts:
            with pytest.raises(DBAPIError, match="audit_log is append-only"):
                async with engine.begin() as conn:
                    await conn.execute(statement)
        assert await accounts.audit_entries() == [entry]
        # Adding goes on as before.
        await accounts.audit(StaffUser("clerk", "Lê Thị Thu", frozenset({Role.CLERK})), "list_cases")
        assert [e["action"] for e in await accounts.audit_entries()] == ["list_cases", "view_case"]
    finally:
        await engine.dispose()


def test_the_accounts_adapter_has_no_way_to_change_or_delete_an_entry():
    audit_methods = {name for name in vars(Accounts) if "audit" in name}
    assert audit_methods == {"audit", "audit_entries", "search_audit", "audit_actions"}


# --- the search -----------------------------------------------------------------------------------------


async def _open_case(stack: IntakeStack, jetstream) -> dict:
    notice = harness.make_notice()
    await harness.publish(jetstream, subjects.INBOUND_REFERRAL, notice, harness.msg_id_of(notice))

    async def opened() -> dict | None:
        cases = (await stack.client.get("/api/cases", params={"size": 500})).json()["cases"]
        return next((c for c in cases if c["notice_id"] == notice["notice_id"]), None)

    return await harness.eventually(opened)


async def _add_entries(stack: IntakeStack, rows: list[dict]) -> list[int]:
    """Entries of the past, added as the application adds them (an INSERT); their ids in order."""
    async with stack.host.engine.begin() as conn:
        for row in rows:
            await conn.execute(sa.insert(t.audit_log).values(detail={}, **row))
    async with stack.host.engine.connect() as conn:
        ids = (await conn.execute(sa.select(t.audit_log.c.id).where(
            t.audit_log.c.username.in_({r["username"] for r in rows})).order_by(t.audit_log.c.id))).scalars()
        return list(ids)


def _shown(page) -> list[int]:
    return [int(i) for i in re.findall(r'data-entry="(\d+)"', page.text)]


async def test_leaders_search_the_audit_log_and_the_search_is_audited(intake_stack, jetstream, db_backend):
    stack = intake_stack
    case = await _open_case(stack, jetstream)
    reader, other = f"u-{uuid.uuid4().hex[:6]}", f"u-{uuid.uuid4().hex[:6]}"
    march_10 = datetime(2026, 3, 10, 8, 0, tzinfo=ZONE)
    read_ids = await _add_entries(stack, [
        {"at": march_10 + timedelta(minutes=n), "username": reader, "action": "view_case", "subject": case["case_id"]}
        for n in range(55)])
    [other_id] = await _add_entries(stack, [
        {"at": datetime(2026, 3, 12, 23, 59, tzinfo=ZONE), "username": other, "action": "list_cases",
         "subject": None}])
    leader = await client_as(stack, "leader")

    # One account: 55 entries, newest first, 50 a page.
    first = await leader.get("/audit", params={"account": reader})
    assert first.status_code == 200 and "55 mục, trang 1/2" in text_of(first)
    assert _shown(first) == read_ids[::-1][:50]
    assert "10/03/2026 08:54" in text_of(first) and f"Vụ việc {case['register_no']}" in text_of(first)
    assert "Xem hồ sơ vụ việc" in text_of(first)
    second = await leader.get("/audit", params={"account": reader, "page": 2})
    assert _shown(second) == read_ids[::-1][50:]

    # A case by its register number; an action; days (both inclusive, in the center's time zone).
    by_case = await leader.get("/audit", params={"subject": case["register_no"], "account": reader})
    assert "55 mục" in text_of(by_case)
    by_action = await leader.get("/audit", params={"action": "list_cases", "start": "2026-03-01", "end": "2026-03-31"})
    assert _shown(by_action) == [other_id]
    assert _shown(await leader.get("/audit", params={"start": "2026-03-12", "end": "2026-03-12"})) == [other_id]
    assert _shown(await leader.get("/audit", params={"start": "2026-03-11", "end": "2026-03-11"})) == []
    assert _shown(await leader.get("/audit", params={"end": "2026-03-09"})) == []
    assert len(_shown(await leader.get("/audit", params={"start": "2026-03-10", "end": "2026-03-10"}))) == 50
    assert _shown(await leader.get("/audit", params={"account": reader, "action": "list_cases"})) == []

    wrong = await leader.get("/audit", params={"start": "10-03-2026x"})
    assert wrong.status_code == 422 and "Ngày không hợp lệ" in wrong.text
    backwards = await leader.get("/audit", params={"start": "2026-03-12", "end": "2026-03-10"})
    assert backwards.status_code == 422 and "Ngày kết thúc trước ngày bắt đầu." in backwards.text

    # Reading the audit log is itself in it, with what was asked and what was shown.
    searches = [e for e in await stack.accounts.audit_entries() if e["action"] == "search_audit"]
    assert searches[-1]["detail"] == {"filters": {"account": reader}, "page": 1, "entries": read_ids[::-1][:50]}
    assert {"filters": {"action": "list_cases", "start": "2026-03-01", "end": "2026-03-31"}, "page": 1,
            "entries": [other_id]} in [e["detail"] for e in searches]
    latest = await leader.get("/audit", params={"action": "search_audit"})
    assert "Tra cứu nhật ký truy cập" in text_of(latest) and _shown(latest)


async def test_only_leaders_search_the_audit_log_and_see_it_in_the_navigation(intake_stack, db_backend):
    stack = intake_stack
    leader = await client_as(stack, "leader")
    assert 'href="/audit"' in (await leader.get("/cases")).text
    for role in ("clerk", "officer", "evaluator", "administrator"):
        client = await client_as(stack, role, officer_id="TGV-004" if role == "officer" else None)
        assert 'href="/audit"' not in (await client.get("/reports/workload")).text, role
        refused = await client.get("/audit")
        assert refused.status_code == 403 and "Không có quyền" in refused.text, role
    assert not [e for e in await stack.accounts.audit_entries() if e["action"] == "search_audit"]

"""Who sees a person's data, on a real nats-server and a real database: an officer only in the cases they
perform or performed (case page, register, name search, JSON API, requests), national ID numbers masked in
the JSON APIs for the roles that do not need them, and dead letters and flagged notices with ID numbers
masked and names hidden from those who may not read them."""

from __future__ import annotations

import random
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from services.intake.adapters import tables as t
from services.intake.entrypoints.web import DEAD_LETTERS_API
from services.runtime.database import create_engine
from services.runtime.migrate import upgrade_to, upgrade_to_head
from shared import events as ev
from shared import subjects
from tests import harness
from tests.integration.intake.conftest import IntakeStack
from tests.integration.intake.test_assignment_ui import client_as, text_of
from tests.integration.intake.test_audit_log import MIGRATIONS
from tests.integration.intake.test_requests import _post as post_request
from tests.integration.intake.test_requests import _register

pytestmark = pytest.mark.integration

NO_PART = "Bạn không tham gia thực hiện vụ việc này"


@pytest.fixture
def stack(intake_stack) -> IntakeStack:
    return intake_stack


def _national_id() -> str:
    return f"0522{uuid.uuid4().int % 10**8:08d}"


def _masked(number: str) -> str:
    return "•" * 9 + number[-3:]


async def _publish(jetstream, event: ev.Event) -> None:
    await harness.publish(jetstream, subjects.subject_of(type(event)), event.model_dump_json().encode(),
                          event.event_id)


async def _api_case(stack: IntakeStack, case_id: str, client=None) -> dict | None:
    cases = (await (client or stack.client).get("/api/cases", params={"size": 500})).json()["cases"]
    return next((c for c in cases if c["case_id"] == case_id), None)


async def _open_case(stack: IntakeStack, jetstream, **person: str) -> str:
    notice = harness.make_notice(**{f"person__{k}": v for k, v in person.items()})
    await harness.publish(jetstream, subjects.INBOUND_REFERRAL, notice, harness.msg_id_of(notice))

    async def opened() -> str | None:
        cases = (await stack.client.get("/api/cases", params={"size": 500})).json()["cases"]
        return next((c["case_id"] for c in cases if c["notice_id"] == notice["notice_id"]), None)

    return await harness.eventually(opened)


async def _assign(stack: IntakeStack, jetstream, case_id: str, officer_id: str, previous: str | None = None) -> None:
    """What assignment publishes when it gives the case to an officer; wait until intake knows."""
    await _publish(jetstream, ev.CaseAssigned(
        case_id=case_id, officer_id=officer_id, is_leader=False, branch_code="HQ", rule="test",
        reason="Phân công để thử nghiệm", previous_officer_id=previous,
        kind="reassignment" if previous else "initial"))

    async def assigned() -> bool:
        return (await _api_case(stack, case_id))["officer_id"] == officer_id

    await harness.eventually(assigned)


def _name(family: str) -> str:
    """A person's name of Vietnamese letters, different in each test run (tests share a server)."""
    given = random.choice(["Lan", "Hồng", "Mai", "Thu", "Hà", "Yến", "Loan", "Ngân"])
    middle = random.choice(["Kim", "Ngọc", "Bích", "Diệu", "Thanh", "Phương", "Minh", "Quỳnh"])
    return f"{family} Thị {middle} {given} {random.choice(['An', 'Bình', 'Châu', 'Dung', 'Giang', 'Hạnh'])}"


def _officer_id() -> str:
    return f"TGV-{uuid.uuid4().hex[:6]}"


async def test_an_officer_sees_a_case_s_person_only_while_or_after_performing_it(stack, jetstream, db_backend):
    name, number = _name("Phạm"), _national_id()
    case_id = await _open_case(stack, jetstream, full_name=name, national_id=number)
    first, second = _officer_id(), _officer_id()
    await _assign(stack, jetstream, case_id, first)
    performer = await client_as(stack, "officer", officer_id=first)
    other = await client_as(stack, "officer", officer_id=second)
    register_no = (await _api_case(stack, case_id))["register_no"]

    page = await performer.get(f"/cases/{case_id}")
    assert page.status_code == 200 and name in page.text and NO_PART not in page.text
    assert "Diễn biến" in page.text and "Tiến độ và kết thúc vụ việc" in page.text

    hidden = await other.get(f"/cases/{case_id}")
    assert hidden.status_code == 200 and NO_PART in text_of(hidden)
    assert register_no in hidden.text and 'id="phan-cong"' in hidden.text  # enough to ask to take it
    for secret in (name, number, _masked(number), "Trộm cắp tài sản", "Diễn biến", "Tiến độ và kết thúc vụ việc"):
        assert secret not in hidden.text, secret

    # The register: the row is there without its person, and a name search does not find it.
    listing = await other.get("/cases", params={"q": register_no})
    assert register_no in listing.text and name not in listing.text and "Không hiển thị" in listing.text
    assert re.search(r"(?<!\d)0 vụ việc", text_of(await other.get("/cases", params={"q": name})))
    assert re.search(r"(?<!\d)1 vụ việc", text_of(await performer.get("/cases", params={"q": name})))
    assert name in (await performer.get("/cases", params={"q": register_no})).text

    # The JSON API: the same rule; the performer's view has the national ID masked (not a role that needs it).
    row = await _api_case(stack, case_id, other)
    assert row["person_hidden"] is True and row["full_name"] is None and row["national_id"] is None
    assert row["register_no"] == register_no and row["officer_id"] == first
    row = await _api_case(stack, case_id, performer)
    assert row["person_hidden"] is False and row["full_name"] == name and row["national_id"] == _masked(number)
    api = await other.get("/api/cases", params={"q": name})
    assert api.json()["total"] == 0

    seen = [e for e in await stack.accounts.audit_entries(subject=case_id) if e["action"] == "view_case"]
    assert [e["detail"].get("person_hidden", False) for e in seen] == [True, False]  # newest first

    # Reassigned to the second officer: both have a part now (the first one performed it before).
    await _assign(stack, jetstream, case_id, second, previous=first)
    for client in (performer, other):
        assert name in (await client.get(f"/cases/{case_id}")).text
        assert (await _api_case(stack, case_id, client))["full_name"] == name
    stranger = await client_as(stack, "officer", officer_id=_officer_id())
    assert NO_PART in text_of(await stranger.get(f"/cases/{case_id}"))
    roleless = await client_as(stack, "officer")  # an officer account without a roster entry
    assert NO_PART in text_of(await roleless.get(f"/cases/{case_id}"))

    # Clerks, leaders and evaluators see every case's person.
    for role in ("clerk", "leader", "evaluator"):
        assert name in (await (await client_as(stack, role)).get(f"/cases/{case_id}")).text, role


async def test_an_officer_sees_the_request_behind_their_case_only(stack, jetstream, db_backend):
    name = _name("Lý")
    request_id = await _register(stack.client, full_name=name)
    assert (await post_request(stack.client, request_id, "accept")).status_code == 303
    accepted = next(e for e in await stack.accounts.audit_entries(subject=request_id)
                    if e["action"] == "accept_request")
    officer_id = _officer_id()
    await _assign(stack, jetstream, accepted["detail"]["case_id"], officer_id)
    performer = await client_as(stack, "officer", officer_id=officer_id)
    other = await client_as(stack, "officer", officer_id=_officer_id())

    assert name in (await performer.get("/requests")).text
    assert name in (await performer.get(f"/requests/{request_id}")).text
    assert name not in (await other.get("/requests")).text
    refused = await other.get(f"/requests/{request_id}")
    assert refused.status_code == 403 and name not in refused.text
    assert "bạn chỉ xem được yêu cầu của vụ việc mà bạn thực hiện hoặc đã thực hiện" in refused.text
    # A request no case holds yet (registered, not accepted) is nobody's case: no officer sees it.
    waiting = await _register(stack.client, full_name=f"{name} Hai")
    assert (await performer.get(f"/requests/{waiting}")).status_code == 403
    evaluator = await client_as(stack, "evaluator")
    assert f"{name} Hai" in (await evaluator.get(f"/requests/{waiting}")).text


async def test_national_ids_are_masked_in_the_json_apis_for_roles_that_do_not_need_them(stack, jetstream, db_backend):
    number = _national_id()
    case_id = await _open_case(stack, jetstream, national_id=number)
    clerk, evaluator = await client_as(stack, "clerk"), await client_as(stack, "evaluator")
    assert (await _api_case(stack, case_id, clerk))["national_id"] == number
    assert (await _api_case(stack, case_id, evaluator))["national_id"] == _masked(number)

    # A rejected notice keeps its payload as it came: whole for a clerk, ID numbers masked for an evaluator.
    bad_number = _national_id()
    rejected = harness.make_notice(person__national_id=bad_number, case__field="no-such-field")
    await harness.publish(jetstream, subjects.INBOUND_REFERRAL, rejected, harness.msg_id_of(rejected))

    async def kept(client) -> dict | None:
        rows = (await client.get("/api/notices/rejected")).json()
        return next((r for r in rows if r["notice_id"] == rejected["notice_id"]), None)

    assert bad_number in (await harness.eventually(lambda: kept(clerk)))["payload"]
    shown = await kept(evaluator)
    assert bad_number not in shown["payload"] and _masked(bad_number) in shown["payload"]
    assert rejected["person"]["full_name"] in shown["payload"]  # an evaluator reads every person's name
    page = await evaluator.get("/notices/rejected")
    assert bad_number not in page.text and _masked(bad_number) in page.text
    officer = await client_as(stack, "officer", officer_id=_officer_id())
    assert (await officer.get("/api/notices/rejected")).status_code == 403


async def test_dead_letters_hide_names_and_mask_ids_from_those_who_may_not_read_them(stack, jetstream, db_backend):
    number, name = _national_id(), _name("Đoàn")
    # A roster entry that does not validate: intake gives up on it at once and keeps it as a dead letter.
    poison = {"type": ev.OfficerRegistered.TYPE, "officer_id": _officer_id(), "full_name": name,
              "relationships": [{"full_name": name, "national_id": number}]}
    await harness.publish(jetstream, subjects.subject_of(ev.OfficerRegistered), poison, f"poison-{uuid.uuid4()}")
    leader, admin = await client_as(stack, "leader"), await client_as(stack, "administrator")

    async def letter(client) -> dict | None:
        letters = (await client.get(DEAD_LETTERS_API)).json()
        return next((d for d in letters if poison["officer_id"] in d["payload"]), None)

    whole = await harness.eventually(lambda: letter(leader))
    assert name in whole["payload"] and number in whole["payload"] and number in whole["error"]
    masked = await letter(admin)
    for text in (masked["payload"], masked["error"]):
        assert name not in text and number not in text
    assert _masked(number) in masked["payload"] and '"full_name": "•••"' in masked["payload"]
    page = await admin.get("/dead-letters")
    assert page.status_code == 200 and poison["officer_id"] in page.text
    assert whole["status"] == "waiting" and "Đang chờ xử lý lại" in page.text
    assert name not in page.text and number not in page.text
    assert name in (await leader.get("/dead-letters")).text

    anonymous = harness.http_client(stack.app)
    assert (await anonymous.get(DEAD_LETTERS_API)).status_code == 401
    assert (await (await client_as(stack, "clerk")).get(DEAD_LETTERS_API)).status_code == 403
    actions = [(e["action"], e["detail"].get("api", False)) for e in await stack.accounts.audit_entries()]
    assert ("view_dead_letters", True) in actions and ("view_dead_letters", False) in actions


async def test_administrators_map_unknown_codes_without_reading_names(stack, jetstream, db_backend):
    name = _name("Hà")
    notice = harness.make_notice(agency__code=f"CA-NEW-{uuid.uuid4().hex[:4]}", person__full_name=name)
    await harness.publish(jetstream, subjects.INBOUND_REFERRAL, notice, harness.msg_id_of(notice))
    clerk, admin = await client_as(stack, "clerk"), await client_as(stack, "administrator")

    async def flagged() -> bool:
        return notice["notice_id"] in (await clerk.get("/notices/flagged")).text

    await harness.eventually(flagged)
    assert name in (await clerk.get("/notices/flagged")).text
    page = await admin.get("/notices/flagged")
    assert page.status_code == 200 and notice["notice_id"] in page.text and name not in page.text
    entries = [e for e in await stack.accounts.audit_entries() if e["action"] == "list_flagged_notices"]
    assert [e["detail"]["names_shown"] for e in entries[:2]] == [False, True]


async def test_the_migration_carries_over_the_performers_intake_already_knows(database_url, db_backend):
    """Cases assigned before the performers were kept: the current performer, and an officer who declined
    through the case page (the audit log says so), see the case after the upgrade."""
    engine = create_engine(await database_url("intake"))
    try:
        await upgrade_to(engine, MIGRATIONS, "0010")
        at = datetime(2026, 5, 4, 3, 0, tzinfo=timezone.utc)
        case = dict(register_no="00001/2026/TL", channel="agency_notice", opened_at=at, full_name="Nguyễn Văn An",
                    gender="male", field="criminal", summary="", groups=[], urgent=True, status="assigned")
        async with engine.begin() as conn:
            await conn.execute(sa.insert(t.cases).values(case_id="c-1", officer_id="TGV-002", assigned_at=at, **case))
            await conn.execute(sa.insert(t.cases).values(case_id="c-2", **{**case, "register_no": "00002/2026/TL",
                                                                             "status": "open"}))
            await conn.execute(sa.insert(t.staff_users).values(
                username="yen", full_name="Nguyễn Kim Yến", password_hash="x", roles=["officer"], active=True,
                officer_id="TGV-004", created_at=at))
            for n in range(2):  # declined twice over the years: one row
                await conn.execute(sa.insert(t.audit_log).values(
                    at=at + timedelta(minutes=n), username="yen", action="assignment_decline", subject="c-1",
                    detail={}))
        await upgrade_to_head(engine, MIGRATIONS)
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.select(t.case_performers).order_by(t.case_performers.c.officer_id))).all()
        assert [(r.case_id, r.officer_id, r.since) for r in rows] == [("c-1", "TGV-002", at), ("c-1", "TGV-004", at)]
    finally:
        await engine.dispose()

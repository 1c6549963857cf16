"""Requests registered by staff, against a real nats-server and a real database: the form, the
decisions, the events, the printable refusal and the audit log."""

import re
import uuid
from datetime import timedelta

import pytest

from services.intake.domain.requests import parse_staff_request
from services.intake.domain.staff import StaffUser
from services.intake.service_layer.requests import flag_overdue_acceptances, register_request
from services.runtime.unit_of_work import utcnow
from tests import harness

pytestmark = pytest.mark.integration


@pytest.fixture
def intake(intake_stack):
    stack = intake_stack
    return stack.host, stack.app, stack.accounts, stack.client


def _form(**changes) -> dict:
    """A complete walk-in request of an elderly person with financial difficulty (entitled)."""
    form = {"channel": "walk_in", "full_name": "Trần Thị Bình", "birth_date": "12/04/1950", "gender": "female",
            "national_id": f"0521{uuid.uuid4().int % 10**8:08d}", "commune_code": "21583", "ethnicity": "Kinh",
            "field": "civil", "form": "proceedings", "summary": "Tranh chấp ranh giới đất với hộ liền kề",
            "claimed_groups": ["elderly"], "documents": ["request_form", "citizen_id", "social_allowance_decision"]}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


async def _csrf(client) -> str:
    page = await client.get("/requests/new")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


async def _register(client, **changes) -> str:
    response = await client.post("/requests", data={**_form(**changes), "csrf_token": await _csrf(client)})
    assert response.status_code == 303, response.text
    return response.headers["location"].rsplit("/", 1)[1]


async def _post(client, request_id: str, action: str, **data):
    return await client.post(f"/requests/{request_id}/{action}", data={**data, "csrf_token": await _csrf(client)})


async def _cases(client) -> list[dict]:
    return (await client.get("/api/cases", params={"size": 500})).json()["cases"]


async def test_a_form_with_errors_says_which_field_is_wrong_and_keeps_what_was_typed(intake, db_backend):
    _, _, _, client = intake
    data = _form(full_name="Trần Thị 2", national_id="12345", summary="", trial_date="31/02/2026",
                 ethnicity="Ba Na", documents=["request_form", "poor_household_certificate"])
    response = await client.post("/requests", data={**data, "csrf_token": await _csrf(client)})
    assert response.status_code == 422
    page = response.text
    assert "Biểu mẫu có 4 lỗi" in page
    assert "Họ và tên chỉ gồm chữ cái (có dấu), khoảng trắng, dấu gạch nối hoặc dấu nháy." in page
    assert "Số định danh cá nhân (CCCD) phải gồm đúng 12 chữ số." in page
    assert "Nhập tóm tắt nội dung vụ việc." in page
    assert "Ngày xét xử không hợp lệ" in page
    assert 'value="Trần Thị 2"' in page and 'value="12345"' in page and 'value="Ba Na"' in page
    assert 'value="31/02/2026"' in page and 'value="12/04/1950"' in page
    assert 'value="poor_household_certificate" checked' in page and 'value="elderly" checked' in page
    assert 'value="female" selected' in page and 'value="civil" selected' in page
    assert "Không có yêu cầu nào" in (await client.get("/requests")).text


async def test_a_complete_request_is_accepted_into_the_register_and_goes_to_assignment(intake, jetstream, db_backend):
    _, _, accounts, client = intake
    request_id = await _register(client, opposing_parties="Phạm Thị Dung, 052201000004")
    page = (await client.get(f"/requests/{request_id}")).text
    assert "Chờ quyết định thụ lý" in page and "Đủ căn cứ" in page and "age.elderly.v1" in page
    assert "Người cao tuổi" in page and "Phường Quy Nhơn" in page
    assert "Phạm Thị Dung (CCCD 052201000004)" in page

    response = await _post(client, request_id, "accept")
    assert response.status_code == 303
    [case] = await _cases(client)
    assert case["channel"] == "walk_in" and case["urgent"] is False and case["groups"] == ["elderly"]
    assert case["full_name"] == "Trần Thị Bình" and case["branch_code"] == "HQ"
    assert re.fullmatch(r"\d{5}/\d{4}/TL", case["register_no"])
    opened = await harness.eventually(lambda: harness.events_of(jetstream, "TGPL_INTAKE", "intake.case_opened"))
    assert opened[0]["case_id"] == case["case_id"] and opened[0]["channel"] == "walk_in"
    assert opened[0]["correlation_id"] == f"request:{request_id}" and opened[0]["producer"] == "intake"
    # Assignment's conflict-of-interest check reads who the case is for and who stands against them.
    assert opened[0]["beneficiary"]["full_name"] == "Trần Thị Bình" and opened[0]["person_id"]
    assert opened[0]["opposing_parties"] == [{"full_name": "Phạm Thị Dung", "national_id": "052201000004"}]
    page = (await client.get(f"/requests/{request_id}")).text
    assert "Đã thụ lý" in page and case["register_no"] in page

    again = await _post(client, request_id, "accept")
    assert again.status_code == 409 and "Yêu cầu này đã được thụ lý; không thể quyết định lại." in again.text
    refused = await _post(client, request_id, "refuse", ground="a", reason="Thử")
    assert refused.status_code == 409
    assert len(await _cases(client)) == 1

    actions = [e["action"] for e in await accounts.audit_entries(subject=request_id)]
    assert {"register_request", "view_request", "accept_request"} <= set(actions)
    accepted = next(e for e in await accounts.audit_entries(subject=request_id) if e["action"] == "accept_request")
    assert accepted["detail"]["register_no"] == case["register_no"]


async def test_a_refusal_needs_a_reason_emits_an_event_and_prints(intake, jetstream, db_backend):
    host, _, accounts, client = intake
    request_id = await _register(client, channel="postal")
    missing = await _post(client, request_id, "refuse", ground="b", reason="  ")
    assert missing.status_code == 422
    assert "Văn bản từ chối trợ giúp pháp lý phải nêu rõ lý do." in missing.text
    assert 'value="b" selected' in missing.text
    assert (await client.get(f"/requests/{request_id}/refusal")).status_code == 409

    reason = "Yêu cầu đòi Trung tâm soạn hợp đồng giả cách để trốn nghĩa vụ trả nợ."
    assert (await _post(client, request_id, "refuse", ground="b", reason=reason)).status_code == 303
    [event] = await harness.eventually(lambda: harness.events_of(jetstream, "TGPL_INTAKE", "intake.request_refused"))
    assert event["request_id"] == request_id and event["ground"] == "b" and event["reason"] == reason
    assert event["correlation_id"] == f"request:{request_id}"

    letter = await client.get(f"/requests/{request_id}/refusal")
    assert letter.status_code == 200
    assert host.policy.rules.refusal_grounds["b"] in letter.text and reason in letter.text
    assert "Trần Thị Bình" in letter.text and "GIÁM ĐỐC" in letter.text and "@media print" in letter.text
    assert "Về việc từ chối thụ lý vụ việc trợ giúp pháp lý" in letter.text

    assert (await _post(client, request_id, "accept")).status_code == 409
    assert await _cases(client) == []
    actions = [e["action"] for e in await accounts.audit_entries(subject=request_id)]
    assert {"print_refusal", "refuse_request"} <= set(actions)


async def test_missing_papers_wait_and_the_request_is_accepted_when_they_arrive(intake, jetstream, db_backend):
    _, _, _, client = intake
    request_id = await _register(client, birth_date="01/06/1980", claimed_groups=["poor_household"],
                                 documents=["request_form"])
    page = (await client.get(f"/requests/{request_id}")).text
    assert "Chờ bổ sung giấy tờ" in page and "Giấy chứng nhận hộ nghèo" in page
    assert "Chưa tính (hồ sơ chưa đủ)" in page

    refused = await _post(client, request_id, "accept")
    assert refused.status_code == 422 and "Chưa xác định được người yêu cầu thuộc diện" in refused.text
    assert await _cases(client) == []
    accepted = await _post(client, request_id, "accept", documents_added="poor_household_certificate")
    assert accepted.status_code == 303
    [case] = await _cases(client)
    assert case["groups"] == ["poor_household"]


async def test_staff_mark_papers_missing_once(intake, db_backend):
    _, _, _, client = intake
    request_id = await _register(client)
    assert (await _post(client, request_id, "papers-missing", note="")).status_code == 422
    assert (await _post(client, request_id, "papers-missing", note="Bản sao CCCD không đọc được")).status_code == 303
    page = (await client.get(f"/requests/{request_id}")).text
    assert "Chờ bổ sung giấy tờ" in page and "Bản sao CCCD không đọc được" in page
    again = await _post(client, request_id, "papers-missing", note="Lần nữa")
    assert again.status_code == 409 and "đang chờ bổ sung giấy tờ" in again.text


async def test_immediate_acceptance_is_urgent_and_a_late_request_shows_overdue(intake, jetstream, db_backend):
    host, _, _, client = intake
    trial = (utcnow() + timedelta(days=2)).astimezone(host.policy.rules.zone).strftime("%d/%m/%Y")
    request_id = await _register(client, field="criminal", procedural_status="defendant", trial_date=trial,
                                 max_penalty_severe="on")
    page = (await client.get(f"/requests/{request_id}")).text
    assert "Thụ lý ngay" in page and "bắt buộc phải có người bào chữa" in page
    assert (await _post(client, request_id, "accept")).status_code == 303
    [case] = await _cases(client)
    assert case["urgent"] is True
    opened = await harness.eventually(lambda: harness.events_of(jetstream, "TGPL_INTAKE", "intake.case_opened"))
    assert opened[0]["urgent"] is True and opened[0]["procedural_status"] == "defendant"

    # A request registered ten days ago and never decided is past the center's acceptance deadline.
    rules = host.policy.rules
    form = parse_staff_request(_form(full_name="Lê Văn Cũ"), rules, utcnow().astimezone(rules.zone).date())
    async with host.uow() as uow:
        old_id = await register_request(uow, form, StaffUser("clerk", "Cán bộ", frozenset()), host.policy,
                                         utcnow() - timedelta(days=10))
    listing = (await client.get("/requests", params={"status": "registered"})).text
    assert "Lê Văn Cũ" in listing and "Quá hạn" in listing and "Trần Thị Bình" not in listing
    assert "Quá hạn" in (await client.get(f"/requests/{old_id}")).text


async def test_the_same_person_is_recognised_and_their_open_case_is_shown(intake, db_backend):
    host, _, _, client = intake
    first = await _register(client, national_id="052150001234")
    await _post(client, first, "accept")
    second = await _register(client, national_id="052150001234", full_name="Tran Thi Binh")
    async with host.uow() as uow:
        a, b = await uow.requests.get(first), await uow.requests.get(second)
    assert a.person_id == b.person_id
    [case] = await _cases(client)
    page = (await client.get(f"/requests/{second}")).text
    assert "đang có vụ việc chưa kết thúc" in page and case["register_no"] in page


async def test_forms_need_the_csrf_token_and_pages_the_role(intake, db_backend):
    _, app, accounts, client = intake
    clerk = await harness.staff_client(app, accounts, roles=("clerk",))
    assert (await clerk.post("/requests", data=_form())).status_code == 403
    request_id = await _register(clerk)
    assert (await clerk.post(f"/requests/{request_id}/accept", data={})).status_code == 403
    assert (await clerk.post(f"/requests/{request_id}/refuse", data={"ground": "a", "reason": "x",
                                                                     "csrf_token": "forged"})).status_code == 403
    assert "Chờ quyết định thụ lý" in (await clerk.get(f"/requests/{request_id}")).text
    admin = await harness.staff_client(app, accounts, roles=("administrator",))
    for path in ("/requests/new", "/requests", f"/requests/{request_id}", f"/requests/{request_id}/refusal"):
        assert (await admin.get(path)).status_code == 403, path
    assert (await client.get("/requests/no-such-request")).status_code == 404


async def test_a_request_not_accepted_in_time_becomes_a_missed_beneficiary_once(intake, jetstream, db_backend):
    host, _, _, client = intake
    rules = host.policy.rules
    form = parse_staff_request(_form(full_name="Đinh Thị Muộn"), rules, utcnow().astimezone(rules.zone).date())
    async with host.uow() as uow:
        await register_request(uow, form, StaffUser("clerk", "Cán bộ", frozenset()), host.policy,
                               utcnow() - timedelta(days=10))
    for _ in range(2):  # the clock runs again: still one record
        async with host.uow() as uow:
            await flag_overdue_acceptances(uow, utcnow())
            await uow.commit()
    missed = await harness.eventually(
        lambda: harness.events_of(jetstream, "TGPL_INTAKE", "intake.missed_beneficiary_detected"))
    assert len(missed) == 1 and missed[0]["reason"] == "not_accepted_in_time" and missed[0]["agency_code"] == ""
    assert "Đinh Thị Muộn" in (await client.get("/missed")).text


async def test_national_id_numbers_are_whole_for_clerks_and_leaders_and_masked_for_others(intake, db_backend):
    _, app, accounts, client = intake
    request_id = await _register(client, national_id="052150009876",
                                 opposing_parties="Phạm Thị Dung, 052201000004")
    assert "052150009876" in (await client.get(f"/requests/{request_id}")).text
    evaluator = await harness.staff_client(app, accounts, roles=("evaluator",))
    page = (await evaluator.get(f"/requests/{request_id}")).text
    assert "052150009876" not in page and "•••••••••876" in page
    assert "052201000004" not in page and "•••••••••004" in page

"""The case file on the case page, against a real nats-server and a real database: progress notes,
closing a case with its outcome (CaseClosed in TGPL_INTAKE, once), who may do it, and the form of aid
from the walk-in request to CaseOpened."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

import httpx
import pytest

from services.runtime.unit_of_work import utcnow
from shared import events as ev
from shared import subjects
from tests import harness
from tests.integration.intake.conftest import IntakeStack
from tests.integration.intake.test_assignment_ui import client_as, csrf, form_fields, section, text_of

pytestmark = pytest.mark.integration

SECTION = "Tiến độ và kết thúc vụ việc"


# --- helpers -------------------------------------------------------------------------------------------


def _today(stack: IntakeStack):
    return utcnow().astimezone(stack.host.policy.rules.zone).date()


async def _case(stack: IntakeStack, case_id: str) -> dict:
    cases = (await stack.client.get("/api/cases", params={"size": 500})).json()["cases"]
    return next(c for c in cases if c["case_id"] == case_id)


async def _publish(jetstream, event: ev.Event) -> None:
    await harness.publish(jetstream, subjects.subject_of(type(event)), event.model_dump_json().encode(),
                          event.event_id)


async def _assign(stack: IntakeStack, jetstream, case_id: str, officer_id: str, name: str) -> None:
    """What assignment would publish: the officer's roster entry and the decision; wait until intake knows."""
    await _publish(jetstream, ev.OfficerRegistered(
        officer_id=officer_id, full_name=name, branch_code="HQ", is_leader=False, fields=["criminal"],
        appointed_on="2018-01-01", quota_target=13))
    await _publish(jetstream, ev.CaseAssigned(case_id=case_id, officer_id=officer_id, is_leader=False,
                                              branch_code="HQ", rule="test", reason="Phân công để thử nghiệm"))

    async def assigned() -> bool:
        return (await _case(stack, case_id))["officer_id"] == officer_id

    await harness.eventually(assigned)


async def _open_case(stack: IntakeStack, jetstream, officer_id: str | None = None, name: str = "") -> str:
    """A notice opens a (proceedings, criminal) case; assigned to `officer_id` when given. Its id."""
    notice = harness.make_notice()
    await harness.publish(jetstream, subjects.INBOUND_REFERRAL, notice, harness.msg_id_of(notice))

    async def opened() -> str | None:
        cases = (await stack.client.get("/api/cases", params={"size": 500})).json()["cases"]
        return next((c["case_id"] for c in cases if c["notice_id"] == notice["notice_id"]), None)

    case_id = await harness.eventually(opened)
    if officer_id:
        await _assign(stack, jetstream, case_id, officer_id, name)
    return case_id


async def _closed_events(jetstream, case_id: str) -> list[dict]:
    return [e for e in await harness.events_of(jetstream, "TGPL_INTAKE", "intake.case_closed")
            if e["case_id"] == case_id]


async def _post(client: httpx.AsyncClient, case_id: str, action: str, **data: str) -> httpx.Response:
    page = await client.get(f"/cases/{case_id}")
    return await client.post(f"/cases/{case_id}/{action}", data={**data, "csrf_token": csrf(page)})


def _officer() -> tuple[str, str]:
    return f"TGV-{uuid.uuid4().hex[:6]}", "Lê Thị Hồng Nhung"


@pytest.fixture
def stack(intake_stack) -> IntakeStack:
    return intake_stack


# --- the performer ----------------------------------------------------------------------------------


async def test_the_performer_records_progress_and_closes_the_case_with_a_result(stack, jetstream, db_backend):
    officer_id, name = _officer()
    case_id = await _open_case(stack, jetstream, officer_id, name)
    performer = await client_as(stack, "officer", officer_id=officer_id)
    today = _today(stack)

    page = await performer.get(f"/cases/{case_id}")
    part = section(page, SECTION, "</div>")
    assert "Tham gia tố tụng" in part and "Chưa có ghi nhận tiến độ nào." in part
    assert f'action="/cases/{case_id}/progress"' in part and f'action="/cases/{case_id}/close"' in part
    assert 'value="charge_reduced"' in part and 'value="advice_given"' not in part  # results of the case's form
    assert f'value="{today.isoformat()}"' in part  # the dates default to today

    first = await _post(performer, case_id, "progress", done_on=today.isoformat(),
                        text="Gặp người được trợ giúp tại nhà tạm giữ")
    assert first.status_code == 303 and first.headers["location"] == f"/cases/{case_id}#tien-do"
    second = await _post(performer, case_id, "progress", done_on=today.strftime("%d/%m/%Y"),
                         text="Tham gia phiên tòa sơ thẩm")
    assert second.status_code == 303
    page = await performer.get(f"/cases/{case_id}")
    notes = section(page, "Tiến độ thực hiện")
    assert notes.index("Tham gia phiên tòa sơ thẩm") < notes.index("Gặp người được trợ giúp tại nhà tạm giữ")
    assert today.strftime("%d/%m/%Y") in notes and "Cán bộ " + officer_id in notes  # who recorded it
    timeline = section(page, "Diễn biến")
    assert timeline.count("Ghi nhận tiến độ thực hiện vụ việc") == 2

    closed = await _post(performer, case_id, "close", outcome="completed", result="charge_reduced",
                         note="Tòa chấp nhận các tình tiết giảm nhẹ, tuyên mức án thấp", closed_on=today.isoformat())
    assert closed.status_code == 303 and closed.headers["location"] == f"/cases/{case_id}#tien-do"
    [event] = await harness.eventually(lambda: _closed_events(jetstream, case_id))
    username = next(e["username"] for e in await stack.accounts.audit_entries(subject=case_id)
                    if e["action"] == "close_case")
    fields = ("outcome", "officer_id", "form", "field", "result", "ground", "note", "closed_by")
    assert {k: event[k] for k in fields} == {
        "outcome": "completed", "officer_id": officer_id, "form": "proceedings", "field": "criminal",
        "result": "charge_reduced", "ground": None,
        "note": "Tòa chấp nhận các tình tiết giảm nhẹ, tuyên mức án thấp", "closed_by": username}
    assert event["producer"] == "intake" and event["correlation_id"] == f"case:{case_id}"
    assert abs(datetime.fromisoformat(event["occurred_at"]) - utcnow()) < timedelta(minutes=1)

    page = await performer.get(f"/cases/{case_id}")
    text = text_of(page)
    assert "Tình trạng Đã kết thúc" in text
    assert f"Kết thúc Kết thúc, có kết quả — ngày {today.strftime('%d/%m/%Y')}" in text
    assert "Kết quả Được giảm nhẹ tội danh/hình phạt" in text
    assert "Nội dung kết thúc Tòa chấp nhận các tình tiết giảm nhẹ, tuyên mức án thấp" in text
    assert f"Người kết thúc Cán bộ {officer_id}" in text
    assert f'action="/cases/{case_id}/close"' not in page.text
    assert f'action="/cases/{case_id}/progress"' not in page.text
    assert "Kết thúc vụ việc" in section(page, "Diễn biến")

    row = await _case(stack, case_id)
    assert row["status"] == "closed" and row["closure_outcome"] == "completed" and row["closed_by"] == username
    listed = (await stack.client.get("/api/cases", params={"status": "closed"})).json()["cases"]
    assert [c["case_id"] for c in listed] == [case_id]
    assert case_id not in [c["case_id"] for c in
                           (await stack.client.get("/api/cases", params={"status": "assigned"})).json()["cases"]]
    register = await stack.client.get("/cases", params={"status": "closed"})
    assert row["register_no"] in register.text and "Đã kết thúc" in section(register, row["register_no"], "</tr>")

    audit = {e["action"]: e["detail"] for e in await stack.accounts.audit_entries(subject=case_id)}
    assert audit["close_case"]["result"] == "charge_reduced" and audit["close_case"]["outcome"] == "completed"
    assert audit["record_case_progress"]["text"] == "Gặp người được trợ giúp tại nhà tạm giữ"  # oldest of two


async def test_closing_twice_is_refused_and_emits_one_event(stack, jetstream, db_backend):
    officer_id, name = _officer()
    case_id = await _open_case(stack, jetstream, officer_id, name)
    performer = await client_as(stack, "officer", officer_id=officer_id)
    today = _today(stack).isoformat()
    page = await performer.get(f"/cases/{case_id}")
    token = csrf(page)
    data = {"csrf_token": token, "outcome": "terminated", "ground": "request_withdrawn",
            "note": "Người được trợ giúp có đơn rút yêu cầu", "closed_on": today}
    # A double click: two submissions of the same form at once.
    answers = await asyncio.gather(performer.post(f"/cases/{case_id}/close", data=data),
                                   performer.post(f"/cases/{case_id}/close", data=data))
    assert sorted(a.status_code for a in answers) == [303, 409]
    refused = next(a for a in answers if a.status_code == 409)
    when = _today(stack).strftime("%d/%m/%Y")
    assert f"Vụ việc này đã kết thúc ngày {when}; không thể kết thúc lại." in refused.text

    again = await performer.post(f"/cases/{case_id}/close", data={
        **data, "outcome": "completed", "result": "charge_reduced", "note": "Lần hai"})
    assert again.status_code == 409 and "không thể kết thúc lại" in again.text
    late = await performer.post(f"/cases/{case_id}/progress", data={
        "csrf_token": token, "done_on": today, "text": "Nhận bản án phúc thẩm"})
    assert late.status_code == 409
    assert f"Vụ việc này đã kết thúc ngày {when}; không ghi nhận thêm tiến độ." in late.text
    assert "Nhận bản án phúc thẩm" in section(late, "Nội dung bạn đã nhập", "</pre>")  # not lost
    clerk_page = await stack.client.get(f"/cases/{case_id}")  # a clerk records the beneficiary's application
    change = await stack.client.post(f"/cases/{case_id}/performer-change",
                                     data={"csrf_token": csrf(clerk_page), "reason": "Muốn đổi người"})
    assert change.status_code == 422 and "Vụ việc đã kết thúc" in change.text

    await asyncio.sleep(0.5)  # give a second event, if any, time to reach the stream
    [event] = await _closed_events(jetstream, case_id)
    assert event["outcome"] == "terminated" and event["ground"] == "request_withdrawn" and event["result"] is None
    assert [e for e in await harness.events_of(jetstream, "TGPL_INTAKE", "intake.performer_change_requested")
            if e["case_id"] == case_id] == []
    text = text_of(await performer.get(f"/cases/{case_id}"))
    assert "Kết thúc Chấm dứt thực hiện trợ giúp pháp lý" in text
    assert "Căn cứ chấm dứt Người được trợ giúp pháp lý rút yêu cầu trợ giúp pháp lý" in text
    assert "(Luật Trợ giúp pháp lý 2017, Điều 37)" in text
    assert "Chưa có ghi nhận tiến độ nào." in text


async def test_a_reassignment_after_closing_leaves_the_case_closed(stack, jetstream, db_backend):
    officer_id, name = _officer()
    case_id = await _open_case(stack, jetstream, officer_id, name)
    done = await _post(stack.client, case_id, "close", outcome="completed", result="rights_protected",
                       note="Bị hại được bồi thường đầy đủ", closed_on=_today(stack).isoformat())
    assert done.status_code == 303
    other, other_name = _officer()
    await _assign(stack, jetstream, case_id, other, other_name)
    row = await _case(stack, case_id)
    assert row["status"] == "closed" and row["officer_id"] == other


# --- who may ----------------------------------------------------------------------------------------------


async def test_others_read_the_section_and_are_refused(stack, jetstream, db_backend):
    officer_id, name = _officer()
    case_id = await _open_case(stack, jetstream, officer_id, name)
    performer = await client_as(stack, "officer", officer_id=officer_id)
    assert (await _post(performer, case_id, "progress", done_on=_today(stack).isoformat(),
                        text="Nghiên cứu hồ sơ vụ án")).status_code == 303

    other_officer = await client_as(stack, "officer", officer_id="TGV-004")
    for client in (other_officer, await client_as(stack, "clerk"), await client_as(stack, "evaluator")):
        page = await client.get(f"/cases/{case_id}")
        if client is other_officer:  # no part in the case: the notes, written about the person, are not shown
            assert SECTION not in page.text and "Nghiên cứu hồ sơ vụ án" not in page.text
        else:
            part = section(page, SECTION, "<h2>Thay đổi người thực hiện</h2>")
            assert "Nghiên cứu hồ sơ vụ án" in part and "Tham gia tố tụng" in part  # read-only, not hidden
            assert ("Chỉ người thực hiện vụ việc hoặc lãnh đạo Trung tâm được ghi nhận tiến độ và kết thúc vụ việc."
                    in part)
            assert "<form" not in part
        token = csrf(page)
        progress = await client.post(f"/cases/{case_id}/progress", data={
            "csrf_token": token, "done_on": _today(stack).isoformat(), "text": "Tự ghi"})
        close = await client.post(f"/cases/{case_id}/close", data={
            "csrf_token": token, "outcome": "completed", "result": "acquitted", "note": "Tự kết thúc",
            "closed_on": _today(stack).isoformat()})
        assert (progress.status_code, close.status_code) == (403, 403)
        assert "Không có quyền" in close.text
    no_token = await performer.post(f"/cases/{case_id}/close", data={
        "outcome": "completed", "result": "acquitted", "note": "Không có mã", "closed_on": _today(stack).isoformat()})
    assert no_token.status_code == 403 and "Biểu mẫu không hợp lệ" in no_token.text

    await asyncio.sleep(0.5)
    assert await _closed_events(jetstream, case_id) == []
    row = await _case(stack, case_id)
    assert row["status"] == "assigned"
    assert text_of(await performer.get(f"/cases/{case_id}")).count("Nghiên cứu hồ sơ vụ án") == 1


async def test_a_leader_transfers_a_case_nobody_was_assigned(stack, jetstream, db_backend):
    case_id = await _open_case(stack, jetstream)  # the stack's own user is a clerk and a leader
    assert (await stack.client.get("/inbox")).text.count(f"/cases/{case_id}") == 1
    done = await _post(stack.client, case_id, "close", outcome="transferred",
                       transferred_to="Trung tâm Trợ giúp pháp lý tỉnh Đắk Lắk",
                       note="Người được trợ giúp chuyển nơi cư trú", closed_on=_today(stack).isoformat())
    assert done.status_code == 303
    [event] = await harness.eventually(lambda: _closed_events(jetstream, case_id))
    assert (event["outcome"], event["officer_id"], event["result"], event["ground"]) == (
        "transferred", None, None, None)
    text = text_of(await stack.client.get(f"/cases/{case_id}"))
    assert "Chuyển cho Trung tâm Trợ giúp pháp lý tỉnh Đắk Lắk" in text
    inbox = await stack.client.get("/inbox")
    assert f"/cases/{case_id}" not in inbox.text  # no longer waiting for an officer
    assert "<strong>0</strong> vụ việc khẩn chưa phân công" in inbox.text


# --- wrong input ------------------------------------------------------------------------------------------


async def test_wrong_input_is_explained_next_to_the_field_and_kept(stack, jetstream, db_backend):
    officer_id, name = _officer()
    case_id = await _open_case(stack, jetstream, officer_id, name)
    performer = await client_as(stack, "officer", officer_id=officer_id)
    today = _today(stack)
    tomorrow = (today + timedelta(days=1)).isoformat()
    action = f"/cases/{case_id}/close"

    wrong = await _post(performer, case_id, "close", outcome="transferred", transferred_to="  ",
                        note="Đã chuyển hồ sơ <b>gốc</b>", closed_on=tomorrow)
    assert wrong.status_code == 422
    assert "Nhập tên tổ chức nhận vụ việc." in wrong.text
    assert f"Ngày kết thúc không được sau ngày hôm nay ({today.strftime('%d/%m/%Y')})." in wrong.text
    kept = dict(form_fields(wrong, action))
    assert kept["outcome"] == "transferred" and kept["note"] == "Đã chuyển hồ sơ <b>gốc</b>"
    assert kept["closed_on"] == tomorrow
    assert 'aria-invalid="true" aria-describedby="err-close-transferred_to"' in wrong.text

    no_result = await _post(performer, case_id, "close", outcome="completed", result="", note="Xong",
                            closed_on=(today - timedelta(days=1)).isoformat())
    assert no_result.status_code == 422 and "Chọn kết quả của vụ việc." in no_result.text
    assert "Ngày kết thúc không được trước ngày thụ lý vụ việc" in no_result.text
    wrong_form = await _post(performer, case_id, "close", outcome="completed", result="advice_given", note="Xong",
                             closed_on=today.isoformat())
    assert wrong_form.status_code == 422
    assert "Kết quả này không dùng cho hình thức trợ giúp pháp lý của vụ việc." in wrong_form.text
    nothing = await _post(performer, case_id, "close")
    assert nothing.status_code == 422
    for message in ("Chọn cách kết thúc vụ việc: có kết quả, chấm dứt hoặc chuyển.", "Nhập ngày kết thúc.",
                    "Ghi nội dung kết thúc vụ việc"):
        assert message in nothing.text

    empty = await _post(performer, case_id, "progress", done_on=today.isoformat(), text="   ")
    assert empty.status_code == 422 and "Ghi rõ công việc đã thực hiện" in empty.text
    assert dict(form_fields(empty, f"/cases/{case_id}/progress"))["done_on"] == today.isoformat()
    future = await _post(performer, case_id, "progress", done_on=tomorrow, text="Hẹn gặp bị can")
    assert future.status_code == 422 and "Ngày thực hiện không được sau ngày hôm nay" in future.text
    assert dict(form_fields(future, f"/cases/{case_id}/progress"))["text"] == "Hẹn gặp bị can"

    await asyncio.sleep(0.5)
    assert await _closed_events(jetstream, case_id) == []
    page = await performer.get(f"/cases/{case_id}")
    assert "Chưa có ghi nhận tiến độ nào." in page.text and (await _case(stack, case_id))["status"] == "assigned"


# --- the form of aid -----------------------------------------------------------------------------------------


def _request_form(**changes: str | list[str]) -> dict:
    form = {"channel": "walk_in", "full_name": "Đỗ Thị Thanh", "birth_date": "02/09/1952", "gender": "female",
            "national_id": f"0521{uuid.uuid4().int % 10**8:08d}", "commune_code": "21583", "field": "civil",
            "form": "advice", "summary": "Hỏi về thủ tục khai nhận di sản thừa kế", "claimed_groups": ["elderly"],
            "documents": ["request_form", "citizen_id", "social_allowance_decision"]}
    form.update(changes)
    return form


async def test_a_walk_in_request_for_advice_opens_an_advice_case(stack, jetstream, db_backend):
    client = stack.client
    blank = await client.get("/requests/new")
    assert "Hình thức trợ giúp pháp lý *" in blank.text
    for code, label in (("proceedings", "Tham gia tố tụng"), ("advice", "Tư vấn pháp luật"),
                        ("representation", "Đại diện ngoài tố tụng")):
        assert f'<option value="{code}">{label}</option>' in blank.text
    missing = await client.post("/requests", data={**_request_form(form=""), "csrf_token": csrf(blank)})
    assert missing.status_code == 422 and "Chọn hình thức trợ giúp pháp lý." in missing.text
    assert 'value="Đỗ Thị Thanh"' in missing.text

    registered = await client.post("/requests", data={**_request_form(), "csrf_token": csrf(blank)})
    assert registered.status_code == 303
    request_url = registered.headers["location"]
    page = await client.get(request_url)
    assert "Hình thức trợ giúp pháp lý Tư vấn pháp luật" in text_of(page)
    accepted = await client.post(f"{request_url}/accept", data={"csrf_token": csrf(page)})
    assert accepted.status_code == 303

    request_id = request_url.rsplit("/", 1)[1]
    opened = await harness.eventually(lambda: _opened_for(jetstream, request_id))
    assert opened["form"] == "advice" and opened["field"] == "civil"
    case_id = opened["case_id"]
    assert (await _case(stack, case_id))["form"] == "advice"
    case_page = await client.get(f"/cases/{case_id}")
    part = section(case_page, SECTION, "</div>")
    assert "Tư vấn pháp luật" in part and 'value="advice_given"' in part and 'value="charge_reduced"' not in part

    done = await _post(client, case_id, "close", outcome="completed", result="advice_given",
                       note="Đã hướng dẫn thủ tục khai nhận di sản tại phòng công chứng",
                       closed_on=_today(stack).isoformat())
    assert done.status_code == 303
    [event] = await harness.eventually(lambda: _closed_events(jetstream, case_id))
    assert (event["form"], event["field"], event["result"], event["officer_id"]) == (
        "advice", "civil", "advice_given", None)
    assert "Kết quả Đã tư vấn, hướng dẫn" in text_of(await client.get(f"/cases/{case_id}"))


async def _opened_for(jetstream, request_id: str) -> dict | None:
    opened = await harness.events_of(jetstream, "TGPL_INTAKE", "intake.case_opened")
    return next((e for e in opened if e["correlation_id"] == f"request:{request_id}"), None)


async def test_a_notice_opens_a_proceedings_case(stack, jetstream, db_backend):
    case_id = await _open_case(stack, jetstream)

    async def opened_event() -> list[dict]:
        return [e for e in await harness.events_of(jetstream, "TGPL_INTAKE", "intake.case_opened")
                if e["case_id"] == case_id]

    [opened] = await harness.eventually(opened_event)
    assert opened["form"] == "proceedings"
    assert (await _case(stack, case_id))["form"] == "proceedings"

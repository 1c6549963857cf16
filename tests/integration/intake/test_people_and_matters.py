"""One person across notices, one case per matter, missed beneficiaries, unknown codes: through NATS
and the database, and the staff pages that show them."""

import re

import pytest

from services.intake.domain.matching import PersonRecord
from shared import subjects
from tests import harness

pytestmark = pytest.mark.integration


@pytest.fixture
def intake(intake_stack):
    stack = intake_stack
    return stack.host, stack.client


async def send(js, notice: dict) -> None:
    await harness.publish(js, subjects.INBOUND_REFERRAL, notice, harness.msg_id_of(notice))


async def intake_events(js, event_type: str, n: int):
    found = await harness.events_of(js, "TGPL_INTAKE", event_type)
    return found if len(found) >= n else None


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


async def test_police_procuracy_court_notices_are_one_case_with_three_stages(intake, jetstream, db_backend):
    _, client = intake
    person = harness.make_notice()["person"]
    police = harness.make_notice(person=person, agency={"kind": "police", "code": "CA-GL", "name": "Công an tỉnh"})
    procuracy = harness.make_notice(person=person, agency={"kind": "procuracy", "code": "VKS-GL", "name": "VKS tỉnh"},
                                    procedural_status="defendant", case__agency_case_ref="12/2026/VKS")
    court = harness.make_notice(person=person, agency={"kind": "court", "code": "TA-GL", "name": "Tòa án tỉnh"},
                                procedural_status="defendant", case__agency_case_ref="30/2026/HSST")
    for notice in (police, procuracy, court):
        await send(jetstream, notice)
    linked = await harness.eventually(lambda: intake_events(jetstream, "intake.case_notice_linked", 2))
    opened = await harness.events_of(jetstream, "TGPL_INTAKE", "intake.case_opened")
    assert len(opened) == 1 and {e["case_id"] for e in linked} == {opened[0]["case_id"]}
    assert [e["stage"] for e in linked] == ["prosecution", "trial"]
    # The matter's case numbers travel with the events, so assignment can see the parties of one matter.
    assert [e["agency_case_ref"] for e in linked] == ["12/2026/VKS", "30/2026/HSST"]
    assert opened[0]["stage"] == "investigation" and opened[0]["agency_case_ref"] == police["case"]["agency_case_ref"]
    assert opened[0]["beneficiary"] == {"full_name": person["full_name"], "national_id": person["national_id"]}
    received = await harness.events_of(jetstream, "TGPL_INTAKE", "intake.notice_received")
    assert len({e["person_id"] for e in received}) == 1 and len(received) == 3
    page = await client.get(f"/cases/{opened[0]['case_id']}")
    assert page.status_code == 200
    for text in ("Điều tra (công an)", "Truy tố (viện kiểm sát)", "Xét xử (tòa án)", "30/2026/HSST"):
        assert text in page.text


async def test_a_child_who_did_not_ask_is_a_missed_beneficiary_with_a_follow_up(intake, jetstream, db_backend):
    _, client = intake
    child = harness.make_notice(wants_legal_aid=False, request_received_at=None, claimed_groups=[],
                                procedural_status="victim", person__birth_date="2015-06-01",
                                person__full_name="Lê Thị Hoa")
    await send(jetstream, child)
    missed = await harness.eventually(lambda: intake_events(jetstream, "intake.missed_beneficiary_detected", 1))
    assert missed[0]["reason"] == "did_not_ask" and missed[0]["groups"] == ["child"]
    assert missed[0]["agency_code"] == "CA-GL" and "chưa yêu cầu" in missed[0]["explanation"]
    page = await client.get("/missed")
    assert "Lê Thị Hoa" in page.text
    closed = await client.post(f"/missed/{missed[0]['missed_id']}/follow-up",
                               data={"csrf_token": csrf(page.text), "outcome": "Đã gặp gia đình, giải thích quyền"})
    assert closed.status_code == 303
    assert "Lê Thị Hoa" not in (await client.get("/missed")).text
    assert "Đã gặp gia đình" in (await client.get("/missed?status=done")).text


async def test_a_request_passed_on_late_is_a_missed_beneficiary_too(intake, jetstream, db_backend):
    late = harness.make_notice(request_received_at="2026-11-01T08:00:00+07:00", sent_at="2026-11-02T09:00:00+07:00",
                               procedural_status="suspect")
    await send(jetstream, late)
    missed = await harness.eventually(lambda: intake_events(jetstream, "intake.missed_beneficiary_detected", 1))
    assert missed[0]["reason"] == "request_passed_late"
    assert len(await harness.events_of(jetstream, "TGPL_INTAKE", "intake.case_opened")) == 1


async def test_a_near_match_asks_staff_and_confirming_merges_the_records(intake, jetstream, db_backend):
    host, client = intake
    first = harness.make_notice(person__national_id=None, person__commune_code="21583")
    second = harness.make_notice(person__national_id=None, person__commune_code="21910",
                                 case__field="civil", wants_legal_aid=False, request_received_at=None)
    await send(jetstream, first)
    await harness.eventually(lambda: intake_events(jetstream, "intake.notice_received", 1))
    await send(jetstream, second)
    received = await harness.eventually(lambda: intake_events(jetstream, "intake.notice_received", 2))
    assert received[0]["person_id"] != received[1]["person_id"]  # not merged automatically
    page = await client.get("/duplicates")
    assert "Hồ sơ nghi trùng người" in page.text and page.text.count("Nguyễn Văn An") == 2
    review_id = re.search(r'action="/duplicates/([^"]+)"', page.text).group(1)
    response = await client.post(f"/duplicates/{review_id}", data={"csrf_token": csrf(page.text), "same": "yes"})
    assert response.status_code == 303
    assert "Không có hồ sơ nào cần xác nhận" in (await client.get("/duplicates")).text
    async with host.uow() as uow:
        people = await uow.people.candidates(PersonRecord(None, "Nguyễn Văn An", None, None, "21583", "male"))
    assert [p.person_id for p in people] == [received[0]["person_id"]]


async def test_an_unknown_commune_is_flagged_then_mapped_for_every_waiting_notice(intake, jetstream, db_backend):
    _, client = intake
    notices = [harness.make_notice(person__commune_code="99999") for _ in range(2)]
    for notice in notices:
        await send(jetstream, notice)
    received = await harness.eventually(lambda: intake_events(jetstream, "intake.notice_received", 2))
    assert [e["commune_known"] for e in received] == [False, False]
    inbox = await client.get("/inbox")
    assert "2</strong> thông báo có mã cơ quan hoặc mã xã chưa có" in inbox.text
    page = await client.get("/notices/flagged")
    assert page.text.count("Mã xã mới") == 2
    mapped = await client.post("/reference/communes", data={"csrf_token": csrf(page.text), "code": "99999",
                                                             "name": "Xã Thử Nghiệm", "branch": "CN-PC"})
    assert mapped.status_code == 303
    assert "Không có thông báo nào đang chờ" in (await client.get("/notices/flagged")).text
    cases = (await client.get("/api/cases")).json()["cases"]
    assert {c["branch_code"] for c in cases} == {"CN-PC"} and {c["commune_name"] for c in cases} == {"Xã Thử Nghiệm"}


async def test_the_register_is_searched_without_diacritics_or_by_number(intake, jetstream, db_backend):
    _, client = intake
    await send(jetstream, harness.make_notice(person__full_name="Đặng Thị Ánh Tuyết"))
    await send(jetstream, harness.make_notice(person__full_name="Hồ Văn Sơn"))
    await harness.eventually(lambda: intake_events(jetstream, "intake.case_opened", 2))
    found = (await client.get("/api/cases", params={"q": "dang thi anh"})).json()["cases"]
    assert [c["full_name"] for c in found] == ["Đặng Thị Ánh Tuyết"]
    number = found[0]["register_no"]
    assert [c["register_no"] for c in (await client.get("/api/cases", params={"q": number})).json()["cases"]] == [number]
    assert found[0]["assignment_due"] is not None  # the center's own clock runs from acceptance
    page = await client.get("/cases", params={"q": "Son ho van"})
    assert "Hồ Văn Sơn" in page.text and "Đặng Thị Ánh Tuyết" not in page.text


async def test_a_corrected_notice_updates_its_case(intake, jetstream, db_backend):
    _, client = intake
    first = harness.make_notice(case__summary="Trộm cắp tài sản")
    second = {**first, "revision": 2, "person": {**first["person"], "full_name": "Nguyễn Văn Anh"},
              "case": {**first["case"], "summary": "Cướp giật tài sản"}}
    await send(jetstream, first)
    await harness.eventually(lambda: intake_events(jetstream, "intake.case_opened", 1))
    await send(jetstream, second)
    await harness.eventually(lambda: intake_events(jetstream, "intake.notice_received", 2))
    cases = (await client.get("/api/cases")).json()["cases"]
    assert len(cases) == 1
    assert (cases[0]["full_name"], cases[0]["summary"]) == ("Nguyễn Văn Anh", "Cướp giật tài sản")


async def test_a_change_of_performer_is_due_in_3_working_days_and_answered_by_a_new_assignment(
        intake, jetstream, db_backend):
    from shared import events as ev

    _, client = intake
    await send(jetstream, harness.make_notice(person__full_name="Trịnh Văn Đổi"))
    case = (await harness.eventually(lambda: intake_events(jetstream, "intake.case_opened", 1)))[0]
    page = await client.get(f"/cases/{case['case_id']}")
    response = await client.post(f"/cases/{case['case_id']}/performer-change",
                                 data={"csrf_token": csrf(page.text), "reason": "Muốn người thực hiện là nữ"})
    assert response.status_code == 303
    asked = await harness.eventually(lambda: intake_events(jetstream, "intake.performer_change_requested", 1))
    assert asked[0]["case_id"] == case["case_id"] and asked[0]["reason"] == "Muốn người thực hiện là nữ"
    page = (await client.get(f"/cases/{case['case_id']}")).text
    assert "Hạn trả lời và phân công lại" in page and "Muốn người thực hiện là nữ" in page

    assigned = ev.CaseAssigned(case_id=case["case_id"], officer_id="TGV-007", is_leader=False, branch_code="HQ",
                               rule="reassign", reason="Phân công lại theo đề nghị")
    await harness.publish(jetstream, subjects.subject_of(ev.CaseAssigned), assigned.model_dump_json().encode(),
                          assigned.event_id)

    async def answered():
        return "Hạn trả lời và phân công lại" not in (await client.get(f"/cases/{case['case_id']}")).text

    await harness.eventually(answered)

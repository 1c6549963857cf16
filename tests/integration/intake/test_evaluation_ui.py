"""The quality evaluation pages of the staff UI over the REAL evaluation service (its own database, its
consumers on the test's nats-server, its HTTP app reached through httpx.ASGITransport), with the real
assignment service deciding the cases and publishing the roster, and intake opening them from notices.

Closing a case is intake's `intake.case_closed` event; the tests publish it themselves with a closing
time in the last evaluation year that has ended (a year's plan is drawn once the year is over).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import httpx
import pytest

from deploy.local.nats_server import free_port
from services.assignment.bootstrap import build as build_assignment
from services.assignment.config import AssignmentSettings
from services.assignment.entrypoints.web import build_web as build_assignment_web
from services.evaluation.bootstrap import build as build_evaluation
from services.evaluation.config import EvaluationSettings
from services.evaluation.entrypoints.web import build_web as build_evaluation_web
from services.intake.adapters.assignment_api import AssignmentApi
from services.intake.adapters.evaluation_api import UNAVAILABLE_MESSAGE, EvaluationApi
from services.intake.entrypoints.evaluation_form import evaluation_year
from shared import events as ev
from shared import subjects
from tests import harness
from tests.integration.intake.conftest import IntakeStack
from tests.integration.intake.test_assignment_ui import client_as, csrf, form_fields, text_of

pytestmark = pytest.mark.integration

VN = timezone(timedelta(hours=7))
LEADER_OFFICER = "TGV-001"
#: Scores of the appraisal checklist: 76/100, "result_recorded" (not critical) below its pass score of 5.
SCORES = {"file_complete": "8", "deadlines_met": "12", "client_meetings": "8", "research_evidence": "12",
          "legal_argument": "16", "proceedings_attended": "12", "result_recorded": "3", "professional_ethics": "5"}


class Clock:
    """Evaluation's clock, which a test moves forward (overdue actions)."""

    def __init__(self) -> None:
        self.shift = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + self.shift


@dataclass
class Quality:
    stack: IntakeStack
    evaluation: httpx.AsyncClient  # evaluation's own API, to check what it recorded
    assignment: httpx.AsyncClient
    jetstream: object
    clock: Clock


@pytest.fixture
async def quality(intake_stack, jetstream, nats_url, database_url, tmp_path) -> Quality:
    assignment_dir, evaluation_dir = tmp_path / "assignment", tmp_path / "evaluation"
    assignment_dir.mkdir()
    evaluation_dir.mkdir()
    assignment = build_assignment(AssignmentSettings(
        nats_url=nats_url, database_url=await database_url("assignment"), data_dir=assignment_dir,
        reference_dir=harness.DEMO_DATA, retry_delays_s=[0.2]))
    evaluation = build_evaluation(EvaluationSettings(
        nats_url=nats_url, database_url=await database_url("evaluation"), data_dir=evaluation_dir,
        retry_delays_s=[0.2]))
    clock = Clock()
    async with harness.running(assignment), harness.running(evaluation):
        async with harness.http_client(assignment.asgi(build_assignment_web(assignment.engine, assignment.uow))) as a, \
                harness.http_client(evaluation.asgi(build_evaluation_web(evaluation.uow, clock=clock))) as e:
            intake_stack.app.state.assignment = AssignmentApi(str(a.base_url), client=a)
            intake_stack.app.state.evaluation = EvaluationApi(str(e.base_url), client=e)
            # Evaluation and intake know the roster (names, targets) before any page is read.
            await harness.eventually(lambda: _officers_known(e), timeout=20)
            yield Quality(intake_stack, e, a, jetstream, clock)


async def _officers_known(evaluation: httpx.AsyncClient) -> bool:
    body = (await evaluation.get(f"/api/reviews/{date.today().year}")).json()
    return len(body["reviews"]) >= 26


# --- helpers -------------------------------------------------------------------------------------------


def last_ended_year() -> int:
    """The last evaluation year that is over (its plan may be drawn)."""
    return evaluation_year(datetime.now(VN).date()) - 1


def closing_time_in(year: int) -> datetime:
    """A working morning inside evaluation year `year` (1 November year-1 .. 31 October year)."""
    return datetime(year, 10, 12, 9, 30, tzinfo=VN)


@dataclass
class ClosedCase:
    case_id: str
    register_no: str
    officer_id: str
    officer_name: str


async def closed_case(q: Quality, closed_at: datetime | None = None, officer_id: str | None = None) -> ClosedCase:
    """A notice opens a case in intake, assignment gives it an officer (or a leader gives it to `officer_id`),
    and the case closes completed at `closed_at` (default: in the last ended evaluation year)."""
    notice = harness.make_notice()
    await harness.publish(q.jetstream, subjects.INBOUND_REFERRAL, notice, harness.msg_id_of(notice))

    async def opened() -> dict | None:
        cases = (await q.stack.client.get("/api/cases", params={"size": 500})).json()
        found = [c for c in cases["cases"] if c["notice_id"] == notice["notice_id"]]
        return found[0] if found else None

    case = await harness.eventually(opened)

    async def decided() -> dict | None:
        response = await q.assignment.get(f"/api/cases/{case['case_id']}/decision")
        body = response.json() if response.status_code == 200 else None
        return body if body and body.get("officer_id") else None

    decision = await harness.eventually(decided)
    if officer_id and decision["officer_id"] != officer_id:
        overridden = await q.assignment.post(f"/api/cases/{case['case_id']}/override", json={
            "officer_id": officer_id, "reason": "Người thực hiện đã nắm hồ sơ từ giai đoạn trước",
            "actor": {"username": "lanhdao", "officer_id": LEADER_OFFICER, "is_leader": True}})
        assert overridden.status_code == 200, overridden.text
        decision = (await q.assignment.get(f"/api/cases/{case['case_id']}/decision")).json()
    performer = decision["officer_id"]
    closed = ev.CaseClosed(case_id=case["case_id"], outcome="completed", officer_id=performer, form="proceedings",
                           field="criminal", result="charge_reduced", note="Tòa tuyên mức án nhẹ hơn đề nghị",
                           closed_by="trogiupvien", producer="intake",
                           occurred_at=closed_at or closing_time_in(last_ended_year()))
    await q.jetstream.publish(subjects.subject_of(ev.CaseClosed), closed.model_dump_json().encode(),
                              headers={"Nats-Msg-Id": closed.event_id})

    async def known_closed() -> bool:
        cases = (await q.evaluation.get("/api/cases", params={"officer_id": performer})).json()
        return any(c["case_id"] == case["case_id"] and c["outcome"] == "completed" for c in cases)

    await harness.eventually(known_closed)
    return ClosedCase(case["case_id"], case["register_no"], performer, decision["officer_name"])


async def evaluator(q: Quality) -> httpx.AsyncClient:
    return await client_as(q.stack, "evaluator")


async def draw(client: httpx.AsyncClient, year: int, **fields: str) -> httpx.Response:
    page = await client.get("/evaluation", params={"year": year})
    return await client.post("/evaluation/plans", data={"csrf_token": csrf(page), "year": str(year), **fields})


async def start(client: httpx.AsyncClient, case: ClosedCase, year: int, method: str = "appraisal") -> httpx.Response:
    page = await client.get("/evaluation", params={"year": year})
    return await client.post("/evaluation/evaluations", data={
        "csrf_token": csrf(page), "case_id": case.case_id, "method": method, "year": str(year)})


async def opened_evaluation(q: Quality, client: httpx.AsyncClient, case: ClosedCase) -> str:
    """The plan of the last ended year drawn and the case's evaluation opened; its page's path."""
    year = last_ended_year()
    assert (await draw(client, year, seed="7")).status_code == 303
    started = await start(client, case, year)
    assert started.status_code == 303, started.text
    return started.headers["location"]


def words(page: httpx.Response) -> str:
    """The page's text as read: no space before punctuation that followed a tag."""
    return re.sub(r"\s+([,.;:])", r"\1", text_of(page))


def scores_form(page: httpx.Response, path: str, **changes: str) -> dict[str, list[str]]:
    """The checklist form as the page offers it, with some fields changed (`score:<code>` etc.)."""
    form: dict[str, list[str]] = {}
    for name, value in form_fields(page, f"{path}/scores"):
        form.setdefault(name, []).append(value)
    for name, value in changes.items():
        form[name] = [value]
    return form


async def finalised_with_action(q: Quality, case: ClosedCase) -> tuple[httpx.AsyncClient, str]:
    """An evaluation finalised through the pages, raising one corrective action on `result_recorded`."""
    client = await evaluator(q)
    path = await opened_evaluation(q, client, case)
    page = await client.get(path)
    fields = {f"score:{code}": score for code, score in SCORES.items()}
    saved = await client.post(f"{path}/scores", data=scores_form(page, path, **fields, successful="yes",
                                                                   effective="yes", do="save"))
    assert saved.status_code == 303
    page = await client.get(path)
    done = await client.post(f"{path}/scores", data=scores_form(
        page, path, do="finalize", **{"raise:result_recorded": "on",
                                     "evidence:result_recorded": "Biên bản giao nhận hồ sơ lưu trữ có chữ ký"}))
    assert done.status_code == 303, text_of(done)
    return client, path


# --- the plan ------------------------------------------------------------------------------------------


async def test_the_plan_is_drawn_with_its_seed_and_an_evaluation_starts_from_it(quality, db_backend):
    case = await closed_case(quality)
    client = await evaluator(quality)
    year = last_ended_year()
    page = await client.get("/evaluation")
    text = text_of(page)
    assert page.status_code == 200 and f"Lập kế hoạch năm {year}" in text, "the default is the last ended year"
    assert 'href="/evaluation"' in page.text and 'href="/evaluation/actions"' in page.text

    wrong = await draw(client, year, sample_percent="150", seed="12 34")
    assert wrong.status_code == 422
    assert "không quá 100" in wrong.text and "viết liền" in wrong.text
    assert 'value="150"' in wrong.text and 'value="12 34"' in wrong.text

    drawn = await draw(client, year, sample_percent="10", seed="20261127")
    assert drawn.status_code == 303 and drawn.headers["location"] == f"/evaluation?year={year}&drawn=1"
    shown = await client.get(drawn.headers["location"])
    text = text_of(shown)
    assert "Đã lập kế hoạch đánh giá." in text and "Hạt giống ngẫu nhiên 20261127" in text
    row = re.search(rf'<tr id="vv-{case.case_id}">.*?</tr>', shown.text, re.S).group(0)
    assert case.register_no in row and case.officer_name in row
    assert "Mẫu ngẫu nhiên" in row and "Chưa đánh giá" in row and "Bắt đầu đánh giá" in row
    plan = (await quality.evaluation.get(f"/api/plans/{year}")).json()
    assert plan["seed"] == "20261127" and case.case_id in {i["case_id"] for i in plan["items"]}

    again = await draw(client, year, seed="1")
    assert again.status_code == 409 and f"Kế hoạch đánh giá năm {year} đã được lập." in again.text

    started = await start(client, case, year, method="council")
    assert started.status_code == 303 and started.headers["location"].startswith("/evaluation/")
    evaluation = await client.get(started.headers["location"])
    text = text_of(evaluation)
    assert f"Phiếu đánh giá vụ việc {case.register_no}" in text and "Đánh giá bởi Hội đồng" in text
    assert "Áp dụng pháp luật chính xác, đầy đủ" in text
    listed = text_of(await client.get("/evaluation", params={"year": year}))
    assert "Mở phiếu đánh giá" in listed and "Đang đánh giá" in listed

    twice = await start(client, case, year)
    assert twice.status_code == 409


async def test_an_evaluator_who_performed_the_case_is_refused_in_vietnamese(quality, db_backend):
    case = await closed_case(quality)
    client = await evaluator(quality)
    year = last_ended_year()
    assert (await draw(client, year)).status_code == 303
    performer_as_leader = await client_as(quality.stack, "leader", officer_id=case.officer_id)
    refused = await start(performer_as_leader, case, year)
    assert refused.status_code == 403
    row = re.search(rf'<tr id="vv-{case.case_id}">.*?</tr>', refused.text, re.S).group(0)
    assert "Người đánh giá không được đánh giá vụ việc do chính mình thực hiện." in row


async def test_a_complaint_by_register_number_brings_the_case_into_the_plan(quality, db_backend):
    case = await closed_case(quality)
    client = await evaluator(quality)
    year = last_ended_year()
    page = await client.get("/evaluation", params={"year": year})
    unknown = await client.post("/evaluation/complaints", data={
        "csrf_token": csrf(page), "case": "99999/2001/TL", "text": "Người thân phản ánh", "year": str(year)})
    assert unknown.status_code == 422 and "Không có vụ việc 99999/2001/TL trong sổ thụ lý." in unknown.text
    assert "Người thân phản ánh" in unknown.text
    number, register_year, _ = case.register_no.split("/")
    typed = f"{int(number)}/{register_year}/tl"  # as staff type it: no leading zeros, lower case
    recorded = await client.post("/evaluation/complaints", data={
        "csrf_token": csrf(page), "case": typed, "year": str(year),
        "text": "Gia đình bị cáo phản ánh người thực hiện không gặp bị cáo trước phiên tòa"})
    assert recorded.status_code == 303
    assert "Đã ghi nhận khiếu nại" in text_of(await client.get(recorded.headers["location"]))
    assert (await draw(client, year)).status_code == 303
    row = re.search(rf'<tr id="vv-{case.case_id}">.*?</tr>', (await client.get(
        "/evaluation", params={"year": year})).text, re.S).group(0)
    assert "Có khiếu nại" in row


# --- one evaluation ------------------------------------------------------------------------------------


async def test_scores_explanation_and_finalising_with_a_corrective_action(quality, db_backend):
    case = await closed_case(quality)
    client = await evaluator(quality)
    path = await opened_evaluation(quality, client, case)
    page = await client.get(path)
    assert "Thẩm định hồ sơ vụ việc" in text_of(page)

    bad = await client.post(f"{path}/scores", data=scores_form(
        page, path, do="save", **{"score:file_complete": "11", "score:legal_argument": "16",
                                  "note:legal_argument": "Luận cứ có căn cứ, bám sát chứng cứ"}))
    assert bad.status_code == 422 and "Điểm là số nguyên từ 0 đến 10." in bad.text
    assert 'value="11"' in bad.text and "Luận cứ có căn cứ, bám sát chứng cứ" in bad.text

    draft = await client.post(f"{path}/scores", data=scores_form(
        page, path, do="save", **{"score:file_complete": "8", "note:file_complete": "Đủ giấy tờ"}))
    assert draft.status_code == 303 and draft.headers["location"].endswith("?saved=1#phieu")
    page = await client.get(draft.headers["location"])
    assert "Đã lưu bản nháp." in text_of(page) and 'value="8"' in page.text and "Đủ giấy tờ" in page.text

    asked = await client.post(f"{path}/explanation-request", data={
        "csrf_token": csrf(page), "question": "Vì sao hồ sơ không có biên bản gặp bị cáo trước phiên tòa?"})
    assert asked.status_code == 303
    page = await client.get(path)
    assert "Chờ người thực hiện giải trình" in text_of(page) and "Gửi đề nghị giải trình" not in page.text

    # The performer finds the question on the corrective actions page and answers on the evaluation page.
    performer = await client_as(quality.stack, "officer", officer_id=case.officer_id)
    waiting = await performer.get("/evaluation/actions")
    assert "Đề nghị giải trình đang chờ bạn trả lời" in text_of(waiting) and path in waiting.text
    own = await performer.get(path)
    assert own.status_code == 200 and "Vì sao hồ sơ không có biên bản" in own.text
    assert f'action="{path}/scores"' not in own.text, "the performer does not score"
    short = await performer.post(f"{path}/explanation", data={"csrf_token": csrf(own), "answer": "Có"})
    assert short.status_code == 422 and "ít nhất 5 ký tự" in short.text
    answer = "Bị cáo được gặp tại trại tạm giam ngày 02/10; biên bản nằm trong hồ sơ lưu của chi nhánh."
    answered = await performer.post(f"{path}/explanation", data={"csrf_token": csrf(own), "answer": answer})
    assert answered.status_code == 303
    other_officer = await client_as(quality.stack, "officer", officer_id="TGV-026" if case.officer_id != "TGV-026"
                                    else "TGV-025")
    assert (await other_officer.get(path)).status_code == 403

    # Finalising with a criterion newly failing: its corrective action is offered first, scores kept.
    page = await client.get(path)
    assert answer in text_of(page) and "Đã giải trình" in text_of(page)
    fields = {f"score:{code}": score for code, score in SCORES.items()}
    offered = await client.post(f"{path}/scores", data=scores_form(page, path, do="finalize", **fields,
                                                                    successful="yes", effective="no"))
    assert offered.status_code == 200
    text = text_of(offered)
    assert "Điểm đã được lưu. Theo điểm vừa nhập, các tiêu chí sau không đạt" in text
    assert "Kết quả vụ việc được ghi nhận; hồ sơ được kết thúc, lưu trữ đúng quy định" in text
    assert f'value="{case.officer_id}"' in offered.text  # the owner offered: the performer
    due = (datetime.now(VN).date() + timedelta(days=30)).isoformat()
    assert f'value="{due}"' in offered.text

    missing = await client.post(f"{path}/scores", data=scores_form(
        offered, path, do="finalize", **{"raise:result_recorded": "on"}))
    assert missing.status_code == 422 and "Cần ghi kết quả khắc phục cần chứng minh." in missing.text
    unknown_owner = await client.post(f"{path}/scores", data=scores_form(
        offered, path, do="finalize", **{"raise:result_recorded": "on", "owner:result_recorded": "TGV-999",
                                         "evidence:result_recorded": "Biên bản giao nhận hồ sơ lưu trữ"}))
    assert unknown_owner.status_code == 422  # the service's refusal, by the owner field, what was typed kept
    assert re.search(r'name="owner:result_recorded" size="12" value="TGV-999" aria-invalid="true"', unknown_owner.text)
    assert "Biên bản giao nhận hồ sơ lưu trữ" in unknown_owner.text

    someone_else = await evaluator(quality)
    read_only = await someone_else.get(path)
    assert "chỉ người mở phiếu được chấm điểm" in text_of(read_only) and f'action="{path}/scores"' not in read_only.text
    done = await client.post(f"{path}/scores", data=scores_form(
        offered, path, do="finalize", **{"raise:result_recorded": "on",
                                         "evidence:result_recorded": "Biên bản giao nhận hồ sơ lưu trữ"}))
    assert done.status_code == 303 and done.headers["location"].endswith("?finalized=1#ket-qua")
    final = await client.get(done.headers["location"])
    text = text_of(final)
    assert "Đã hoàn thành đánh giá." in text and "Xếp loại: Đạt chất lượng" in text and "tổng điểm 76/100" in text
    assert "Biện pháp khắc phục đã đề ra" in text and "Biên bản giao nhận hồ sơ lưu trữ" in text
    assert f'action="{path}/scores"' not in final.text, "a final evaluation cannot be changed"
    evaluated = await harness.eventually(lambda: harness.events_of(
        quality.jetstream, "TGPL_EVALUATION", "evaluation.case_evaluated"))
    assert evaluated[0]["case_id"] == case.case_id and evaluated[0]["rating"] == "meets"
    raised = await harness.events_of(quality.jetstream, "TGPL_EVALUATION", "evaluation.corrective_action_raised")
    assert [(r["criterion"], r["officer_id"]) for r in raised] == [("result_recorded", case.officer_id)]
    assert "Xếp loại: Đạt chất lượng" in text_of(await performer.get(path))


# --- corrective actions --------------------------------------------------------------------------------


async def test_the_owner_reports_a_correction_and_a_leader_sends_it_back_then_closes_it(quality, db_backend):
    case = await closed_case(quality)
    await finalised_with_action(quality, case)
    leader = await client_as(quality.stack, "leader", officer_id=LEADER_OFFICER)
    listing = await leader.get("/evaluation/actions")
    text = words(listing)
    assert "Chưa hoàn thành: 1, trong đó quá hạn: 0" in text
    assert "Theo người thực hiện" in text and case.officer_name in text and "Theo tiêu chí" in text
    assert case.register_no in text and "Đang khắc phục" in text and "/close" not in listing.text
    assert "Không có biện pháp khắc phục nào theo bộ lọc này." in text_of(
        await leader.get("/evaluation/actions", params={"status": "submitted"}))
    action_id = (await quality.evaluation.get("/api/actions")).json()["actions"][0]["action_id"]

    owner = await client_as(quality.stack, "officer", officer_id=case.officer_id)
    page = await owner.get("/evaluation/actions")
    assert f"/evaluation/actions/{action_id}/evidence" in page.text
    empty = await owner.post(f"/evaluation/actions/{action_id}/evidence", data={"csrf_token": csrf(page), "text": ""})
    assert empty.status_code == 422 and "Cần ghi kết quả đã khắc phục." in empty.text
    stranger = await client_as(quality.stack, "officer", officer_id=LEADER_OFFICER)
    foreign = await stranger.post(f"/evaluation/actions/{action_id}/evidence", data={
        "csrf_token": csrf(await stranger.get("/evaluation/actions")), "text": "Tôi đã bổ sung hồ sơ thay"})
    assert foreign.status_code == 403 and "Tôi đã bổ sung hồ sơ thay" in foreign.text
    assert case.register_no not in text_of(await stranger.get("/evaluation/actions")), "others' actions are hidden"
    sent = await owner.post(f"/evaluation/actions/{action_id}/evidence", data={
        "csrf_token": csrf(page), "text": "Đã bổ sung biên bản giao nhận vào hồ sơ lưu trữ"})
    assert sent.status_code == 303
    assert "Đã gửi báo cáo khắc phục" in text_of(await owner.get(sent.headers["location"]))

    page = await leader.get("/evaluation/actions", params={"status": "submitted"})
    assert "Đã bổ sung biên bản giao nhận vào hồ sơ lưu trữ" in text_of(page)
    back = await leader.post(f"/evaluation/actions/{action_id}/reopen", data={
        "csrf_token": csrf(page), "note": "Biên bản chưa có chữ ký của bị cáo", "status": "submitted"})
    assert back.status_code == 303 and back.headers["location"].startswith("/evaluation/actions?status=submitted")
    assert (await quality.evaluation.get("/api/actions", params={"status": "open"})).json()["actions"]
    reopened = await owner.get("/evaluation/actions")
    assert "Biên bản chưa có chữ ký của bị cáo" in text_of(reopened) and "Gửi báo cáo khắc phục" in reopened.text
    resent = await owner.post(f"/evaluation/actions/{action_id}/evidence", data={
        "csrf_token": csrf(reopened), "text": "Đã bổ sung biên bản có đủ chữ ký"})
    assert resent.status_code == 303

    page = await leader.get("/evaluation/actions")
    no_note = await leader.post(f"/evaluation/actions/{action_id}/close", data={"csrf_token": csrf(page), "note": ""})
    assert no_note.status_code == 422 and "Cần ghi nhận xét khi xác nhận." in no_note.text
    closed = await leader.post(f"/evaluation/actions/{action_id}/close", data={
        "csrf_token": csrf(page), "note": "Đã kiểm tra hồ sơ lưu trữ, đạt yêu cầu"})
    assert closed.status_code == 303
    text = text_of(await leader.get(closed.headers["location"]))
    assert "Đã đóng biện pháp khắc phục." in text and "Đã đóng" in text
    assert "Đã kiểm tra hồ sơ lưu trữ, đạt yêu cầu" in text and "Biên bản chưa có chữ ký của bị cáo" in text
    closed_events = await harness.eventually(lambda: harness.events_of(
        quality.jetstream, "TGPL_EVALUATION", "evaluation.corrective_action_closed"))
    assert closed_events[0]["action_id"] == action_id and closed_events[0]["late"] is False


async def test_overdue_actions_stand_out_and_filters_narrow_the_list(quality, db_backend):
    case = await closed_case(quality)
    await finalised_with_action(quality, case)
    quality.clock.shift = timedelta(days=45)  # evaluation's today moves past the due date
    leader = await client_as(quality.stack, "evaluator")
    page = await leader.get("/evaluation/actions", params={"status": "overdue"})
    text = words(page)
    assert "trong đó quá hạn: 1" in text and 'class="overdue"' in page.text and "Quá hạn" in text
    by_officer = await leader.get("/evaluation/actions", params={"officer": case.officer_id,
                                                                 "criterion": "result_recorded"})
    assert case.register_no in text_of(by_officer)
    other = await leader.get("/evaluation/actions", params={"criterion": "file_complete"})
    assert case.register_no not in text_of(other)


# --- reviews -------------------------------------------------------------------------------------------


async def test_reviews_side_by_side_for_a_leader_and_only_ones_own_for_an_officer(quality, db_backend):
    now = datetime.now(VN)
    case = await closed_case(quality, closed_at=now - timedelta(minutes=5))
    year = now.year
    leader = await client_as(quality.stack, "leader", officer_id=LEADER_OFFICER)
    listing = await leader.get("/evaluation/reviews")
    text = text_of(listing)
    assert listing.status_code == 200 and f"Kết quả công tác năm {year} của người thực hiện" in text
    row = re.search(rf'<tr>\s*<td><a href="/evaluation/reviews/{case.officer_id}\?year={year}">.*?</tr>',
                    listing.text, re.S).group(0)
    assert case.officer_name in row and "1 /" in text_of_html(row)

    review = await leader.get(f"/evaluation/reviews/{case.officer_id}", params={"year": year})
    text = text_of(review)
    assert "Cách tính" in text and "Vụ việc tham gia tố tụng kết thúc có kết quả trong năm: 1." in text
    assert "Hình sự" in text and "Tham gia tố tụng" in text and "Chưa ghi nhận" in text
    recorded = await leader.post(f"/evaluation/reviews/{case.officer_id}", data={
        "csrf_token": csrf(review), "year": str(year)})
    assert recorded.status_code == 303
    after = text_of(await leader.get(recorded.headers["location"]))
    assert "Đã ghi nhận kết quả công tác năm và gửi đi." in after and "Chưa ghi nhận" not in after
    published = await harness.eventually(lambda: harness.events_of(
        quality.jetstream, "TGPL_EVALUATION", "evaluation.officer_reviewed"))
    assert published[0]["officer_id"] == case.officer_id and published[0]["proceedings_cases"] == 1

    self_review = await leader.post(f"/evaluation/reviews/{LEADER_OFFICER}", data={
        "csrf_token": csrf(review), "year": str(year)})
    assert self_review.status_code == 403 and "Không được tự ghi nhận kết quả đánh giá của chính mình." in \
        self_review.text

    officer = await client_as(quality.stack, "officer", officer_id=case.officer_id)
    mine = await officer.get("/evaluation/reviews")
    assert mine.status_code == 303 and mine.headers["location"] == f"/evaluation/reviews/{case.officer_id}?year={year}"
    own = await officer.get(mine.headers["location"])
    assert own.status_code == 200 and "Ghi nhận kết quả" not in own.text
    assert (await officer.get(f"/evaluation/reviews/{LEADER_OFFICER}")).status_code == 403
    assert (await officer.post(f"/evaluation/reviews/{case.officer_id}", data={
        "csrf_token": csrf(own), "year": str(year)})).status_code == 403


def text_of_html(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


# --- who may see what, and evaluation down -----------------------------------------------------------


async def test_each_role_sees_its_links_and_no_more(quality, db_backend):
    officer = await client_as(quality.stack, "officer", officer_id="TGV-004")
    page = await officer.get("/cases")
    assert 'href="/evaluation/actions"' in page.text and 'href="/evaluation/reviews/TGV-004"' in page.text
    assert 'href="/evaluation"' not in page.text
    assert (await officer.get("/evaluation")).status_code == 403
    clerk = await client_as(quality.stack, "clerk")
    page = await clerk.get("/cases")
    assert "/evaluation" not in page.text
    assert (await clerk.get("/evaluation/actions")).status_code == 403
    admin = await client_as(quality.stack, "administrator")
    actions = await admin.get("/evaluation/actions")
    assert actions.status_code == 200 and "Không có biện pháp khắc phục nào." in text_of(actions)
    assert (await admin.get("/evaluation/reviews")).status_code == 403
    assert (await admin.get("/evaluation")).status_code == 403
    leader = await client_as(quality.stack, "leader", officer_id=LEADER_OFFICER)
    page = await leader.get("/cases")
    for link in ('href="/evaluation"', 'href="/evaluation/actions"', 'href="/evaluation/reviews"'):
        assert link in page.text
    assert (await leader.get(f"/evaluation/{uuid.uuid4()}")).status_code == 404


async def test_evaluation_unreachable_leaves_the_pages_working(intake_stack, db_backend):
    intake_stack.app.state.evaluation = EvaluationApi(f"http://127.0.0.1:{free_port()}", timeout=2.0)
    client = await client_as(intake_stack, "leader", "evaluator", officer_id=LEADER_OFFICER)
    for path in ("/evaluation", "/evaluation/actions", "/evaluation/reviews", f"/evaluation/reviews/{LEADER_OFFICER}",
                 f"/evaluation/{uuid.uuid4()}"):
        page = await client.get(path)
        assert page.status_code == 200 and UNAVAILABLE_MESSAGE in page.text, path
    page = await client.get("/evaluation")
    tried = await client.post("/evaluation/complaints", data={
        "csrf_token": csrf(page), "case": "4f1c", "text": "Nội dung khiếu nại đã viết cẩn thận"})
    assert tried.status_code == 503 and "Nội dung khiếu nại đã viết cẩn thận" in tried.text
    drawn = await client.post("/evaluation/plans", data={"csrf_token": csrf(page), "year": "2026", "seed": "5"})
    assert drawn.status_code == 503 and UNAVAILABLE_MESSAGE in drawn.text
    answered = await client.post(f"/evaluation/{uuid.uuid4()}/explanation", data={
        "csrf_token": csrf(page), "answer": "Giải trình đã viết cẩn thận"})
    assert answered.status_code == 503 and "Giải trình đã viết cẩn thận" in answered.text

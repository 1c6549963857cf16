"""Evaluation against a real nats-server and a real database: events in, a plan, an independent
evaluation with an explanation, corrective actions followed to the end, an officer's review out."""

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from services.evaluation.bootstrap import build
from services.evaluation.config import EvaluationSettings
from services.evaluation.domain.plan import PlanCandidate, draw_plan
from services.evaluation.domain.rules import load_rules
from services.evaluation.entrypoints.web import build_web
from shared import events as ev
from shared import subjects
from tests import harness

pytestmark = pytest.mark.integration
VN = timezone(timedelta(hours=7))
RULES = load_rules()
FLOORS = {"meets": 10.0, "good": 15.0, "very_good": 20.0}


class Clock:
    """The time the API sees; a test moves it forward."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def evaluation(jetstream, nats_url, database_url, tmp_path):
    settings = EvaluationSettings(nats_url=nats_url, database_url=await database_url("evaluation"),
                                  data_dir=tmp_path, retry_delays_s=[0.2])
    host = build(settings)
    clock = Clock(datetime(2026, 11, 20, 9, 0, tzinfo=VN))
    async with harness.running(host):
        yield host, harness.http_client(build_web(host.uow, clock)), clock


async def publish_event(js, event: ev.Event, msg_id: str | None = "event_id") -> None:
    """Publish an event as its producer would (with its id as Nats-Msg-Id), or without an id (`msg_id=None`)."""
    await harness.publish(js, subjects.subject_of(type(event)), event.model_dump_json().encode(),
                          event.event_id if msg_id == "event_id" else msg_id)


def actor(username: str, officer_id: str | None, *roles: str) -> dict:
    return {"username": username, "officer_id": officer_id, "roles": list(roles)}


def officer(officer_id: str, name: str, *, leader: bool = False, version: int = 1) -> ev.OfficerRegistered:
    return ev.OfficerRegistered(producer="test", officer_id=officer_id, full_name=name, branch_code="HQ",
                                is_leader=leader, fields=["criminal", "civil"], appointed_on="2018-01-01",
                                quota_target=10, yearly_target=10.0, target_year=2026, band_floors=FLOORS,
                                version=version)


def case_events(officer_id: str, day: int, *, form: str = "proceedings", outcome: str = "completed",
                first_officer: str | None = None) -> tuple[str, list[ev.Event]]:
    """A case opened in February 2026, assigned, and closed in 2026 (`day` days after 1 March)."""
    case_id = str(uuid.uuid4())
    opened_at = datetime(2026, 2, 2, 8, 0, tzinfo=VN)
    events: list[ev.Event] = [ev.CaseOpened(
        producer="test", occurred_at=opened_at, case_id=case_id, register_no=f"{day:03d}/2026/TL",
        channel="walk_in", field="criminal", commune_code=None, branch_code="HQ", gender="male", form=form)]
    if first_officer:
        events.append(ev.CaseAssigned(producer="test", occurred_at=opened_at + timedelta(hours=1), case_id=case_id,
                                      officer_id=first_officer, is_leader=False, branch_code="HQ", rule="r",
                                      reason="Phân công theo quy tắc"))
        events.append(ev.CaseAssigned(producer="test", occurred_at=opened_at + timedelta(days=1), case_id=case_id,
                                      officer_id=officer_id, is_leader=False, branch_code="HQ", rule="r",
                                      reason="Phân công lại", kind="reassignment", previous_officer_id=first_officer))
    else:
        events.append(ev.CaseAssigned(producer="test", occurred_at=opened_at + timedelta(hours=1), case_id=case_id,
                                      officer_id=officer_id, is_leader=False, branch_code="HQ", rule="r",
                                      reason="Phân công theo quy tắc"))
    events.append(ev.CaseClosed(producer="test", occurred_at=datetime(2026, 3, 1, 15, tzinfo=VN) + timedelta(days=day),
                                case_id=case_id, outcome=outcome, officer_id=officer_id, form=form, field="criminal",
                                result="charge_reduced" if outcome == "completed" else None,
                                note="Kết thúc vụ việc", closed_by=officer_id.lower()))
    return case_id, events


async def consumed(host, n: int) -> None:
    """Wait until the consumers of both streams have handled `n` messages (the streams run side by side)."""
    async def enough():
        return host.consumers.stats.processed >= n

    await harness.eventually(enough)


async def closed_cases(client, n: int, year: int = 2026):
    found = (await client.get("/api/cases", params={"year": year})).json()
    return found if len(found) >= n else None


def score_all(method: str, **overrides) -> list[dict]:
    return [{"code": c.code, "score": overrides.get(c.code, c.max_score), "note": f"Nhận xét {c.code}"}
            for c in RULES.methods[method].criteria]


async def test_from_closed_cases_to_a_published_review(evaluation, jetstream, db_backend):
    host, client, clock = evaluation
    for entry in (officer("TGV-A", "Trần Văn An"), officer("TGV-B", "Lê Thị Bình"), officer("TGV-C", "Phạm Văn Cường"),
                  officer("TGV-D", "Võ Thị Dung"), officer("TGV-E", "Đặng Văn Em"),
                  officer("TGV-L", "Nguyễn Thị Lan", leader=True)):
        await publish_event(jetstream, entry)
    performed = []
    target_case, events = case_events("TGV-A", 0, first_officer="TGV-B")  # TGV-B held it first, then declined
    performed.append(target_case)
    for day in range(1, 12):
        case_id, more = case_events("TGV-A", day)
        performed.append(case_id)
        events += more
    d_cases = []
    for day in range(3):
        case_id, more = case_events("TGV-D", 20 + day)
        d_cases.append(case_id)
        events += more
    advice_case, more = case_events("TGV-D", 40, form="advice")
    events += more
    transferred_case, more = case_events("TGV-D", 41, outcome="transferred")
    events += more
    for event in events:
        await publish_event(jetstream, event)
    await consumed(host, len(events) + 6)
    cases = await harness.eventually(lambda: closed_cases(client, 17))
    by_id = {c["case_id"]: c for c in cases}
    assert by_id[target_case]["officer_id"] == "TGV-A" and by_id[target_case]["register_no"] == "000/2026/TL"
    assert not by_id[advice_case]["evaluable"] and "tư vấn pháp luật" in by_id[advice_case]["not_evaluable_because"]
    assert not by_id[transferred_case]["evaluable"]

    complaint = await client.post(f"/api/cases/{d_cases[0]}/complaints", json={
        "text": "Người được trợ giúp phản ánh không được gặp trợ giúp viên trước phiên tòa.",
        "actor": actor("tiepnhan", None, "clerk")})
    assert complaint.status_code == 201, complaint.text
    cases = (await client.get("/api/cases", params={"year": 2026})).json()
    assert {c["case_id"]: c["complaints"] for c in cases}[d_cases[0]] == 1

    # The plan: once a year, after the year ends, reproducible from its seed, the complaint case included.
    early = await client.post("/api/plans", json={"year": 2027, "actor": actor("danhgia", "TGV-E", "evaluator")})
    assert early.status_code == 409 and early.json()["field"] == "year"
    officer_only = await client.post("/api/plans", json={"year": 2026, "actor": actor("tgv", "TGV-A", "officer")})
    assert officer_only.status_code == 403
    drawn = await client.post("/api/plans", json={"year": 2026, "seed": "ke-hoach-2026",
                                                   "actor": actor("danhgia", "TGV-E", "evaluator")})
    assert drawn.status_code == 201, drawn.text
    plan = drawn.json()
    assert (plan["seed"], plan["sample_percent"], plan["start"], plan["end"]) == (
        "ke-hoach-2026", 10.0, "2025-11-01", "2026-10-31")
    reasons = {(i["officer_id"], i["reason"]) for i in plan["items"]}
    assert [i["case_id"] for i in plan["items"] if i["reason"] == "complaint"] == [d_cases[0]]
    assert sum(i["officer_id"] == "TGV-A" for i in plan["items"]) == 2  # ceil(10% of 12)
    assert sum(i["officer_id"] == "TGV-D" for i in plan["items"]) == 2  # the complaint and ceil(10% of 3)
    assert reasons <= {("TGV-A", "sample"), ("TGV-D", "sample"), ("TGV-D", "complaint")}
    assert {advice_case, transferred_case}.isdisjoint(i["case_id"] for i in plan["items"])
    redo = draw_plan([PlanCandidate(c["case_id"], c["officer_id"],
                                    datetime.fromisoformat(c["closed_at"]).astimezone(VN).date(), c["evaluable"],
                                    c["complaints"]) for c in cases],
                     year=2026, start=date(2025, 11, 1), end=date(2026, 10, 31), seed="ke-hoach-2026",
                     sample_percent=10, min_per_officer=1)
    assert [(i.case_id, i.reason) for i in redo] == [(i["case_id"], i["reason"]) for i in plan["items"]]
    again = await client.post("/api/plans", json={"year": 2026, "actor": actor("lanhdao", "TGV-L", "leader")})
    assert again.status_code == 409 and "đã được lập" in again.json()["detail"]
    assert (await client.get("/api/plans/2026")).json() == plan
    assert (await client.get("/api/plans/2025")).status_code == 404

    # Independence: not the performer, not an officer who held the case, not after a declared conflict.
    open_body = {"case_id": target_case, "method": "appraisal"}
    for who, words in ((actor("tgv-a", "TGV-A", "evaluator"), "chính mình"),
                       (actor("tgv-b", "TGV-B", "evaluator"), "đã từng được phân công")):
        refused = await client.post("/api/evaluations", json={**open_body, "actor": who})
        assert refused.status_code == 403 and words in refused.json()["detail"], refused.text
    conflict = await client.post("/api/conflicts", json={
        "evaluator_officer_id": "TGV-C", "officer_id": "TGV-A", "reason": "Vợ chồng, cùng công tác tại trụ sở",
        "actor": actor("lanhdao", "TGV-L", "leader")})
    assert conflict.status_code == 201
    assert (await client.post("/api/conflicts", json={
        "evaluator_officer_id": "TGV-C", "officer_id": "TGV-A", "reason": "Khai báo lại lần nữa",
        "actor": actor("quantri", None, "administrator")})).status_code == 409
    refused = await client.post("/api/evaluations", json={**open_body, "actor": actor("tgv-c", "TGV-C", "evaluator")})
    assert refused.status_code == 403 and "xung đột lợi ích" in refused.json()["detail"]
    assert (await client.post("/api/evaluations", json={**open_body, "actor": actor("x", "TGV-D", "officer")})
            ).status_code == 403
    opened = await client.post("/api/evaluations", json={**open_body, "actor": actor("danhgia", "TGV-E", "evaluator")})
    assert opened.status_code == 201, opened.text
    evaluation_id = opened.json()["evaluation_id"]
    twice = await client.post("/api/evaluations", json={**open_body, "actor": actor("lanhdao", "TGV-L", "leader")})
    assert twice.status_code == 409 and twice.json()["field"] == "case_id"
    advice = await client.post("/api/evaluations", json={"case_id": advice_case, "method": "appraisal",
                                                          "actor": actor("danhgia", "TGV-E", "evaluator")})
    assert advice.status_code == 409

    # Scores: a bad criterion is named; a critical failure and an ordinary one.
    evaluator = actor("danhgia", "TGV-E", "evaluator")
    bad = await client.put(f"/api/evaluations/{evaluation_id}/scores", json={
        "criteria": [{"code": "file_complete", "score": 5}, {"code": "deadlines_met", "score": 99}],
        "actor": evaluator})
    assert bad.status_code == 422 and bad.json()["field"] == "criteria[1].score"
    not_mine = await client.put(f"/api/evaluations/{evaluation_id}/scores", json={
        "criteria": [], "actor": actor("lanhdao", "TGV-L", "leader")})
    assert not_mine.status_code == 403
    scored = await client.put(f"/api/evaluations/{evaluation_id}/scores", json={
        "criteria": score_all("appraisal", file_complete=2, client_meetings=3), "successful": True,
        "effective": False, "actor": evaluator})
    assert scored.status_code == 200, scored.text
    view = scored.json()
    assert view["rating"]["code"] == "fails" and view["rating"]["critical_failed"] == ["file_complete"]
    assert view["rating"]["failed_criteria"] == ["file_complete", "client_meetings"]
    assert view["status"] == "draft" and view["missing"] == [] and len(view["checklist"]) == 8

    # The performer is asked to explain; only they may answer; finalising waits for the answer.
    asked = await client.post(f"/api/evaluations/{evaluation_id}/explanation-request", json={
        "question": "Vì sao hồ sơ thiếu văn bản cử người thực hiện?", "actor": evaluator})
    assert asked.status_code == 200 and asked.json()["status"] == "explanation_requested"
    waiting = await client.post(f"/api/evaluations/{evaluation_id}/finalize", json={"actor": evaluator})
    assert waiting.status_code == 409 and "chưa giải trình" in waiting.json()["detail"]
    someone_else = await client.post(f"/api/evaluations/{evaluation_id}/explanation", json={
        "answer": "Tôi trả lời thay.", "actor": actor("tgv-d", "TGV-D", "officer")})
    assert someone_else.status_code == 403
    answered = await client.post(f"/api/evaluations/{evaluation_id}/explanation", json={
        "answer": "Văn bản cử được ban hành muộn do Giám đốc đi công tác; đã bổ sung bản sao.",
        "actor": actor("tgv-a", "TGV-A", "officer")})
    assert answered.status_code == 200 and answered.json()["status"] == "explained"
    assert answered.json()["explanation"]["answered_by"] == "tgv-a"

    # Finalise: only failed criteria raise an action; the result and the actions are published.
    passed = await client.post(f"/api/evaluations/{evaluation_id}/finalize", json={
        "actions": [{"criterion": "legal_argument", "required_evidence": "Bản luận cứ sửa đổi"}], "actor": evaluator})
    assert passed.status_code == 422 and passed.json()["field"] == "actions[0].criterion"
    final = await client.post(f"/api/evaluations/{evaluation_id}/finalize", json={"actions": [
        {"criterion": "file_complete", "required_evidence": "Bản sao văn bản cử người thực hiện đã lưu hồ sơ"},
        {"criterion": "client_meetings", "required_evidence": "Biên bản gặp người được trợ giúp",
         "due_on": "2026-11-25"}], "actor": evaluator})
    assert final.status_code == 200, final.text
    final = final.json()
    assert final["status"] == "final" and final["rating"]["final"] and final["year"] == 2026
    assert (await client.put(f"/api/evaluations/{evaluation_id}/scores", json={
        "criteria": score_all("appraisal"), "actor": evaluator})).status_code == 409
    actions = {a["criterion"]: a for a in final["actions"]}
    assert actions["file_complete"]["due_on"] == "2026-12-20" and actions["client_meetings"]["due_on"] == "2026-11-25"
    assert {a["owner_officer_id"] for a in actions.values()} == {"TGV-A"}

    async def published(event_type: str, n: int):
        found = await harness.events_of(jetstream, "TGPL_EVALUATION", event_type)
        return found if len(found) >= n else None

    [evaluated] = await harness.eventually(lambda: published("evaluation.case_evaluated", 1))
    assert (evaluated["case_id"], evaluated["officer_id"], evaluated["rating"], evaluated["year"]) == (
        target_case, "TGV-A", "fails", 2026)
    assert evaluated["evaluator"] == "danhgia" and evaluated["rules_version"] == "evaluation-rules/v1"
    assert evaluated["successful"] is True and evaluated["effective"] is False
    assert {c["code"]: c["passed"] for c in evaluated["criteria"]}["file_complete"] is False
    raised = await harness.eventually(lambda: published("evaluation.corrective_action_raised", 2))
    assert {r["criterion"] for r in raised} == {"file_complete", "client_meetings"}
    assert all(r["causation_id"] == evaluated["event_id"] and r["correlation_id"] == evaluated["correlation_id"]
               for r in raised)

    # Evidence from the owner only; a leader (not the owner) verifies, sends back, closes.
    on_time, overdue = actions["file_complete"]["action_id"], actions["client_meetings"]["action_id"]
    owner = actor("tgv-a", "TGV-A", "officer")
    leader = actor("lanhdao", "TGV-L", "leader")
    assert (await client.post(f"/api/actions/{on_time}/evidence", json={
        "text": "Tôi báo cáo thay người khác.", "actor": actor("tgv-d", "TGV-D", "officer")})).status_code == 403
    too_early = await client.post(f"/api/actions/{on_time}/close", json={"note": "Đóng khi chưa có báo cáo",
                                                                          "actor": leader})
    assert too_early.status_code == 409
    submitted = await client.post(f"/api/actions/{on_time}/evidence", json={
        "text": "Đã lưu bản sao văn bản cử số 15/QĐ-TGPL vào hồ sơ.", "actor": owner})
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert (await client.post(f"/api/actions/{on_time}/close", json={"note": "Tự xác nhận của mình",
                                                                      "actor": evaluator})).status_code == 403
    clock.now = datetime(2026, 11, 22, 10, 0, tzinfo=VN)
    closed = await client.post(f"/api/actions/{on_time}/close", json={"note": "Đã kiểm tra hồ sơ lưu trữ",
                                                                       "actor": leader})
    assert closed.status_code == 200 and closed.json()["late"] is False and closed.json()["status"] == "closed"

    clock.now = datetime(2026, 11, 28, 9, 0, tzinfo=VN)  # three days after the second action's due day
    listing = (await client.get("/api/actions", params={"status": "overdue"})).json()
    assert [a["action_id"] for a in listing["actions"]] == [overdue] and listing["actions"][0]["overdue"]
    assert {k: listing["counts"][k] for k in ("open", "overdue", "closed", "closed_late")} == {
        "open": 1, "overdue": 1, "closed": 1, "closed_late": 0}
    assert listing["counts"]["by_officer"]["TGV-A"]["overdue"] == 1
    assert listing["counts"]["by_criterion"]["client_meetings"]["overdue"] == 1
    before_due = (await client.get("/api/actions", params={"status": "overdue", "as_of": "2026-11-25"})).json()
    assert before_due["actions"] == [] and before_due["counts"]["overdue"] == 0
    await client.post(f"/api/actions/{overdue}/evidence", json={"text": "Đã gặp, chưa có biên bản.", "actor": owner})
    sent_back = await client.post(f"/api/actions/{overdue}/reopen", json={"note": "Cần biên bản có chữ ký",
                                                                          "actor": leader})
    assert sent_back.status_code == 200 and sent_back.json()["status"] == "open"
    await client.post(f"/api/actions/{overdue}/evidence", json={"text": "Biên bản gặp ngày 27/11/2026 có chữ ký.",
                                                                "actor": owner})
    late = await client.post(f"/api/actions/{overdue}/close", json={"note": "Đã có biên bản", "actor": leader})
    assert late.status_code == 200 and late.json()["late"] is True
    assert [s["status"] for s in late.json()["history"]] == ["open", "submitted", "open", "submitted", "closed"]
    closures = await harness.eventually(lambda: published("evaluation.corrective_action_closed", 2))
    assert {c["action_id"]: c["late"] for c in closures} == {on_time: False, overdue: True}
    assert all(c["closed_by"] == "lanhdao" and c["officer_id"] == "TGV-A" for c in closures)
    counts = (await client.get("/api/actions", params={"officer_id": "TGV-A"})).json()["counts"]
    assert (counts["open"], counts["overdue"], counts["closed"], counts["closed_late"]) == (0, 0, 2, 1)

    # The plan shows the progress; the register knows what is evaluated.
    progress = {i["case_id"]: i["status"] for i in (await client.get("/api/plans/2026")).json()["items"]}
    assert all(status == ("final" if case_id == target_case else "pending") for case_id, status in progress.items())
    evaluated_cases = (await client.get("/api/cases", params={"evaluated": "true"})).json()
    assert [c["case_id"] for c in evaluated_cases] == [target_case] and evaluated_cases[0]["rating"] == "fails"

    # The officer's review: 12 completed proceedings cases against floors 10 / 15 / 20.
    review = (await client.get("/api/reviews/2026/TGV-A")).json()
    assert (review["band"], review["band_label"], review["proceedings_cases"], review["ratings"]) == (
        "meets", "Đạt định mức", 12, {"fails": 1})
    assert review["cases_by_field_form"] == {"criminal/proceedings": 12} and review["open_actions"] == 0
    assert "12 ≥ 10 và < 15: xếp mức Đạt định mức." in review["explanation"]
    everyone = (await client.get("/api/reviews/2026")).json()
    assert [r["officer_id"] for r in everyone["reviews"]] == ["TGV-A", "TGV-B", "TGV-C", "TGV-D", "TGV-E", "TGV-L"]
    assert (await client.post("/api/reviews/2026/TGV-A", json={"actor": evaluator})).status_code == 403
    assert (await client.post("/api/reviews/2026/TGV-L", json={"actor": leader})).status_code == 403
    recorded = await client.post("/api/reviews/2026/TGV-A", json={"actor": leader})
    assert recorded.status_code == 201, recorded.text
    [reviewed] = await harness.eventually(lambda: published("evaluation.officer_reviewed", 1))
    assert (reviewed["review_id"], reviewed["officer_id"], reviewed["year"], reviewed["band"]) == (
        recorded.json()["review_id"], "TGV-A", 2026, "meets")
    assert reviewed["proceedings_cases"] == 12 and reviewed["ratings"] == {"fails": 1}
    assert reviewed["explanation"] == review["explanation"]
    assert (await client.get("/api/reviews/2026/TGV-A")).json()["recorded"][0]["recorded_by"] == "lanhdao"


async def test_bad_input_is_refused_naming_the_field(evaluation, db_backend):
    _, client, _ = evaluation
    leader = actor("lanhdao", "TGV-L", "leader")
    cases = [
        ("post", "/api/plans", {"year": "năm nay", "actor": leader}, "year"),
        ("post", "/api/plans", {"year": 2026, "sample_percent": 150, "actor": leader}, "sample_percent"),
        ("post", "/api/plans", {"year": 2026, "colour": "đỏ", "actor": leader}, "colour"),
        ("post", "/api/plans", {"year": 2026}, "actor"),
        ("post", "/api/plans", {"year": 2026, "actor": {**leader, "roles": ["king"]}}, "actor.roles[0]"),
        ("post", "/api/evaluations", {"case_id": "c", "method": "appraisal",
                                      "actor": {**leader, "officer_id": "có dấu cách"}}, "actor.officer_id"),
        ("put", "/api/evaluations/x/scores", {"criteria": [{"code": "a", "score": "mười"}], "actor": leader},
         "criteria[0].score"),
        ("post", "/api/evaluations/x/finalize", {"actions": [{"criterion": "a", "required_evidence": "Bổ sung hồ sơ",
                                                              "due_on": "31/12/2026"}], "actor": leader},
         "actions[0].due_on"),
        ("post", "/api/cases/c/complaints", {"text": "  ", "actor": leader}, "text"),
    ]
    for method, path, body, field in cases:
        response = await client.request(method, path, json=body)
        assert response.status_code == 422, (path, body, response.text)
        assert response.json()["field"] == field, (path, body, response.json())
        assert response.json()["detail"].startswith(f"{field}: ")
    unknown = await client.post("/api/evaluations", json={"case_id": "c", "method": "bói toán", "actor": leader})
    assert unknown.status_code == 422 and unknown.json()["field"] == "method"
    missing = await client.post("/api/evaluations", json={"case_id": "không-có", "method": "council", "actor": leader})
    assert missing.status_code == 404 and missing.json() == {"detail": "Không tìm thấy vụ việc trong sổ đánh giá.",
                                                             "field": "case_id"}
    assert (await client.get("/api/actions", params={"status": "lost"})).json()["field"] == "status"
    assert (await client.get("/api/rules")).json()["methods"][0]["criteria"][0]["label_vi"]


async def test_the_same_event_twice_changes_nothing(evaluation, jetstream, db_backend):
    host, client, _ = evaluation
    case_id, events = case_events("TGV-A", 5, first_officer="TGV-B")
    await publish_event(jetstream, officer("TGV-A", "Trần Văn An", version=2))
    for event in events:
        await publish_event(jetstream, event)
    await harness.eventually(lambda: closed_cases(client, 1))
    # Again, without the message id (so JetStream keeps both copies and the consumer handles each),
    # an older roster version, and the first assignment replayed after the closure.
    for event in [*events, officer("TGV-A", "Tên cũ", version=1), events[1]]:
        await publish_event(jetstream, event, msg_id=None)

    await consumed(host, 2 * len(events) + 3)
    cases = (await client.get("/api/cases")).json()
    assert len(cases) == 1 and cases[0]["officer_id"] == "TGV-A" and cases[0]["register_no"] == "005/2026/TL"
    async with host.uow() as work:
        assert await work.register.officers_of(case_id) == {"TGV-A", "TGV-B"}
        assert (await work.officers.names())["TGV-A"] == "Trần Văn An"
        assert (await work.officers.target("TGV-A", 2026)).band_floors == FLOORS
    assert host.consumers.stats.dead_lettered == 0


async def test_next_years_plan_follows_up_a_failure_and_a_late_complaint(evaluation, jetstream, db_backend):
    host, client, clock = evaluation
    for entry in (officer("TGV-A", "Trần Văn An"), officer("TGV-D", "Võ Thị Dung")):
        await publish_event(jetstream, entry)
    events: list[ev.Event] = []
    for officer_id, days in (("TGV-A", (1, 2)), ("TGV-D", (3,)), ("TGV-A", (250, 251, 252)),
                             ("TGV-D", (253, 254, 255))):  # day 250 onwards closes after 1 November 2026
        for day in days:
            events += case_events(officer_id, day)[1]
    for event in events:
        await publish_event(jetstream, event)
    await consumed(host, len(events) + 2)
    await harness.eventually(lambda: closed_cases(client, 3, year=2026))
    await harness.eventually(lambda: closed_cases(client, 6, year=2027))
    evaluator = actor("danhgia", "TGV-E", "evaluator")

    first = await client.post("/api/plans", json={"year": 2026, "sample_percent": 0, "seed": 1, "actor": evaluator})
    assert first.status_code == 201 and len(first.json()["items"]) == 2  # the minimum, one per officer
    [drawn] = [i["case_id"] for i in first.json()["items"] if i["officer_id"] == "TGV-A"]
    [left] = [c["case_id"] for c in (await client.get("/api/cases", params={"year": 2026, "officer_id": "TGV-A"})
                                     ).json() if c["case_id"] != drawn]
    evaluation_id = (await client.post("/api/evaluations", json={"case_id": drawn, "method": "result",
                                                                  "actor": evaluator})).json()["evaluation_id"]
    await client.put(f"/api/evaluations/{evaluation_id}/scores", json={
        "criteria": score_all("result", no_upheld_complaint=0), "successful": False, "effective": False,
        "actor": evaluator})
    final = await client.post(f"/api/evaluations/{evaluation_id}/finalize", json={"actor": evaluator})
    assert final.json()["rating"]["code"] == "fails" and final.json()["actions"] == []
    for case_id in (drawn, left):  # complaints after the 2026 plan was drawn
        assert (await client.post(f"/api/cases/{case_id}/complaints", json={
            "text": "Khiếu nại về chất lượng trợ giúp", "actor": evaluator})).status_code == 201

    clock.now = datetime(2027, 11, 5, 9, 0, tzinfo=VN)
    second = await client.post("/api/plans", json={"year": 2027, "seed": 1, "actor": evaluator})
    assert second.status_code == 201, second.text
    items = second.json()["items"]
    reasons = sorted((i["officer_id"], i["reason"]) for i in items)
    assert reasons == [("TGV-A", "complaint")] + [("TGV-A", "failed_before")] * 3 + [("TGV-D", "sample")]
    assert [i["case_id"] for i in items if i["reason"] == "complaint"] == [left]
    assert drawn not in {i["case_id"] for i in items}, "an evaluated case is never drawn again"

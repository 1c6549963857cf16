"""Intake's client of evaluation: the requests it sends and how the answers become typed errors,
against a fake evaluation (httpx.MockTransport), never a patched function."""

import json

import httpx
import pytest

from services.intake.adapters.evaluation_api import (
    REFUSED_MESSAGE,
    UNAVAILABLE_MESSAGE,
    ActionRequest,
    Actor,
    CriterionScore,
    EvaluationApi,
    EvaluationRefused,
    EvaluationUnavailable,
)

ACTOR = Actor("danhgia", None, ("evaluator",))


def api_answering(handler) -> tuple[EvaluationApi, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(record), base_url="http://evaluation")
    return EvaluationApi("http://evaluation", client=client), seen


async def test_actions_carry_the_actor_with_roles_and_ids_are_one_path_segment():
    api, seen = api_answering(lambda r: httpx.Response(200, json={"ok": True}))
    await api.save_scores("ev/1", [CriterionScore("file_complete", 8, None)], True, None, ACTOR)
    await api.finalize("ev/1", [ActionRequest("file_complete", "Bổ sung hồ sơ")], ACTOR)
    assert seen[0].method == "PUT" and seen[0].url.raw_path == b"/api/evaluations/ev%2F1/scores"
    assert json.loads(seen[0].content) == {
        "criteria": [{"code": "file_complete", "score": 8, "note": None}], "successful": True, "effective": None,
        "actor": {"username": "danhgia", "officer_id": None, "roles": ["evaluator"]}}
    assert json.loads(seen[1].content)["actions"] == [
        {"criterion": "file_complete", "required_evidence": "Bổ sung hồ sơ", "due_on": None, "owner_officer_id": None}]


async def test_a_plan_not_drawn_is_none_and_filters_left_blank_are_not_sent():
    api, seen = api_answering(lambda r: httpx.Response(404, json={"detail": "Chưa có kế hoạch.", "field": None})
                              if r.url.path.startswith("/api/plans") else httpx.Response(200, json={"actions": []}))
    assert await api.plan(2026) is None
    await api.actions(status="open", officer_id=None, criterion="")
    assert str(seen[1].url.query, "ascii") == "status=open"


async def test_a_refusal_keeps_the_services_vietnamese_reason_and_field():
    api, _ = api_answering(lambda r: httpx.Response(403, json={
        "detail": "Người đánh giá đã từng được phân công vụ việc này.", "field": "actor"}))
    with pytest.raises(EvaluationRefused) as refused:
        await api.open_evaluation("c-1", "appraisal", ACTOR)
    assert (refused.value.status, refused.value.field) == (403, "actor")
    assert refused.value.message == "Người đánh giá đã từng được phân công vụ việc này."


async def test_a_validation_refusal_is_worded_without_the_field_name():
    api, _ = api_answering(lambda r: httpx.Response(422, json={
        "detail": "criteria[0].score: Phải là số nguyên.", "field": "criteria[0].score", "errors": []}))
    with pytest.raises(EvaluationRefused) as refused:
        await api.save_scores("ev-1", [CriterionScore("file_complete", 8)], None, None, ACTOR)
    assert (refused.value.message, refused.value.field) == ("Phải là số nguyên.", "criteria[0].score")


async def test_schema_errors_and_server_failures_are_worded_for_staff():
    api, _ = api_answering(lambda r: httpx.Response(422, json={"detail": [{"loc": ["body", "year"], "msg": "x"}]}))
    with pytest.raises(EvaluationRefused) as refused:
        await api.draw_plan(2026, ACTOR)
    assert refused.value.message == REFUSED_MESSAGE and refused.value.problems[0]["loc"] == ["body", "year"]
    broken, _ = api_answering(lambda r: httpx.Response(500, text="Internal Server Error"))
    with pytest.raises(EvaluationUnavailable) as down:
        await broken.rules()
    assert down.value.message == UNAVAILABLE_MESSAGE


async def test_an_evaluation_that_does_not_answer_is_unavailable():
    api = EvaluationApi("http://127.0.0.1:9", timeout=0.5)
    with pytest.raises(EvaluationUnavailable):
        await api.reviews(2026)

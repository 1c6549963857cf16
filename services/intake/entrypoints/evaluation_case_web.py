"""One quality evaluation, over the evaluation service's HTTP API: the checklist of its method with a
score and a note per criterion, the successful/effective flags, the question to the performer and
their answer, and finalising with a corrective action for each failed criterion the evaluator chooses.
The evaluator and leaders open every evaluation; the performer opens the evaluation of their case."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.intake.adapters import evaluation_lookups
from services.intake.adapters.accounts import Session
from services.intake.adapters.evaluation_api import Actor, EvaluationApi, EvaluationRefused, EvaluationUnavailable
from services.intake.domain.staff import Permission, StaffUser
from services.intake.entrypoints import auth, labels
from services.intake.entrypoints import evaluation_form as forms
# The module, not its names: web.py includes the evaluation routers, so either may be imported first.
from services.intake.entrypoints import web as pages
from services.intake.entrypoints.evaluation_context import (
    API_ERRORS,
    FormOutcome,
    actor_of,
    api_of,
    message_page,
    officer_label,
    rating_labels,
    render,
    status_of,
    today_of,
    together,
)
from shared.vocabulary import AidForm

router = APIRouter(include_in_schema=False)


def evaluation_url(evaluation_id: str, anchor: str = "", **query: str) -> str:
    """The path of an evaluation's page, with a query and an anchor."""
    url = f"/evaluation/{quote(evaluation_id, safe='')}"
    return url + (f"?{urlencode(query)}" if query else "") + (f"#{anchor}" if anchor else "")


def _performer(evaluation: dict) -> str | None:
    return evaluation["case"].get("officer_id")


def _may_open(user: StaffUser, evaluation: dict) -> bool:
    """Evaluators and leaders open every evaluation; the performer opens the evaluation of their case."""
    return user.may(Permission.EVALUATE) or (bool(user.officer_id) and user.officer_id == _performer(evaluation))


def _checklist(evaluation: dict) -> list[dict]:
    """The evaluation's criteria (label, maximum, pass score, critical) with what was scored, a copy to decorate."""
    return [dict(row) for row in evaluation["checklist"]]


@router.get("/evaluation/{evaluation_id}", response_class=HTMLResponse)
async def evaluation_page(request: Request, evaluation_id: str, saved: str = "", finalized: str = "",
                          session: Session = Depends(auth.require(Permission.VIEW_EVALUATION))) -> Response:
    """One evaluation: the checklist, the explanation, the rating and the corrective actions raised."""
    notice = "Đã lưu bản nháp." if saved else "Đã hoàn thành đánh giá." if finalized else None
    return await _evaluation_page(request, session, evaluation_id, notice=notice)


async def _evaluation_page(request: Request, session: Session, evaluation_id: str, *,
                           outcome: FormOutcome | None = None, notice: str | None = None,
                           status_code: int = 200) -> Response:
    """The evaluation page; also the answer to a form on it that failed, with what was typed kept."""
    api = api_of(request)
    try:
        evaluation, rules = await together(api.evaluation(evaluation_id), api.rules())
    except API_ERRORS as exc:
        return render(request, "evaluation_case.html", {
            "unavailable": exc.message, "evaluation": None, "outcome": outcome, "evaluation_id": evaluation_id},
            503 if outcome else status_code)
    if evaluation is None:
        return message_page(request, "Không tìm thấy phiếu đánh giá", "Phiếu đánh giá này không có.", 404)
    user = session.user
    if not _may_open(user, evaluation):
        raise auth.Forbidden()
    engine = request.app.state.engine
    names = await evaluation_lookups.officer_names(engine)
    case = dict(evaluation["case"])
    if not case.get("register_no"):
        case["register_no"] = (await evaluation_lookups.register_numbers(engine, [case["case_id"]])).get(
            case["case_id"], case["case_id"])
    case["closure_label"] = _closure_words(request, case)
    performer = _performer(evaluation)
    final = evaluation.get("status") == "final"
    # Only the evaluator who opened the evaluation scores it, asks and finalises (the service says so too).
    may_edit = user.may(Permission.EVALUATE) and not final and evaluation.get("evaluator") == user.username
    today = today_of(request)
    checklist = _checklist(evaluation)
    scores_typed = outcome is not None and outcome.form == "scores"
    for row in checklist:
        code = row["code"]
        row["typed_score"] = outcome.value(f"score:{code}") if scores_typed else (
            "" if row.get("score") is None else str(row["score"]))
        row["typed_note"] = outcome.value(f"note:{code}") if scores_typed else (row.get("note") or "")
    failed = [row for row in checklist if row.get("passed") is False]
    offered = [row["code"] for row in failed] if may_edit else []
    due = forms.default_due(today, rules.get("corrective_action_days")).isoformat()
    action_rows = [{
        "code": row["code"], "label": row["label_vi"],
        "raise": outcome.value(f"raise:{row['code']}") if scores_typed else "",
        "owner": outcome.value(f"owner:{row['code']}", performer or "") if scores_typed else (performer or ""),
        "due": outcome.value(f"due:{row['code']}", due) if scores_typed else due,
        "evidence": outcome.value(f"evidence:{row['code']}") if scores_typed else "",
    } for row in failed if row["code"] in offered]
    explanations = _explanations(evaluation, request.app.state.zone)
    pending = bool(explanations) and not explanations[-1].get("answer")
    flags = {name: (outcome.value(name) if scores_typed else
                    {True: "yes", False: "no"}.get(evaluation.get(name), "")) for name in ("successful", "effective")}
    actions = evaluation.get("actions") or []
    for action in actions:
        action["owner_label"] = officer_label(action["owner_officer_id"], names)
        due_on = forms.parse_day(str(action.get("due_on") or ""))
        action["due_display"] = due_on.strftime("%d/%m/%Y") if due_on else "—"
    return render(request, "evaluation_case.html", {
        "evaluation": evaluation, "evaluation_id": evaluation_id, "case": case, "checklist": checklist,
        "flags": flags, "outcome": outcome, "notice": notice, "unavailable": None,
        "performer_label": officer_label(performer, names), "performer": performer,
        "method_label": evaluation["method"]["label_vi"] or evaluation["method"]["code"],
        "rating": _rating(evaluation, rules),
        "status_label": labels.EVALUATION_STATUS_LABELS.get(evaluation.get("status"), evaluation.get("status")),
        "final": final, "may_edit": may_edit,
        "may_ask": may_edit and not pending,
        "may_answer": bool(user.officer_id) and user.officer_id == performer and not final and pending,
        "explanations": explanations, "action_rows": action_rows, "offered": offered, "actions": actions,
        "action_status_labels": labels.ACTION_STATUS_LABELS, "field_labels": labels.FIELD_LABELS,
        "form_labels": labels.AID_FORM_LABELS,
        "closed_local": pages.local_time(case.get("closed_at"), request.app.state.zone),
        "finalized_local": pages.local_time(evaluation.get("finalized_at"), request.app.state.zone),
    }, status_code)


def _closure_words(request: Request, case: dict) -> str | None:
    """How the case ended, in the words of intake's rules (result of a completed case, ground of a terminated one)."""
    if not case.get("outcome"):
        return None
    words = labels.OUTCOME_LABELS.get(case["outcome"], case["outcome"])
    rules = request.app.state.policy.rules
    detail = None
    if case.get("result") and case.get("form") in {f.value for f in AidForm}:
        found = rules.case_result(AidForm(case["form"]), case["result"])
        detail = found.label_vi if found else case["result"]
    elif case.get("ground"):
        ground = rules.termination_grounds.get(case["ground"])
        detail = ground.label_vi if ground else case["ground"]
    return f"{words}: {detail}" if detail else words


def _rating(evaluation: dict, rules: dict) -> dict | None:
    """The rating the scores give (final once finalised) in words, with the lines of its derivation;
    None while criteria are unscored."""
    rating = evaluation.get("rating")
    if rating is None:
        return None
    return {**rating, "label": rating.get("label_vi") or rating_labels(rules).get(rating["code"], rating["code"])}


def _explanations(evaluation: dict, zone: ZoneInfo) -> list[dict]:
    """Every question put to the performer, oldest first, with their answer once given."""
    return [{**item, "asked_local": pages.local_time(item.get("asked_at"), zone),
             "answered_local": pages.local_time(item.get("answered_at"), zone)}
            for item in evaluation.get("explanations") or []]


@router.post("/evaluation/{evaluation_id}/scores", dependencies=[Depends(auth.csrf_checked)])
async def save_scores(request: Request, evaluation_id: str,
                      session: Session = Depends(auth.require(Permission.EVALUATE))) -> Response:
    """Save the checklist as a draft, or save it and finalise: the rating is derived and the corrective
    actions chosen for the failed criteria are raised."""
    form = await request.form()
    finalising = form.get("do") == "finalize"
    api = api_of(request)
    try:
        evaluation = await api.evaluation(evaluation_id)
    except API_ERRORS as exc:
        return await _evaluation_page(request, session, evaluation_id, status_code=status_of(exc),
                                      outcome=FormOutcome("scores", exc.message, _typed(form)))
    if evaluation is None:
        return message_page(request, "Không tìm thấy phiếu đánh giá", "Phiếu đánh giá này không có.", 404)
    criteria = _checklist(evaluation)
    sheet = forms.parse_scores(form, criteria)
    offered = [code for code in form.getlist("offered") if code]
    choices = forms.parse_actions(form, offered, today_of(request))
    values = {**sheet.values, **choices.values}
    if sheet.errors:
        return await _evaluation_page(request, session, evaluation_id, status_code=422, outcome=FormOutcome(
            "scores", "Phiếu đánh giá có lỗi; xem các ô được đánh dấu. Thông tin đã nhập được giữ nguyên.",
            values, sheet.errors))
    actor = actor_of(session.user)
    try:
        await api.save_scores(evaluation_id, sheet.criteria, sheet.successful, sheet.effective, actor)
    except API_ERRORS as exc:
        return await _evaluation_page(request, session, evaluation_id, status_code=status_of(exc),
                                      outcome=FormOutcome("scores", exc.message, values,
                                                          _placed(exc, [c.code for c in sheet.criteria], [])))
    await request.app.state.accounts.audit(session.user, "evaluation_save_scores", evaluation_id,
                                           finalising=finalising)
    if not finalising:
        return RedirectResponse(evaluation_url(evaluation_id, "phieu", saved="1"), status_code=303)
    scores = {c.code: c.score for c in sheet.criteria}
    now_failing = forms.failing(criteria, scores)
    unseen = [code for code in now_failing if code not in offered]
    if unseen:
        names = {c["code"]: c.get("label_vi") or c["code"] for c in criteria}
        return await _evaluation_page(request, session, evaluation_id, outcome=FormOutcome(
            "scores", "Điểm đã được lưu. Theo điểm vừa nhập, các tiêu chí sau không đạt: "
            + "; ".join(names[code] for code in unseen)
            + ". Hãy chọn có đề ra biện pháp khắc phục cho từng tiêu chí hay không, rồi bấm Hoàn thành đánh giá.",
            values))
    if choices.errors:
        return await _evaluation_page(request, session, evaluation_id, status_code=422, outcome=FormOutcome(
            "scores", "Điểm đã được lưu nhưng chưa hoàn thành: biện pháp khắc phục có lỗi; xem các ô được đánh dấu.",
            values, choices.errors))
    actions = [a for a in choices.actions if a.criterion in now_failing]
    try:
        await api.finalize(evaluation_id, actions, actor)
    except API_ERRORS as exc:
        return await _evaluation_page(request, session, evaluation_id, status_code=status_of(exc),
                                      outcome=FormOutcome("scores", exc.message, values,
                                                          _placed(exc, [], [a.criterion for a in actions])))
    await request.app.state.accounts.audit(session.user, "evaluation_finalize", evaluation_id,
                                           actions=[a.criterion for a in actions])
    return RedirectResponse(evaluation_url(evaluation_id, "ket-qua", finalized="1"), status_code=303)


_INDEXED_FIELD = re.compile(r"(criteria|actions)\[(\d+)\]\.(\w+)")
_ACTION_INPUTS = {"due_on": "due", "owner_officer_id": "owner", "required_evidence": "evidence", "criterion": "raise"}


def _placed(exc: EvaluationUnavailable | EvaluationRefused, scored: list[str], raised: list[str]) -> dict[str, str]:
    """The service's refusal next to the input it names (`criteria[2].score`, `actions[0].due_on`, `effective`),
    given the criteria scored and the actions raised in the order they were sent."""
    if not isinstance(exc, EvaluationRefused):
        return {}
    where, message = exc.field, exc.message
    if where in ("successful", "effective"):
        return {where: message}
    found = _INDEXED_FIELD.fullmatch(where or "")
    if found is None:
        return {}
    kind, index, attribute = found.group(1), int(found.group(2)), found.group(3)
    if kind == "criteria" and index < len(scored):
        return {f"{'note' if attribute == 'note' else 'score'}:{scored[index]}": message}
    if kind == "actions" and index < len(raised) and attribute in _ACTION_INPUTS:
        return {f"{_ACTION_INPUTS[attribute]}:{raised[index]}": message}
    return {}


def _typed(form: Any) -> dict[str, str]:
    """Every single-valued field as typed, to show the form again."""
    return {key: str(value) for key, value in form.items() if key != "csrf_token"}


@router.post("/evaluation/{evaluation_id}/explanation-request", dependencies=[Depends(auth.csrf_checked)])
async def request_explanation(request: Request, evaluation_id: str, question: str = Form(""),
                              session: Session = Depends(auth.require(Permission.EVALUATE))) -> Response:
    """Ask the performer to explain something about the case."""
    return await _text_action(request, session, evaluation_id, "question", question, "câu hỏi cần giải trình",
                              "evaluation_request_explanation",
                              lambda api, actor: api.request_explanation(evaluation_id, question.strip(), actor))


@router.post("/evaluation/{evaluation_id}/explanation", dependencies=[Depends(auth.csrf_checked)])
async def explain(request: Request, evaluation_id: str, answer: str = Form(""),
                  session: Session = Depends(auth.require(Permission.VIEW_EVALUATION))) -> Response:
    """The performer answers the evaluator's question (the service accepts the answer from them only)."""
    return await _text_action(request, session, evaluation_id, "answer", answer, "nội dung giải trình",
                              "evaluation_explain",
                              lambda api, actor: api.explain(evaluation_id, answer.strip(), actor))


async def _text_action(request: Request, session: Session, evaluation_id: str, name: str, text: str, what: str,
                       audit_action: str, call: Callable[[EvaluationApi, Actor], Awaitable[Any]]) -> Response:
    """A one-text form on the evaluation page: back to the page, or the page with the message and the text."""
    values = {name: text.strip()}
    if problem := forms.required_text(text, what):
        return await _evaluation_page(request, session, evaluation_id, status_code=422,
                                      outcome=FormOutcome(name, problem, values, {name: problem}))
    try:
        await call(api_of(request), actor_of(session.user))
    except API_ERRORS as exc:
        return await _evaluation_page(request, session, evaluation_id, status_code=status_of(exc),
                                      outcome=FormOutcome(name, exc.message, values))
    await request.app.state.accounts.audit(session.user, audit_action, evaluation_id, text=values[name])
    return RedirectResponse(evaluation_url(evaluation_id, "giai-trinh"), status_code=303)

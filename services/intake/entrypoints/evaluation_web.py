"""Staff pages of quality evaluation (Circular 12/2018/TT-BTP), over the evaluation service's HTTP API.

This module: the yearly plan (drawn with a recorded seed, each case with why it was chosen and how far
its evaluation is), complaints, and starting an evaluation. One evaluation, the corrective actions and
the officers' reviews have their own modules; `router` gathers them all, the fixed paths before
`/evaluation/{evaluation_id}`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.intake.adapters import evaluation_lookups
from services.intake.adapters.accounts import Session
from services.intake.adapters.evaluation_api import EvaluationRefused, EvaluationUnavailable
from services.intake.domain.staff import Permission
from services.intake.entrypoints import (
    auth,
    evaluation_actions_web,
    evaluation_case_web,
    evaluation_reviews_web,
    labels,
)
from services.intake.entrypoints import evaluation_form as forms
# The module, not its names: web.py includes this router, so either may be imported first.
from services.intake.entrypoints import web as pages
from services.intake.entrypoints.evaluation_context import (
    API_ERRORS,
    FormOutcome,
    actor_of,
    api_of,
    method_labels,
    officer_label,
    render,
    today_of,
)

_pages = APIRouter(include_in_schema=False)


# --- the plan ------------------------------------------------------------------------------------------


@_pages.get("/evaluation", response_class=HTMLResponse)
async def plan_page(request: Request, year: str = "", drawn: str = "", complaint: str = "",
                    session: Session = Depends(auth.require(Permission.EVALUATE))) -> Response:
    """The evaluation plan of a year: its cases, why each was chosen, and how far each evaluation is."""
    notice = ("Đã lập kế hoạch đánh giá." if drawn else
              "Đã ghi nhận khiếu nại; vụ việc sẽ có trong kế hoạch đánh giá tiếp theo." if complaint else None)
    return await _plan_page(request, session, year, notice=notice)


async def _plan_page(request: Request, session: Session, year_raw: str, *, outcome: FormOutcome | None = None,
                     notice: str | None = None, status_code: int = 200) -> Response:
    """The plan page; also the answer to a form on it that failed, with the message by the form."""
    context: dict[str, Any] = {"outcome": outcome, "notice": notice, "unavailable": None, "plan": None,
                               "year_error": None, "reason_labels": labels.PLAN_REASON_LABELS,
                               "status_labels": labels.EVALUATION_STATUS_LABELS}
    today = today_of(request)
    api = api_of(request)
    try:
        rules = await api.rules()
    except API_ERRORS as exc:
        context.update(unavailable=exc.message, year=forms.evaluation_year(today), methods={})
        return render(request, "evaluation_plan.html", context, 503 if outcome else status_code)
    year_start = rules.get("year_start")
    current = forms.evaluation_year(today, year_start)
    year = forms.parse_year(year_raw, current)
    if year is None:
        context["year_error"], year = "Năm đánh giá không hợp lệ (ví dụ 2026).", current
    try:
        plan = await api.plan(year)
        if plan is None and not year_raw.strip() and today <= forms.year_bounds(year, year_start)[1]:
            # The plan of a year is drawn once the year has ended: until then the work is last year's plan.
            year -= 1
            plan = await api.plan(year)
    except API_ERRORS as exc:
        context.update(unavailable=exc.message, year=year, methods={})
        return render(request, "evaluation_plan.html", context, 503 if outcome else status_code)
    start, end = forms.year_bounds(year, year_start)
    context.update(year=year, start=start, end=end, ended=today > end, default_view=not year_raw.strip(),
                   methods=method_labels(rules), sample_percent=_percent(rules.get("sample_percent")),
                   min_per_officer=rules.get("min_per_officer"))
    if plan is not None:
        engine = request.app.state.engine
        names = await evaluation_lookups.officer_names(engine)
        missing = [i["case_id"] for i in plan["items"] if not i.get("register_no")]
        numbers = await evaluation_lookups.register_numbers(engine, missing)
        for item in plan["items"]:
            item["register_no"] = item.get("register_no") or numbers.get(item["case_id"], item["case_id"])
            item["officer_label"] = officer_label(item.get("officer_id"), names)
        plan["created_local"] = pages.local_time(plan.get("created_at"), request.app.state.zone)
        counts = _status_counts(plan["items"])
        plan["progress"] = [f"{label}: {counts[code]}" for code, label in labels.EVALUATION_STATUS_LABELS.items()
                            if counts.get(code)]
        plan["percent_label"] = _percent(plan.get("sample_percent"))
        context["plan"] = plan
    return render(request, "evaluation_plan.html", context, status_code)


def _percent(value: float | None) -> str:
    """A percentage as staff write it: 10, 12,5."""
    return "" if value is None else f"{value:g}".replace(".", ",")


def _status_counts(items: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    return counts


@_pages.post("/evaluation/plans", dependencies=[Depends(auth.csrf_checked)])
async def draw_plan(request: Request, session: Session = Depends(auth.require(Permission.EVALUATE))) -> Response:
    """Draw the plan of a year: the random sample per officer, complaints and earlier failures."""
    draw = forms.parse_plan(await request.form())
    year_raw = draw.values["year"]
    if draw.errors:
        return await _plan_page(request, session, year_raw, status_code=422, outcome=FormOutcome(
            "draw", "Thông tin lập kế hoạch chưa hợp lệ; xem các ô được đánh dấu.", draw.values, draw.errors))
    assert draw.year is not None
    try:
        plan = await api_of(request).draw_plan(draw.year, actor_of(session.user), sample_percent=draw.sample_percent,
                                               seed=draw.seed)
    except EvaluationRefused as exc:
        return await _plan_page(request, session, year_raw, status_code=exc.status, outcome=FormOutcome(
            "draw", exc.message, draw.values, _field_error(exc, ("sample_percent", "seed", "year"))))
    except EvaluationUnavailable as exc:
        return await _plan_page(request, session, year_raw, status_code=503,
                                outcome=FormOutcome("draw", exc.message, draw.values))
    await request.app.state.accounts.audit(session.user, "evaluation_draw_plan", str(draw.year),
                                           seed=plan.get("seed"), sample_percent=plan.get("sample_percent"))
    return RedirectResponse(f"/evaluation?{urlencode({'year': draw.year, 'drawn': 1})}", status_code=303)


def _field_error(exc: EvaluationRefused, known: tuple[str, ...]) -> dict[str, str]:
    """The refusal next to its field when the service named one the form has."""
    return {exc.field: exc.message} if exc.field in known else {}


@_pages.post("/evaluation/complaints", dependencies=[Depends(auth.csrf_checked)])
async def record_complaint(request: Request, case: str = Form(""), text: str = Form(""), year: str = Form(""),
                           session: Session = Depends(auth.require(Permission.EVALUATE))) -> Response:
    """Record a complaint about a closed case, typed by register number or id: it joins the next plan."""
    values = {"case": case.strip(), "text": text.strip()}
    errors: dict[str, str] = {}
    if not values["case"]:
        errors["case"] = "Nhập số thụ lý (ví dụ 00012/2026/TL) hoặc mã vụ việc."
    if problem := forms.required_text(values["text"], "nội dung khiếu nại"):
        errors["text"] = problem
    case_id = None
    if not errors:
        reference = forms.normalise_case_reference(values["case"])
        case_id = await evaluation_lookups.case_id_of(request.app.state.engine, reference)
        if case_id is None:
            errors["case"] = f"Không có vụ việc {values['case']} trong sổ thụ lý."
    if errors:
        return await _plan_page(request, session, year, status_code=422, outcome=FormOutcome(
            "complaint", "Chưa ghi nhận được khiếu nại; xem các ô được đánh dấu.", values, errors))
    assert case_id is not None
    try:
        await api_of(request).record_complaint(case_id, values["text"], actor_of(session.user))
    except EvaluationRefused as exc:
        return await _plan_page(request, session, year, status_code=exc.status, outcome=FormOutcome(
            "complaint", exc.message, values, {"text": exc.message} if exc.field == "text" else {}))
    except EvaluationUnavailable as exc:
        return await _plan_page(request, session, year, status_code=503,
                                outcome=FormOutcome("complaint", exc.message, values))
    await request.app.state.accounts.audit(session.user, "evaluation_record_complaint", case_id, text=values["text"])
    return RedirectResponse(f"/evaluation?{urlencode({'year': year, 'complaint': 1})}", status_code=303)


@_pages.post("/evaluation/evaluations", dependencies=[Depends(auth.csrf_checked)])
async def start_evaluation(request: Request, case_id: str = Form(""), method: str = Form(""), year: str = Form(""),
                           session: Session = Depends(auth.require(Permission.EVALUATE))) -> Response:
    """Open the evaluation of a planned case by the chosen method (refused when the evaluator is not
    independent of the case)."""
    form = f"start:{case_id}"
    if not method:
        return await _plan_page(request, session, year, status_code=422, outcome=FormOutcome(
            form, "Chọn phương thức đánh giá.", {"method": method}))
    try:
        evaluation_id = await api_of(request).open_evaluation(case_id, method, actor_of(session.user))
    except EvaluationRefused as exc:
        return await _plan_page(request, session, year, status_code=exc.status,
                                outcome=FormOutcome(form, exc.message, {"method": method}))
    except EvaluationUnavailable as exc:
        return await _plan_page(request, session, year, status_code=503,
                                outcome=FormOutcome(form, exc.message, {"method": method}))
    await request.app.state.accounts.audit(session.user, "evaluation_open", case_id, evaluation_id=evaluation_id,
                                           method=method)
    return RedirectResponse(evaluation_case_web.evaluation_url(evaluation_id), status_code=303)


router = APIRouter(include_in_schema=False)
router.include_router(evaluation_actions_web.router)
router.include_router(evaluation_reviews_web.router)
router.include_router(_pages)
router.include_router(evaluation_case_web.router)  # last: `/evaluation/{evaluation_id}` would match the others

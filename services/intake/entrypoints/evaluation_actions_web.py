"""The corrective actions raised by evaluations, over the evaluation service's HTTP API: the list with
its filters and counts, the owner's report of what was done, a leader's verification (close) or
sending back (reopen). Officers see the actions they own and the explanations asked of them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.intake.adapters import evaluation_lookups
from services.intake.adapters.accounts import Session
from services.intake.adapters.evaluation_api import Actor, EvaluationApi
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
    criterion_labels,
    officer_label,
    render,
    status_of,
    today_of,
    together,
)

router = APIRouter(include_in_schema=False)

STATUSES = ("open", "overdue", "submitted", "closed")


def _filters(user: StaffUser, status: str, officer: str, criterion: str) -> dict[str, str]:
    """The filters in force: an officer who does not oversee every action sees only their own."""
    if not user.may(Permission.OVERSEE_CORRECTIVE_ACTIONS):
        officer = user.officer_id or ""
    return {"status": status if status in STATUSES else "", "officer": officer.strip(),
            "criterion": criterion.strip()}


def _list_url(filters: dict[str, str], anchor: str = "") -> str:
    query = urlencode({k: v for k, v in filters.items() if v})
    return "/evaluation/actions" + (f"?{query}" if query else "") + (f"#{anchor}" if anchor else "")


@router.get("/evaluation/actions", response_class=HTMLResponse)
async def actions_page(request: Request, status: str = "", officer: str = "", criterion: str = "",
                       done: str = "",
                       session: Session = Depends(auth.require(Permission.VIEW_EVALUATION))) -> Response:
    """Corrective actions by status, officer and criterion, with counts; overdue ones stand out."""
    notice = {"evidence": "Đã gửi báo cáo khắc phục; lãnh đạo sẽ xác nhận.", "close": "Đã đóng biện pháp khắc phục.",
              "reopen": "Đã trả lại biện pháp khắc phục cho người thực hiện."}.get(done)
    return await _actions_page(request, session, _filters(session.user, status, officer, criterion), notice=notice)


async def _actions_page(request: Request, session: Session, filters: dict[str, str], *,
                        outcome: FormOutcome | None = None, notice: str | None = None,
                        status_code: int = 200) -> Response:
    """The list; also the answer to a form on it that failed, with the message by that action."""
    user = session.user
    oversee = user.may(Permission.OVERSEE_CORRECTIVE_ACTIONS)
    context: dict[str, Any] = {
        "filters": filters, "outcome": outcome, "notice": notice, "unavailable": None, "actions": [],
        "counts": None, "oversee": oversee, "statuses": STATUSES, "status_labels": labels.ACTION_STATUS_LABELS,
        "may_close": user.may(Permission.CLOSE_CORRECTIVE_ACTION), "own": user.officer_id,
        "explanations": [], "criteria": {}, "officers": []}
    if not oversee and not user.officer_id:
        return render(request, "evaluation_actions.html", context, status_code)
    api = api_of(request)
    try:
        listing, rules = await together(
            api.actions(status=filters["status"] or None, officer_id=filters["officer"] or None,
                        criterion=filters["criterion"] or None), api.rules())
        if user.officer_id:
            context["explanations"] = await _explanations_asked(request, api, user.officer_id, rules)
    except API_ERRORS as exc:
        context["unavailable"] = exc.message
        return render(request, "evaluation_actions.html", context, 503 if outcome else status_code)
    engine = request.app.state.engine
    names = await evaluation_lookups.officer_names(engine)
    actions = listing["actions"]
    numbers = await evaluation_lookups.register_numbers(engine, [a["case_id"] for a in actions])
    criteria = criterion_labels(rules)
    zone = request.app.state.zone
    for action in actions:
        action["register_no"] = numbers.get(action["case_id"], action["case_id"])
        action["owner"] = action["owner_officer_id"]
        action["owner_label"] = officer_label(action["owner"], names)
        action["criterion_label"] = criteria.get(action["criterion"], action["criterion"])
        action["due_display"] = date.fromisoformat(action["due_on"]).strftime("%d/%m/%Y")
        action["closed_at_local"] = pages.local_time(action["closed_at"], zone)
        for step in action["history"]:
            step["at_local"] = pages.local_time(step["at"], zone)
    counts = listing["counts"]
    context.update(
        actions=actions, counts=counts, criteria=criteria,
        by_officer=_tallies(counts["by_officer"], lambda oid: officer_label(oid, names)),
        by_criterion=_tallies(counts["by_criterion"], lambda code: criteria.get(code, code)),
        officers=sorted(((oid, officer_label(oid, names)) for oid in _officers_of(actions, counts, filters)),
                        key=lambda kv: kv[1]))
    return render(request, "evaluation_actions.html", context, status_code)


def _tallies(groups: dict[str, dict[str, int]],
             label: Callable[[str], str]) -> list[tuple[str, str, dict[str, int]]]:
    """Counts per officer or per criterion as rows (code, words, counts by status), the most unfinished first."""
    rows = [(code, label(code), tally) for code, tally in groups.items()]
    return sorted(rows, key=lambda row: (-row[2].get("open", 0), -row[2].get("overdue", 0), row[1]))


def _officers_of(actions: list[dict], counts: dict, filters: dict[str, str]) -> set[str]:
    """Officers the officer filter offers: those with actions, and the one filtered on."""
    found = {a["owner"] for a in actions} | set(counts["by_officer"])
    return found | ({filters["officer"]} if filters["officer"] else set())


async def _explanations_asked(request: Request, api: EvaluationApi, officer_id: str, rules: dict) -> list[dict]:
    """Evaluations of this officer's cases waiting for their explanation, in this and last year's plans."""
    year = forms.evaluation_year(today_of(request), rules.get("year_start"))
    found = []
    for plan in await together(api.plan(year), api.plan(year - 1)):
        for item in (plan or {}).get("items") or []:
            if item.get("officer_id") == officer_id and item.get("status") == "explanation_requested":
                found.append(item)
    numbers = await evaluation_lookups.register_numbers(
        request.app.state.engine, [i["case_id"] for i in found if not i.get("register_no")])
    for item in found:
        item["register_no"] = item.get("register_no") or numbers.get(item["case_id"], item["case_id"])
    return found


async def _act(request: Request, session: Session, action_id: str, form: str, name: str, text: str, what: str,
               filters: dict[str, str], audit_action: str,
               call: Callable[[EvaluationApi, Actor, str], Awaitable[Any]]) -> Response:
    """One action on a corrective action: back to the list, or the list with the message and the text."""
    outcome_form = f"{form}:{action_id}"
    values = {name: text.strip()}
    if problem := forms.required_text(text, what):
        return await _actions_page(request, session, filters, status_code=422,
                                   outcome=FormOutcome(outcome_form, problem, values, {name: problem}))
    try:
        await call(api_of(request), actor_of(session.user), values[name])
    except API_ERRORS as exc:
        return await _actions_page(request, session, filters, status_code=status_of(exc),
                                   outcome=FormOutcome(outcome_form, exc.message, values))
    await request.app.state.accounts.audit(session.user, audit_action, action_id, text=values[name])
    return RedirectResponse(_list_url({**filters, "done": form}, f"bp-{action_id}"), status_code=303)


@router.post("/evaluation/actions/{action_id}/evidence", dependencies=[Depends(auth.csrf_checked)])
async def submit_evidence(request: Request, action_id: str, text: str = Form(""), status: str = Form(""),
                          officer: str = Form(""), criterion: str = Form(""),
                          session: Session = Depends(auth.require(Permission.VIEW_EVALUATION))) -> Response:
    """The owner reports what was done (the service accepts it from the owner only)."""
    return await _act(request, session, action_id, "evidence", "text", text, "kết quả đã khắc phục",
                      _filters(session.user, status, officer, criterion), "corrective_action_evidence",
                      lambda api, actor, text: api.submit_evidence(action_id, text, actor))


@router.post("/evaluation/actions/{action_id}/close", dependencies=[Depends(auth.csrf_checked)])
async def close_action(request: Request, action_id: str, note: str = Form(""), status: str = Form(""),
                       officer: str = Form(""), criterion: str = Form(""),
                       session: Session = Depends(auth.require(Permission.CLOSE_CORRECTIVE_ACTION))) -> Response:
    """A leader verifies the correction and closes the action."""
    return await _act(request, session, action_id, "close", "note", note, "nhận xét khi xác nhận",
                      _filters(session.user, status, officer, criterion), "corrective_action_close",
                      lambda api, actor, text: api.close_action(action_id, text, actor))


@router.post("/evaluation/actions/{action_id}/reopen", dependencies=[Depends(auth.csrf_checked)])
async def reopen_action(request: Request, action_id: str, note: str = Form(""), status: str = Form(""),
                        officer: str = Form(""), criterion: str = Form(""),
                        session: Session = Depends(auth.require(Permission.CLOSE_CORRECTIVE_ACTION))) -> Response:
    """A leader sends the action back to its owner with the reason."""
    return await _act(request, session, action_id, "reopen", "note", note, "lý do trả lại",
                      _filters(session.user, status, officer, criterion), "corrective_action_reopen",
                      lambda api, actor, text: api.reopen_action(action_id, text, actor))

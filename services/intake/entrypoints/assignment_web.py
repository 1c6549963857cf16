"""Staff pages about assignment, over the assignment service's HTTP API: a case's decision with
its candidates and history, the actions on it (a leader gives the case to someone else, the
performer declines it, an officer asks to take it and a leader decides), and the oversight of
leaders' decisions against the rule."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.intake.adapters import register_queries
from services.intake.adapters.accounts import Session
from services.intake.adapters.assignment_api import (
    Actor,
    AssignmentApi,
    AssignmentRefused,
    AssignmentUnavailable,
)
from services.intake.domain.staff import Permission, StaffUser
from services.intake.entrypoints import auth, labels
# The module, not its names: web.py includes this router, so either may be imported first.
from services.intake.entrypoints import web as pages
from services.runtime.unit_of_work import utcnow

router = APIRouter(include_in_schema=False)

#: Rules whose exclusion a leader's choice cannot overcome either (the conflict and the past decline).
_BINDING_EXCLUSIONS = frozenset({"declared_relationship", "opposing_party", "declined_or_replaced"})


@dataclass(frozen=True)
class ActionOutcome:
    """A staff action on a case's assignment that did not go through: which form, why, what was typed.

    `form` is "override", "decline", "take" or "decide:<request_id>".
    """

    form: str
    message: str
    values: dict[str, str] = field(default_factory=dict)
    field: str | None = None


def api_of(request: Request) -> AssignmentApi:
    """The assignment client of this app."""
    return request.app.state.assignment


def actor_of(user: StaffUser) -> Actor:
    """The acting staff user as assignment records them."""
    return Actor(user.username, user.officer_id, user.may(Permission.DECIDE_ASSIGNMENT))


async def together(*calls: Awaitable[Any]) -> list[Any]:
    """Run API calls at once; the first failure is raised after all have finished."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


async def _nothing() -> None:
    return None


def _today(request: Request) -> date:
    return utcnow().astimezone(request.app.state.zone).date()


# --- the "Phân công" section of the case page ------------------------------------------------------


async def case_panel(request: Request, user: StaffUser, case: dict, action: ActionOutcome | None = None) -> dict:
    """What the case page shows of the case's assignment, and which forms this user may use."""
    panel: dict[str, Any] = {"action": action, "unavailable": None, "decision": None, "orphan": None,
                             "labels": _LABELS}
    leader = user.may(Permission.DECIDE_ASSIGNMENT)
    try:
        decision, roster = await together(api_of(request).decision(case["case_id"]),
                                          api_of(request).officers() if leader else _nothing())
    except (AssignmentUnavailable, AssignmentRefused) as exc:
        panel["unavailable"] = exc.message
        return panel
    if decision is None:
        return panel
    zone = request.app.state.zone
    performer = decision.get("officer_id")
    excluded = {x["officer_id"] for x in decision["exclusions"]}
    pending = [r for r in decision["take_requests"] if r["status"] == "pending"]
    decision["decided_local"] = pages.local_time(decision.get("decided_at"), zone)
    decision["candidates"] = sorted(decision["candidates"], key=lambda c: (
        not c["eligible"], c["score"] if c["score"] is not None else 0.0, c.get("full_name") or c["officer_id"]))
    for item in decision["history"]:
        item["decided_local"] = pages.local_time(item["decided_at"], zone)
    for item in decision["exclusions"]:
        item["at_local"] = pages.local_time(item["at"], zone)
    for item in decision["take_requests"]:
        item["requested_local"] = pages.local_time(item["requested_at"], zone)
        item["decided_local"] = pages.local_time(item.get("decided_at"), zone)
    own = user.officer_id
    may_perform = bool(own) and user.may(Permission.PERFORM_CASE)
    options = _override_options(decision, roster or [], case, own, excluded, _today(request),
                                await register_queries.list_branches(request.app.state.engine)) if leader else []
    panel.update({
        "decision": decision,
        "may_override": leader,
        "override_options": options,
        "may_decline": may_perform and performer == own,
        "own_pending": next((r for r in pending if r["officer_id"] == own), None) if own else None,
        "may_request": (may_perform and performer != own and own not in excluded
                        and not any(r["officer_id"] == own for r in pending)),
        "decidable": [r for r in pending if r["officer_id"] != own] if leader else [],
    })
    shown = {form for form, visible in (("override", leader), ("decline", panel["may_decline"]),
                                        ("take", panel["may_request"] or panel["own_pending"])) if visible}
    shown |= {f"decide:{r['request_id']}" for r in panel["decidable"]}
    # The form the action came from may be gone (the request was decided meanwhile, the case reassigned).
    panel["orphan"] = action if action and action.form not in shown else None
    return panel


def _override_options(decision: dict, roster: list[dict], case: dict, own: str | None, excluded: set[str],
                      today: date, branches: list[dict]) -> list[tuple[str, str]]:
    """Officers a leader could give the case to: active, in the case's field, here today, serving the case's
    branch or the head office, free of a conflict; the rule's eligible candidates first, by score."""
    head_office = next((b["code"] for b in branches if b["is_head_office"]), None)
    names = {b["code"]: b["name"] for b in branches}
    places = {p for p in (case.get("branch_code"), head_office) if p}
    ruled = {c["officer_id"]: c for c in decision["candidates"]}
    today_iso = today.isoformat()
    options = []
    for officer in roster:
        oid = officer["officer_id"]
        candidate = ruled.get(oid, {})
        if (oid in (own, decision.get("officer_id")) or oid in excluded or not officer["active"]
                or case["field"] not in officer["fields"] or (places and officer["branch_code"] not in places)
                or candidate.get("excluded_by") in _BINDING_EXCLUSIONS
                or any(a["start"] <= today_iso <= a["end"] for a in officer.get("absences") or [])):
            continue
        eligible = bool(candidate.get("eligible"))
        label = (f"{officer['full_name']} — {names.get(officer['branch_code'], officer['branch_code'])}, "
                 f"tải {pages.decimal_vi(officer['load'])}/chỉ tiêu {pages.decimal_vi(officer['target'])}"
                 + (f", điểm {pages.decimal_vi(candidate['score'])}" if candidate.get("score") is not None else ""))
        options.append(((not eligible, candidate.get("score") or 0.0, officer["full_name"]), oid, label))
    return [(oid, label) for _, oid, label in sorted(options)]


_LABELS = {"kinds": labels.DECISION_KIND_LABELS, "exclusions": labels.EXCLUSION_LABELS,
           "request_status": labels.TAKE_REQUEST_STATUS_LABELS}


# --- actions on a case ---------------------------------------------------------------------------------


async def _act(request: Request, session: Session, case_id: str, outcome: ActionOutcome, audit_action: str,
               call: Callable[[AssignmentApi, Actor], Awaitable[Any]], **detail: Any) -> Response:
    """Send one action to assignment: back to the case page on success, or the page again with the
    message next to the form and what was typed."""
    try:
        await call(api_of(request), actor_of(session.user))
    except AssignmentRefused as exc:
        failed = ActionOutcome(outcome.form, exc.message, outcome.values, exc.field)
        return await pages.render_case(request, session, case_id, action=failed, status_code=exc.status)
    except AssignmentUnavailable as exc:
        failed = ActionOutcome(outcome.form, exc.message, outcome.values)
        return await pages.render_case(request, session, case_id, action=failed, status_code=503)
    await request.app.state.accounts.audit(session.user, audit_action, case_id, **detail)
    return RedirectResponse(f"/cases/{case_id}#phan-cong", status_code=303)


@router.post("/cases/{case_id}/assignment/override", dependencies=[Depends(auth.csrf_checked)])
async def override(request: Request, case_id: str, officer_id: str = Form(""), reason: str = Form(""),
                   session: Session = Depends(auth.require(Permission.DECIDE_ASSIGNMENT))) -> Response:
    """A leader gives the case to another officer than the rule chose, with a written reason."""
    outcome = ActionOutcome("override", "", {"officer_id": officer_id, "reason": reason})
    if not officer_id:
        return await pages.render_case(request, session, case_id, status_code=422, action=ActionOutcome(
            "override", "Chọn người thực hiện sẽ được giao.", outcome.values, "officer_id"))
    return await _act(request, session, case_id, outcome, "assignment_override",
                      lambda api, actor: api.override(case_id, officer_id, reason, actor),
                      officer_id=officer_id, reason=reason.strip())


@router.post("/cases/{case_id}/assignment/decline", dependencies=[Depends(auth.csrf_checked)])
async def decline(request: Request, case_id: str, reason: str = Form(""),
                  session: Session = Depends(auth.require(Permission.PERFORM_CASE))) -> Response:
    """The performer declines the case for a conflict of interest; the rule chooses someone else."""
    return await _act(request, session, case_id, ActionOutcome("decline", "", {"reason": reason}),
                      "assignment_decline", lambda api, actor: api.decline(case_id, reason, actor),
                      reason=reason.strip())


@router.post("/cases/{case_id}/assignment/take-request", dependencies=[Depends(auth.csrf_checked)])
async def request_take(request: Request, case_id: str, reason: str = Form(""),
                       session: Session = Depends(auth.require(Permission.PERFORM_CASE))) -> Response:
    """An officer asks to take the case; a leader decides."""
    return await _act(request, session, case_id, ActionOutcome("take", "", {"reason": reason}),
                      "assignment_take_request", lambda api, actor: api.request_take(case_id, reason, actor),
                      reason=reason.strip())


@router.post("/cases/{case_id}/assignment/take-requests/{request_id}", dependencies=[Depends(auth.csrf_checked)])
async def decide_take(request: Request, case_id: str, request_id: str, decision: str = Form(""),
                      reason: str = Form(""),
                      session: Session = Depends(auth.require(Permission.DECIDE_ASSIGNMENT))) -> Response:
    """A leader approves or rejects an officer's request to take the case, with a reason."""
    outcome = ActionOutcome(f"decide:{request_id}", "", {"reason": reason})
    if decision not in ("approve", "reject"):
        return await pages.render_case(request, session, case_id, status_code=422, action=ActionOutcome(
            outcome.form, "Chọn duyệt hoặc không duyệt đề nghị.", outcome.values))
    approve = decision == "approve"
    return await _act(request, session, case_id, outcome, "assignment_decide_take_request",
                      lambda api, actor: api.decide_take_request(request_id, approve, reason, actor),
                      request_id=request_id, approved=approve, reason=reason.strip())


# --- oversight -----------------------------------------------------------------------------------------


@router.get("/assignment/oversight", response_class=HTMLResponse)
async def oversight(request: Request, since: str = "",
                    session: Session = Depends(auth.require(Permission.OVERSEE_ASSIGNMENT))) -> Response:
    """Leaders' decisions against the rule, requests waiting for a leader, and signs to look into."""
    context: dict[str, Any] = {"since": since, "since_error": None, "unavailable": None,
                               "kind_labels": labels.DECISION_KIND_LABELS}
    start = None
    if since.strip():
        try:
            start = date.fromisoformat(since.strip())
        except ValueError:
            context["since_error"] = "Ngày không hợp lệ (định dạng năm-tháng-ngày, ví dụ 2026-01-01)."
    api = api_of(request)
    try:
        overrides, pending, patterns, roster = await together(
            api.overrides(start), api.take_requests("pending"), api.patterns(), api.officers())
    except (AssignmentUnavailable, AssignmentRefused) as exc:
        context["unavailable"] = exc.message
        return pages.TEMPLATES.TemplateResponse(request, "assignment_oversight.html", context)
    names = {o["officer_id"]: o["full_name"] for o in roster}
    zone = request.app.state.zone
    async with request.app.state.uow() as uow:
        numbers = await uow.requests.register_numbers(
            list({row["case_id"] for row in overrides["decisions"] + pending}))
    for row in overrides["decisions"]:
        row["decided_local"] = pages.local_time(row["decided_at"], zone)
    for row in pending:
        row["requested_local"] = pages.local_time(row["requested_at"], zone)
    await request.app.state.accounts.audit(session.user, "view_assignment_oversight", None)
    context.update({
        "overrides": overrides, "pending": pending, "patterns": patterns, "names": names, "numbers": numbers,
        "by_leader": sorted(overrides["by_leader"].items(), key=lambda kv: (-kv[1], kv[0])),
        "by_officer": sorted(overrides["by_officer"].items(), key=lambda kv: (-kv[1], kv[0])),
        "may_open_cases": session.user.may(Permission.VIEW_PERSON),
    })
    return pages.TEMPLATES.TemplateResponse(request, "assignment_oversight.html", context)

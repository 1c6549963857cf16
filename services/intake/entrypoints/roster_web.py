"""The roster of legal aid officers and contract lawyers, kept by assignment and shown here through its
HTTP API: the list with this year's loads, one entry with its versions and its target's derivation,
and the form administrators change it with."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.intake.adapters import register_queries
from services.intake.adapters.accounts import Session
from services.intake.adapters.assignment_api import AssignmentRefused, AssignmentUnavailable
from services.intake.domain.staff import Permission
from services.intake.entrypoints import auth, labels, roster_form
from services.intake.entrypoints.assignment_web import api_of
# The module, not its names: web.py includes this router, so either may be imported first.
from services.intake.entrypoints import web as pages
from services.runtime.unit_of_work import utcnow
from shared.vocabulary import CaseField

router = APIRouter(include_in_schema=False)
_API_ERRORS = (AssignmentUnavailable, AssignmentRefused)


def _render(request: Request, template: str, context: dict, status_code: int = 200) -> Response:
    return pages.TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)


def _choices() -> dict[str, Any]:
    """Everything the roster pages label in Vietnamese."""
    return {"field_choices": [(f.value, labels.FIELD_LABELS[f.value]) for f in CaseField],
            "field_labels": labels.FIELD_LABELS, "leader_roles": labels.LEADER_ROLE_LABELS,
            "officer_kinds": labels.OFFICER_KIND_LABELS, "absence_kinds": labels.ABSENCE_KIND_LABELS,
            "blank_rows": roster_form.BLANK_ROWS}


@router.get("/roster", response_class=HTMLResponse)
async def roster(request: Request, session: Session = Depends(auth.require(Permission.VIEW_ROSTER))) -> Response:
    """Every roster entry with its cases, load and target this year."""
    branches = await register_queries.list_branches(request.app.state.engine)
    context: dict[str, Any] = {**_choices(), "officers": [], "unavailable": None,
                               "branch_names": {b["code"]: b["name"] for b in branches},
                               "year": utcnow().astimezone(request.app.state.zone).year,
                               "may_manage": session.user.may(Permission.MANAGE_ROSTER)}
    try:
        context["officers"] = await api_of(request).officers()
    except _API_ERRORS as exc:
        context["unavailable"] = exc.message
    return _render(request, "roster.html", context)


async def _entry_page(request: Request, session: Session, officer_id: str | None, *,
                      values: dict | None = None, errors: dict[str, str] | None = None, message: str | None = None,
                      conflict: bool = False, saved: str = "", start: str = "", end: str = "",
                      status_code: int = 200) -> Response:
    """One roster entry (or the empty form for a new one), its versions and target; also the answer to a
    save that failed, with each message next to its field and what was typed kept."""
    zone = request.app.state.zone
    branches = await register_queries.list_branches(request.app.state.engine)
    context: dict[str, Any] = {
        **_choices(), "officer_id": officer_id, "new": officer_id is None, "branches": branches,
        "errors": errors or {}, "message": message, "conflict": conflict, "saved": saved, "unavailable": None,
        "record": None, "target": None, "target_error": None, "period": "",
        "may_manage": session.user.may(Permission.MANAGE_ROSTER)}
    if officer_id is None:
        context["values"] = values or roster_form.new_values()
        return _render(request, "roster_entry.html", context, status_code)
    today = utcnow().astimezone(zone).date()
    start = start or date(today.year, 1, 1).isoformat()
    end = end or date(today.year, 12, 31).isoformat()
    first, last = roster_form.parse_day(start), roster_form.parse_day(end)
    context.update(start=start, end=end)
    if first and last:
        context["period"] = f"{first:%d/%m/%Y} đến {last:%d/%m/%Y}"
    if first is None or last is None:
        context["target_error"] = "Ngày không hợp lệ: nhập theo dạng năm-tháng-ngày, ví dụ 2026-01-01."
    elif last < first:
        context["target_error"] = "Ngày kết thúc trước ngày bắt đầu."
    api = api_of(request)
    record, target = await asyncio.gather(
        api.officer(officer_id), _none() if context["target_error"] else api.target(officer_id, first, last),
        return_exceptions=True)
    for result in (record, target):
        if isinstance(result, BaseException) and not isinstance(result, _API_ERRORS):
            raise result
    if isinstance(record, _API_ERRORS):
        context.update(unavailable=record.message, values=values)
        return _render(request, "roster_entry.html", context, 503 if values else status_code)
    if isinstance(target, _API_ERRORS):
        context["target_error"], target = target.message, None
    if record is None:
        return _render(request, "message.html", {
            "title": "Không tìm thấy", "message": "Không có người thực hiện này trong danh sách."}, 404)
    await request.app.state.accounts.audit(session.user, "view_roster_entry", officer_id)
    for version in record["versions"]:
        version["changed_local"] = pages.local_time(version["changed_at"], zone)
    context.update(record=record, target=target, values=values or roster_form.record_values(record, zone))
    return _render(request, "roster_entry.html", context, status_code)


async def _none() -> None:
    return None


@router.get("/roster/new", response_class=HTMLResponse)
async def new_entry(request: Request,
                    session: Session = Depends(auth.require(Permission.MANAGE_ROSTER))) -> Response:
    """The form for a new officer or contract lawyer."""
    return await _entry_page(request, session, None)


@router.get("/roster/{officer_id}", response_class=HTMLResponse)
async def entry(request: Request, officer_id: str, start: str = "", end: str = "", saved: str = "",
                session: Session = Depends(auth.require(Permission.VIEW_ROSTER))) -> Response:
    """One roster entry: the form (read-only unless the user keeps the roster), versions and target."""
    return await _entry_page(request, session, officer_id, saved=saved, start=start.strip(), end=end.strip())


async def _save(request: Request, session: Session, officer_id: str | None) -> Response:
    """Check the typed entry, send it to assignment, and show the entry again (or the form with the errors)."""
    values = roster_form.form_values(await request.form())
    body, errors = roster_form.parse_officer(values, request.app.state.zone, new=officer_id is None)
    target_id = officer_id or values["officer_id"]
    if errors:
        return await _entry_page(request, session, officer_id, values=values, errors=errors, status_code=422)
    api = api_of(request)
    try:
        if officer_id is None and await api.officer(target_id) is not None:
            return await _entry_page(request, session, None, values=values, status_code=409, errors={
                "officer_id": f"Mã {target_id} đã có trong danh sách; hãy chọn mã khác."})
        saved = await api.save_officer(target_id, {**body, "changed_by": session.user.username})
    except AssignmentRefused as exc:
        errors = roster_form.api_errors(exc.problems) if exc.problems else (
            {exc.field: exc.message} if exc.field and exc.field != "expected_version" else {})
        message = exc.message if exc.field in (None, "expected_version") and not exc.problems else None
        return await _entry_page(request, session, officer_id, values=values, errors=errors,
                                 message=message or errors.pop("_form", None),
                                 conflict=exc.field == "expected_version", status_code=exc.status)
    except AssignmentUnavailable as exc:
        return await _entry_page(request, session, officer_id, values=values, message=exc.message,
                                 status_code=503)
    await request.app.state.accounts.audit(session.user, "save_roster_entry", target_id,
                                           version=saved["version"], note=body["note"])
    return RedirectResponse(f"/roster/{quote(target_id, safe='')}?saved={saved['version'] or 0}", status_code=303)


@router.post("/roster/new", dependencies=[Depends(auth.csrf_checked)])
async def create_entry(request: Request,
                       session: Session = Depends(auth.require(Permission.MANAGE_ROSTER))) -> Response:
    """Add an officer or contract lawyer to the roster."""
    return await _save(request, session, None)


@router.post("/roster/{officer_id}", dependencies=[Depends(auth.csrf_checked)])
async def save_entry(request: Request, officer_id: str,
                     session: Session = Depends(auth.require(Permission.MANAGE_ROSTER))) -> Response:
    """Change a roster entry: a new version, refused if someone else saved since the form was opened."""
    return await _save(request, session, officer_id)

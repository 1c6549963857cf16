"""The audit log search for leaders: who read or changed what, filtered by account, action, subject (a
case by its register number) and days, newest first, a page at a time. Searching is itself audited."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from services.intake.adapters import evaluation_lookups
from services.intake.adapters.accounts import Accounts, AuditSearch, Session
from services.intake.domain.staff import Permission
from services.intake.entrypoints import auth, labels
from services.intake.entrypoints.roster_form import parse_day
# The module, not its names: web.py includes this router, so either may be imported first.
from services.intake.entrypoints import web as pages

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
DETAIL_CHARS = 400


def _search(request: Request, values: dict[str, str]) -> tuple[AuditSearch | None, str | None]:
    """The filters as typed, read into a search; or the Vietnamese message of what is wrong."""
    zone = request.app.state.zone
    days = {}
    for name in ("start", "end"):
        if values[name]:
            days[name] = parse_day(values[name])
            if days[name] is None:
                return None, "Ngày không hợp lệ: nhập theo dạng năm-tháng-ngày, ví dụ 2026-01-01."
    start, end = days.get("start"), days.get("end")
    if start and end and end < start:
        return None, "Ngày kết thúc trước ngày bắt đầu."
    return AuditSearch(
        username=values["account"] or None, action=values["action"] or None,
        subjects=(values["subject"],) if values["subject"] else (),
        since=datetime.combine(start, time.min, zone) if start else None,
        # The last day counts whole: up to the start of the next one.
        until=datetime.combine(end + timedelta(days=1), time.min, zone) if end else None), None


@router.get("/audit", response_class=HTMLResponse)
async def audit_page(request: Request, account: str = "", action: str = "", subject: str = "", start: str = "",
                     end: str = "", page: int = Query(1, ge=1),
                     session: Session = Depends(auth.require(Permission.SEARCH_AUDIT))) -> Response:
    """Entries of the audit log matching the filters, newest first."""
    accounts: Accounts = request.app.state.accounts
    engine = request.app.state.engine
    values = {"account": account.strip(), "action": action.strip(), "subject": subject.strip(),
              "start": start.strip(), "end": end.strip()}
    context: dict[str, Any] = {"values": values, "error": None, "entries": [], "total": 0, "page": 1, "pages": 1,
                               "action_labels": labels.AUDIT_ACTION_LABELS}
    known = await accounts.audit_actions()
    context["actions"] = sorted(set(known) | set(labels.AUDIT_ACTION_LABELS),
                                key=lambda code: labels.AUDIT_ACTION_LABELS.get(code, code))
    search, error = _search(request, values)
    if search is None:
        context["error"] = error
        return pages.TEMPLATES.TemplateResponse(request, "audit.html", context, status_code=422)
    if values["subject"]:
        # A case is typed by its register number; its entries are kept under its id.
        case_id = await evaluation_lookups.case_id_of(engine, values["subject"])
        if case_id:
            search = replace(search, subjects=(values["subject"], case_id))
    found = await accounts.search_audit(search, page=page, size=PAGE_SIZE)
    numbers = await evaluation_lookups.register_numbers(engine, [e["subject"] for e in found.rows if e["subject"]])
    zone = request.app.state.zone
    for entry in found.rows:
        entry["at_local"] = pages.local_time(entry["at"], zone)
        entry["register_no"] = numbers.get(entry["subject"] or "")
        detail = json.dumps(entry["detail"], ensure_ascii=False, default=str) if entry["detail"] else ""
        entry["detail_text"] = detail if len(detail) <= DETAIL_CHARS else detail[:DETAIL_CHARS] + "…"
    await accounts.audit(session.user, "search_audit", None, filters={k: v for k, v in values.items() if v},
                         page=found.page, entries=[e["id"] for e in found.rows])

    def page_url(n: int) -> str:
        return "/audit?" + urlencode({**{k: v for k, v in values.items() if v}, "page": n})

    context.update(entries=found.rows, total=found.total, page=found.page, pages=found.pages, page_url=page_url)
    return pages.TEMPLATES.TemplateResponse(request, "audit.html", context)

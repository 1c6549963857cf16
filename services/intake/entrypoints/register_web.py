"""The case register (sổ thụ lý) for staff: the page and its JSON API, filtered by status, branch, field,
performer, opening days and a name or register number, newest first, a page at a time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from services.intake.adapters import register_queries
from services.intake.adapters.accounts import Session
from services.intake.domain.cases import CaseStatus
from services.intake.domain.staff import Permission
from services.intake.entrypoints import auth, charts, labels
from services.intake.entrypoints.roster_form import parse_day
from services.runtime.unit_of_work import utcnow
# The module, not its names: web.py includes these routers, so either may be imported first.
from services.intake.entrypoints import web as pages

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["intake"])


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The moment a local day begins."""
    return datetime.combine(day, time.min, tzinfo=zone)


#: Days beyond these bound nothing (no case was opened before the first, none will be after the last),
#: and the first day of year 1 or the last of 9999 would not fit a datetime once moved to UTC.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(9000, 12, 31)


def _opened_between(first: date | None, last: date | None, zone: ZoneInfo) -> dict[str, datetime | None]:
    """The opening-time bounds of list_cases for whole local days (the last one included)."""
    return {"opened_since": day_start(first, zone) if first and first > EARLIEST_DAY else None,
            "opened_before": day_start(last + timedelta(days=1), zone) if last and last < LATEST_DAY else None}


@router.get("/cases", response_class=HTMLResponse)
async def cases_page(request: Request, status: str = "", branch: str = "", q: str = "", field: str = "",
                     officer: str = "", opened_from: str = "", opened_to: str = "", page: int = Query(1, ge=1),
                     session: Session = Depends(auth.require(Permission.VIEW_PERSON))) -> Response:
    """A page of the register with the filters staff chose."""
    state, user = request.app.state, session.user
    filters = {"q": q, "status": status, "branch": branch, "field": field, "officer": officer,
               "opened_from": opened_from.strip(), "opened_to": opened_to.strip()}
    days = {name: parse_day(filters[name]) if filters[name] else None for name in ("opened_from", "opened_to")}
    date_errors = [f"Ngày “{filters[name]}” không hợp lệ (nhập theo dạng ngày/tháng/năm); bộ lọc ngày này "
                   "chưa được áp dụng." for name, day in days.items() if filters[name] and day is None]
    result = await register_queries.list_cases(
        state.engine, status=status or None, branch=branch or None, page=page, size=state.page_size,
        search=q or None, every_name=user.may(Permission.VIEW_EVERY_PERSON), names_of_officer=user.officer_id,
        field=field or None, officer=officer or None,
        **_opened_between(days["opened_from"], days["opened_to"], state.zone))
    rows = await pages.cases_as_seen(state.engine, user, result.rows)
    await state.accounts.audit(user, "list_cases", None, status=status, branch=branch, page=result.page,
                               **{k: v for k, v in filters.items() if v and k not in ("q", "status", "branch")},
                               **pages.listed_in_audit(rows))
    now = utcnow()
    for row in rows:
        row["opened_local"] = pages.local_time(row["opened_at"], state.zone)
        waiting = row["status"] != CaseStatus.CLOSED  # a closed case is late for nothing
        row["assignment_overdue"] = (waiting and row["officer_id"] is None and row["assignment_due"] is not None
                                     and row["assignment_due"] < now)
        row["performer_change_overdue"] = (waiting and row["performer_change_due"] is not None
                                           and row["performer_change_due"] < now)

    def page_url(n: int) -> str:
        return "/cases?" + urlencode({**{k: v for k, v in filters.items() if v}, "page": n})

    return pages.TEMPLATES.TemplateResponse(request, "cases.html", {
        "cases": rows, "total": result.total, "exact": result.exact, "page": result.page, "pages": result.pages,
        "has_next": result.has_next, **filters, "date_errors": date_errors, "number": charts.format_number,
        "branches": await register_queries.list_branches(state.engine),
        "officers": await register_queries.list_officers(state.engine), "page_url": page_url,
        "field_labels": labels.FIELD_LABELS, "gender_labels": labels.GENDER_LABELS,
        "status_labels": labels.STATUS_LABELS, "channel_labels": labels.CHANNEL_LABELS,
    })


@api.get("/cases", summary="A page of the case register")
async def cases_api(request: Request, status: str | None = None, branch: str | None = None, q: str | None = None,
                    field: str | None = None, officer: str | None = None,
                    opened_from: date | None = Query(None, description="first local day of opening"),
                    opened_to: date | None = Query(None, description="last local day of opening (included)"),
                    page: int = Query(1, ge=1), size: int = Query(50, ge=1, le=500),
                    session: Session = Depends(auth.require(Permission.VIEW_PERSON))) -> dict:
    """Person fields are empty (`person_hidden`) in the cases the user has no part in; national ID
    numbers are masked unless the user's role needs them. `total` is exact when `total_exact`; otherwise
    more cases match than it says (`pages` is then null; `has_next` says whether another page follows)."""
    state, user = request.app.state, session.user
    result = await register_queries.list_cases(
        state.engine, status=status, branch=branch, page=page, size=size, search=q,
        every_name=user.may(Permission.VIEW_EVERY_PERSON), names_of_officer=user.officer_id, field=field,
        officer=officer, **_opened_between(opened_from, opened_to, state.zone))
    rows = await pages.cases_as_seen(state.engine, user, result.rows)
    await state.accounts.audit(user, "list_cases", None, api=True, **pages.listed_in_audit(rows))
    return {"total": result.total, "total_exact": result.exact, "page": result.page, "pages": result.pages,
            "has_next": result.has_next, "cases": rows}

"""The staff web UI (Vietnamese) and intake's HTTP API. Pages of other services go through
their own HTTP APIs, never their databases."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from sqlalchemy.ext.asyncio import AsyncEngine

from services.intake.adapters import register_queries
from services.intake.adapters import tables as t
from services.intake.adapters.accounts import Accounts, Session
from services.intake.adapters.assignment_api import AssignmentApi
from services.intake.adapters.evaluation_api import EvaluationApi
from services.intake.domain.throttle import LoginThrottle
from services.intake.adapters.reporting_api import ReportingApi
from services.intake.config import IntakeSettings
from services.intake.domain.cases import CaseStatus
from services.intake.domain.staff import Permission, mask_national_id
from services.intake.entrypoints import assignment_web, auth, evaluation_web, labels, requests_web, roster_web
from services.intake.entrypoints import case_file_web, reports_web
from services.intake.entrypoints.timeline import timeline
from services.intake.service_layer.case_actions import CaseActionRefused, request_performer_change
from services.runtime.unit_of_work import utcnow

def _page_context(request: Request) -> dict:
    session = getattr(request.state, "session", None)
    return {"user": session.user if session else None, "csrf_token": session.csrf_token if session else ""}


def decimal_vi(value: float | int | None, digits: int = 2) -> str:
    """A number as Vietnamese staff write it (decimal comma); a dash when there is none."""
    return "—" if value is None else f"{value:.{digits}f}".replace(".", ",")


def local_time(moment: datetime | str | None, zone: ZoneInfo) -> str:
    """A moment (or its ISO text, as other services' APIs send it) in the center's time zone."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(zone).strftime("%d/%m/%Y %H:%M")


TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"), context_processors=[_page_context])
TEMPLATES.env.globals["Permission"] = Permission  # the navigation shows only what the user may open
TEMPLATES.env.filters["decimal"] = decimal_vi


@pass_context
def national_id(context, number: str | None) -> str | None:
    """A national ID number as this user may see it: whole for clerks and leaders, masked otherwise."""
    user = context.get("user")
    return number if user is not None and user.may(Permission.VIEW_NATIONAL_ID) else mask_national_id(number)


TEMPLATES.env.filters["national_id"] = national_id


def build_accounts(engine: AsyncEngine, settings: IntakeSettings) -> Accounts:
    """Staff accounts with the configured session lifetimes."""
    return Accounts(engine, idle_timeout=timedelta(minutes=settings.session_idle_minutes),
                    max_age=timedelta(hours=settings.session_max_hours))


def build_web(engine: AsyncEngine, settings: IntakeSettings) -> FastAPI:
    """The FastAPI app of intake: UI pages and JSON API, every route behind a role check."""
    app = FastAPI(title="tgpl intake", description="Tiếp nhận yêu cầu trợ giúp pháp lý: giao diện cán bộ và API.")
    accounts = build_accounts(engine, settings)
    auth.install(app, TEMPLATES, accounts, secure_cookies=settings.secure_cookies,
                 throttle=LoginThrottle(settings.login_max_failures, timedelta(minutes=settings.login_lock_minutes)))
    tz = ZoneInfo(settings.timezone)
    app.state.engine, app.state.zone = engine, tz
    # Tests replace it with a client on the assignment app itself (httpx.ASGITransport).
    app.state.assignment = AssignmentApi(settings.assignment_url)
    app.state.evaluation = EvaluationApi(settings.evaluation_url)
    app.state.reporting = ReportingApi(settings.reporting_url)
    ui = APIRouter(include_in_schema=False)
    api = APIRouter(prefix="/api", tags=["intake"])

    def local(dt) -> str:
        return local_time(dt, tz)

    @ui.get("/")
    async def home() -> RedirectResponse:
        return RedirectResponse("/inbox", status_code=303)

    @ui.get("/inbox", response_class=HTMLResponse)
    async def inbox(request: Request, session: Session = Depends(auth.require(Permission.VIEW_PERSON))):
        urgent = await register_queries.list_cases_where(
            engine, t.cases.c.urgent.is_(True), t.cases.c.officer_id.is_(None), t.cases.c.status != CaseStatus.CLOSED)
        for row in urgent:
            row["opened_local"] = local(row["opened_at"])
        await accounts.audit(session.user, "view_inbox", None, cases=[r["case_id"] for r in urgent])
        return TEMPLATES.TemplateResponse(request, "inbox.html", {
            "counts": await register_queries.inbox_counts(engine), "urgent": urgent,
            "field_labels": labels.FIELD_LABELS})

    @ui.get("/cases/{case_id}", response_class=HTMLResponse)
    async def case_page(request: Request, case_id: str,
                        session: Session = Depends(auth.require(Permission.VIEW_PERSON))):
        return await render_case(request, session, case_id)

    @ui.post("/cases/{case_id}/performer-change", dependencies=[Depends(auth.csrf_checked)])
    async def performer_change(request: Request, case_id: str, reason: str = Form(""),
                               session: Session = Depends(auth.require(Permission.DECIDE_REQUEST))):
        try:
            async with request.app.state.uow() as uow:
                await request_performer_change(uow, case_id, reason, request.app.state.policy, utcnow())
                await uow.commit()
        except CaseActionRefused as exc:
            return TEMPLATES.TemplateResponse(request, "message.html", {
                "title": "Chưa ghi nhận được", "message": str(exc)}, status_code=422)
        await accounts.audit(session.user, "request_performer_change", case_id, reason=reason.strip())
        return RedirectResponse(f"/cases/{case_id}", status_code=303)

    @ui.get("/missed", response_class=HTMLResponse)
    async def missed_page(request: Request, status: str = "open",
                          session: Session = Depends(auth.require(Permission.VIEW_PERSON))):
        rows = await register_queries.list_missed(engine, status or None)
        for row in rows:
            row["detected_local"] = local(row["detected_at"])
        await accounts.audit(session.user, "list_missed", None, missed=[r["missed_id"] for r in rows])
        return TEMPLATES.TemplateResponse(request, "missed.html", {"rows": rows, "status": status})

    @ui.post("/missed/{missed_id}/follow-up", dependencies=[Depends(auth.csrf_checked)])
    async def missed_follow_up(request: Request, missed_id: str, outcome: str = Form(""),
                               session: Session = Depends(auth.require(Permission.DECIDE_REQUEST))):
        if not outcome.strip():
            return TEMPLATES.TemplateResponse(request, "message.html", {
                "title": "Thiếu kết quả", "message": "Hãy ghi kết quả gặp gỡ, giải thích quyền trước khi đóng."},
                status_code=422)
        async with request.app.state.uow() as uow:
            await uow.missed.close(missed_id, outcome=outcome.strip(), by=session.user.username)
            await uow.commit()
        await accounts.audit(session.user, "close_missed", missed_id, outcome=outcome.strip())
        return RedirectResponse("/missed", status_code=303)

    @ui.get("/duplicates", response_class=HTMLResponse)
    async def duplicates_page(request: Request, session: Session = Depends(auth.require(Permission.VIEW_PERSON))):
        rows = await register_queries.list_duplicate_reviews(engine)
        await accounts.audit(session.user, "list_duplicates", None, reviews=[r["review_id"] for r in rows])
        return TEMPLATES.TemplateResponse(request, "duplicates.html", {
            "rows": rows, "gender_labels": labels.GENDER_LABELS})

    @ui.post("/duplicates/{review_id}", dependencies=[Depends(auth.csrf_checked)])
    async def decide_duplicate(request: Request, review_id: str, same: str = Form(...),
                               session: Session = Depends(auth.require(Permission.DECIDE_REQUEST))):
        async with request.app.state.uow() as uow:
            await uow.reviews.decide(review_id, same=same == "yes", by=session.user.username)
            await uow.commit()
        await accounts.audit(session.user, "decide_duplicate", review_id, same=same == "yes")
        return RedirectResponse("/duplicates", status_code=303)

    @ui.get("/notices/flagged", response_class=HTMLResponse)
    async def flagged_page(request: Request, session: Session = Depends(auth.require(Permission.MAP_REFERENCE))):
        rows = await register_queries.flagged_notices(engine)
        return TEMPLATES.TemplateResponse(request, "flagged.html", {
            "rows": rows, "branches": await register_queries.list_branches(engine)})

    @ui.post("/reference/communes", dependencies=[Depends(auth.csrf_checked)])
    async def map_commune(request: Request, code: str = Form(...), name: str = Form(""), branch: str = Form(...),
                          session: Session = Depends(auth.require(Permission.MAP_REFERENCE))):
        async with request.app.state.uow() as uow:
            await uow.reference.map_commune(code.strip(), name.strip() or code.strip(), branch)
            await uow.commit()
        await accounts.audit(session.user, "map_commune", code, name=name, branch=branch)
        return RedirectResponse("/notices/flagged", status_code=303)

    @ui.post("/reference/agencies", dependencies=[Depends(auth.csrf_checked)])
    async def map_agency(request: Request, code: str = Form(...), kind: str = Form(...), name: str = Form(...),
                         session: Session = Depends(auth.require(Permission.MAP_REFERENCE))):
        async with request.app.state.uow() as uow:
            await uow.reference.map_agency(code.strip(), kind, name.strip())
            await uow.commit()
        await accounts.audit(session.user, "map_agency", code, kind=kind, name=name)
        return RedirectResponse("/notices/flagged", status_code=303)

    @ui.get("/cases", response_class=HTMLResponse)
    async def cases_page(request: Request, status: str = "", branch: str = "", q: str = "",
                         page: int = Query(1, ge=1),
                         session: Session = Depends(auth.require(Permission.VIEW_PERSON))):
        result = await register_queries.list_cases(engine, status=status or None, branch=branch or None,
                                                   page=page, size=settings.page_size, search=q or None)
        now = utcnow()
        await accounts.audit(session.user, "list_cases", None, status=status, branch=branch, page=result.page,
                             cases=[r["case_id"] for r in result.rows])
        for row in result.rows:
            row["opened_local"] = local(row["opened_at"])
            waiting = row["status"] != CaseStatus.CLOSED  # a closed case is late for nothing
            row["assignment_overdue"] = (waiting and row["officer_id"] is None and row["assignment_due"] is not None
                                         and row["assignment_due"] < now)
            row["performer_change_overdue"] = (waiting and row["performer_change_due"] is not None
                                               and row["performer_change_due"] < now)

        def page_url(n: int) -> str:
            return "/cases?" + urlencode({"status": status, "branch": branch, "q": q, "page": n})

        return TEMPLATES.TemplateResponse(request, "cases.html", {
            "cases": result.rows, "total": result.total, "page": result.page, "pages": result.pages,
            "status": status, "branch": branch, "q": q, "branches": await register_queries.list_branches(engine),
            "page_url": page_url, "field_labels": labels.FIELD_LABELS, "gender_labels": labels.GENDER_LABELS,
            "status_labels": labels.STATUS_LABELS, "channel_labels": labels.CHANNEL_LABELS,
        })

    @ui.get("/notices/rejected", response_class=HTMLResponse)
    async def rejected_page(request: Request, session: Session = Depends(auth.require(Permission.VIEW_PERSON))):
        rows = await register_queries.list_rejected(engine)
        await accounts.audit(session.user, "list_rejected_notices", None, notices=[r["id"] for r in rows])
        for row in rows:
            row["received_local"] = local(row["received_at"])
            row["payload_preview"] = row["payload"].decode("utf-8", errors="replace")[:600]
        return TEMPLATES.TemplateResponse(request, "rejected.html", {
            "rejected": rows, "error_label": labels.error_label, "error_labels": labels.ERROR_LABELS})

    @ui.get("/dead-letters", response_class=HTMLResponse,
            dependencies=[Depends(auth.require(Permission.VIEW_OPERATIONS))])
    async def dead_letters_page(request: Request):
        letters, unreachable = await _all_dead_letters(request.app, settings)
        return TEMPLATES.TemplateResponse(request, "dead_letters.html", {
            "letters": letters, "unreachable": unreachable, "service_labels": labels.SERVICE_LABELS,
        })

    @api.get("/cases", summary="A page of the case register")
    async def cases_api(status: str | None = None, branch: str | None = None, q: str | None = None,
                        page: int = Query(1, ge=1), size: int = Query(50, ge=1, le=500),
                        session: Session = Depends(auth.require(Permission.VIEW_PERSON))) -> dict:
        result = await register_queries.list_cases(engine, status=status, branch=branch, page=page, size=size,
                                                   search=q)
        await accounts.audit(session.user, "list_cases", None, api=True, cases=[r["case_id"] for r in result.rows])
        return {"total": result.total, "page": result.page, "pages": result.pages, "cases": result.rows}

    @api.get("/notices/rejected", summary="Rejected notices with their reasons")
    async def rejected_api(limit: int = Query(200, ge=1, le=1000),
                           session: Session = Depends(auth.require(Permission.VIEW_PERSON))) -> list[dict]:
        rows = await register_queries.list_rejected(engine, limit)
        await accounts.audit(session.user, "list_rejected_notices", None, api=True, notices=[r["id"] for r in rows])
        for row in rows:
            row["payload"] = row["payload"].decode("utf-8", errors="replace")
        return rows

    app.include_router(ui)
    app.include_router(api)
    app.include_router(requests_web.router)
    app.include_router(assignment_web.router)
    app.include_router(case_file_web.router)
    app.include_router(roster_web.router)
    app.include_router(evaluation_web.router)
    app.include_router(reports_web.router)
    return app


async def render_case(request: Request, session: Session, case_id: str, *,
                      action: assignment_web.ActionOutcome | None = None,
                      case_entry: case_file_web.EntryOutcome | None = None, status_code: int = 200) -> Response:
    """The case page; also the answer to an assignment action or a case-file entry that failed, with its
    message by the form."""
    state = request.app.state
    case = await register_queries.case_file(state.engine, case_id)
    if case is None:
        return TEMPLATES.TemplateResponse(request, "message.html", {
            "title": "Không tìm thấy vụ việc", "message": "Vụ việc này không có trong sổ thụ lý."}, status_code=404)
    await state.accounts.audit(session.user, "view_case", case_id)

    def local(dt) -> str:
        return local_time(dt, state.zone)

    case["performer_change_due_local"] = local(case["performer_change_due"])
    case["performer_change_overdue"] = bool(case["performer_change_due"] and case["performer_change_due"] < utcnow())
    return TEMPLATES.TemplateResponse(request, "case.html", {
        "case": case, "timeline": timeline(case, local, await state.accounts.audit_entries(case_id)),
        "assignment": await assignment_web.case_panel(request, session.user, case, action),
        "case_file": case_file_web.panel(request, session.user, case, case_entry),
        "field_labels": labels.FIELD_LABELS, "gender_labels": labels.GENDER_LABELS,
        "status_labels": labels.STATUS_LABELS, "channel_labels": labels.CHANNEL_LABELS}, status_code=status_code)


async def _all_dead_letters(app: FastAPI, settings: IntakeSettings) -> tuple[list[dict], list[dict]]:
    """Dead letters of every service: intake's own over its app, the others over their HTTP APIs."""
    others = {"assignment": settings.assignment_url, "evaluation": settings.evaluation_url,
              "reporting": settings.reporting_url}
    letters: list[dict] = []
    unreachable: list[dict] = []
    own = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake")

    async def fetch(service: str, client: httpx.AsyncClient, url: str) -> None:
        try:
            response = await client.get(url, timeout=3.0)
            response.raise_for_status()
            letters.extend({**d, "service": service} for d in response.json())
        except (httpx.HTTPError, ValueError) as exc:
            unreachable.append({"service": service, "error": str(exc) or type(exc).__name__})

    async with own, httpx.AsyncClient() as remote:
        await asyncio.gather(fetch("intake", own, "/api/dead-letters"),
                             *(fetch(name, remote, f"{base}/api/dead-letters") for name, base in others.items()))
    letters.sort(key=lambda d: d.get("failed_at") or "", reverse=True)
    return letters, unreachable

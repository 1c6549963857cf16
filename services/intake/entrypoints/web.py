"""The staff web UI (Vietnamese) and intake's HTTP API. Pages of other services go through
their own HTTP APIs, never their databases."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
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
from services.intake.domain import disclosure
from services.intake.domain.staff import Permission, StaffUser, mask_national_id
from services.intake.entrypoints import assignment_web, auth, evaluation_web, labels, requests_web, roster_web
from services.intake.entrypoints import audit_web, case_file_web, register_web, reports_web
from services.intake.entrypoints.timeline import timeline
from services.intake.service_layer.case_actions import CaseActionRefused, request_performer_change
from services.runtime.dead_letters import list_dead_letters
from services.runtime.unit_of_work import utcnow

#: The dead letters of intake are served here, behind a staff login, instead of by the service host.
DEAD_LETTERS_API = "/api/dead-letters"


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
    app.state.engine, app.state.zone, app.state.page_size = engine, tz, settings.page_size
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
        urgent = await cases_as_seen(engine, session.user, await register_queries.list_cases_where(
            engine, t.cases.c.urgent.is_(True), t.cases.c.officer_id.is_(None), t.cases.c.status != CaseStatus.CLOSED))
        for row in urgent:
            row["opened_local"] = local(row["opened_at"])
        await accounts.audit(session.user, "view_inbox", None, **listed_in_audit(urgent))
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
                          session: Session = Depends(auth.require(Permission.VIEW_EVERY_PERSON))):
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
    async def duplicates_page(request: Request,
                              session: Session = Depends(auth.require(Permission.VIEW_EVERY_PERSON))):
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
        names_shown = session.user.may(Permission.VIEW_EVERY_PERSON)  # administrators map codes, blind to names
        await accounts.audit(session.user, "list_flagged_notices", None, names_shown=names_shown,
                             notices=[f"{r['agency_code']}:{r['notice_id']}" for r in rows])
        return TEMPLATES.TemplateResponse(request, "flagged.html", {
            "rows": rows, "names_shown": names_shown, "branches": await register_queries.list_branches(engine)})

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

    @ui.get("/notices/rejected", response_class=HTMLResponse)
    async def rejected_page(request: Request,
                            session: Session = Depends(auth.require(Permission.VIEW_EVERY_PERSON))):
        rows = [_rejected_as_seen(session.user, row) for row in await register_queries.list_rejected(engine)]
        await accounts.audit(session.user, "list_rejected_notices", None, notices=[r["id"] for r in rows])
        for row in rows:
            row["received_local"] = local(row["received_at"])
            row["payload_preview"] = row["payload"][:600]
        return TEMPLATES.TemplateResponse(request, "rejected.html", {
            "rejected": rows, "error_label": labels.error_label, "error_labels": labels.ERROR_LABELS})

    @ui.get("/dead-letters", response_class=HTMLResponse)
    async def dead_letters_page(request: Request, session: Session = Depends(auth.require(Permission.VIEW_OPERATIONS))):
        letters, unreachable = await _all_dead_letters(engine, settings)
        letters = [_dead_letter_as_seen(session.user, d) for d in letters]
        await accounts.audit(session.user, "view_dead_letters", None,
                             letters=[f"{d['service']}:{d['id']}" for d in letters])
        return TEMPLATES.TemplateResponse(request, "dead_letters.html", {
            "letters": letters, "unreachable": unreachable, "service_labels": labels.SERVICE_LABELS,
        })

    @api.get("/notices/rejected", summary="Rejected notices with their reasons")
    async def rejected_api(limit: int = Query(200, ge=1, le=1000),
                           session: Session = Depends(auth.require(Permission.VIEW_EVERY_PERSON))) -> list[dict]:
        """National ID numbers in the payloads and errors are masked unless the user's role needs them."""
        rows = [_rejected_as_seen(session.user, row) for row in await register_queries.list_rejected(engine, limit)]
        await accounts.audit(session.user, "list_rejected_notices", None, api=True, notices=[r["id"] for r in rows])
        return rows

    @api.get("/dead-letters", summary="Messages intake gave up on")
    async def dead_letters_api(limit: int = Query(100, ge=1, le=1000),
                               session: Session = Depends(auth.require(Permission.VIEW_OPERATIONS))) -> list[dict]:
        """National ID numbers masked and names hidden in payloads and errors, as the user may see them."""
        letters = [_dead_letter_as_seen(session.user, d)
                   for d in await list_dead_letters(engine, t.messaging, limit=limit)]
        await accounts.audit(session.user, "view_dead_letters", None, api=True, letters=[d["id"] for d in letters])
        return letters

    app.include_router(ui)
    app.include_router(api)
    app.include_router(register_web.router)
    app.include_router(register_web.api)
    app.include_router(requests_web.router)
    app.include_router(assignment_web.router)
    app.include_router(case_file_web.router)
    app.include_router(roster_web.router)
    app.include_router(evaluation_web.router)
    app.include_router(reports_web.router)
    app.include_router(audit_web.router)
    app.state.own_ops_paths = frozenset({DEAD_LETTERS_API})
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
    # An officer with no part in the case sees it without its person: enough to ask to take it.
    case = (await cases_as_seen(state.engine, session.user, [case]))[0]
    hidden = case["person_hidden"]
    await state.accounts.audit(session.user, "view_case", case_id, **({"person_hidden": True} if hidden else {}))

    def local(dt) -> str:
        return local_time(dt, state.zone)

    case["performer_change_due_local"] = local(case["performer_change_due"])
    case["performer_change_overdue"] = bool(case["performer_change_due"] and case["performer_change_due"] < utcnow())
    return TEMPLATES.TemplateResponse(request, "case.html", {
        "case": case,
        "timeline": [] if hidden else timeline(case, local, await state.accounts.audit_entries(case_id)),
        "assignment": await assignment_web.case_panel(request, session.user, case, action),
        # Progress notes and the closing record are written about the person: not for an officer with no part.
        "case_file": None if hidden else case_file_web.panel(request, session.user, case, case_entry),
        "field_labels": labels.FIELD_LABELS, "gender_labels": labels.GENDER_LABELS,
        "status_labels": labels.STATUS_LABELS, "channel_labels": labels.CHANNEL_LABELS}, status_code=status_code)


async def cases_as_seen(engine: AsyncEngine, user: StaffUser, rows: list[dict]) -> list[dict]:
    """Case rows as the user may see them (disclosure.case_as_seen); performers are looked up only for a
    user who does not see every person."""
    performers = {} if user.may(Permission.VIEW_EVERY_PERSON) else await register_queries.performers_of(
        engine, [row["case_id"] for row in rows])
    return [disclosure.case_as_seen(user, row, performers.get(row["case_id"], frozenset())) for row in rows]


async def sees_person_of_case(request: Request, user: StaffUser, case_id: str | None) -> bool:
    """Whether the user may see the person data of a case (of a request, once accepted: `case_id` None
    while it is not, and then only those who see every person may)."""
    if user.may(Permission.VIEW_EVERY_PERSON):
        return True
    performers = await register_queries.performers_of(request.app.state.engine, [case_id] if case_id else [])
    return user.sees_person_in(performers.get(case_id or "", frozenset()))


def listed_in_audit(rows: list[dict]) -> dict[str, list[str]]:
    """What the audit log keeps of a list of cases: every case listed, and those shown without their person."""
    hidden = [row["case_id"] for row in rows if row["person_hidden"]]
    return {"cases": [row["case_id"] for row in rows], **({"without_person": hidden} if hidden else {})}


def _rejected_as_seen(user: StaffUser, row: dict) -> dict:
    """A rejected notice with its payload as text, national ID numbers masked unless the user needs them."""
    shown = {**row, "payload": disclosure.message_text_as_seen(
        user, row["payload"].decode("utf-8", errors="replace"))}
    shown["errors"] = [{**e, "message": disclosure.message_text_as_seen(user, e.get("message"))}
                       for e in row["errors"]]
    return shown


def _dead_letter_as_seen(user: StaffUser, letter: dict) -> dict:
    """A dead letter with its payload and error as the user may see them."""
    return {**letter, "payload": disclosure.message_text_as_seen(user, letter.get("payload")),
            "error": disclosure.message_text_as_seen(user, letter.get("error"))}


async def _all_dead_letters(engine: AsyncEngine, settings: IntakeSettings) -> tuple[list[dict], list[dict]]:
    """Dead letters of every service: intake's own from its database, the others over their HTTP APIs."""
    others = {"assignment": settings.assignment_url, "evaluation": settings.evaluation_url,
              "reporting": settings.reporting_url}
    letters: list[dict] = [{**d, "service": "intake"} for d in await list_dead_letters(engine, t.messaging)]
    unreachable: list[dict] = []

    async def fetch(service: str, client: httpx.AsyncClient, url: str) -> None:
        try:
            response = await client.get(url, timeout=3.0)
            response.raise_for_status()
            letters.extend({**d, "service": service} for d in response.json())
        except (httpx.HTTPError, ValueError) as exc:
            unreachable.append({"service": service, "error": str(exc) or type(exc).__name__})

    async with httpx.AsyncClient() as remote:
        await asyncio.gather(*(fetch(name, remote, f"{base}/api/dead-letters") for name, base in others.items()))
    letters.sort(key=lambda d: d.get("failed_at") or "", reverse=True)
    return letters, unreachable

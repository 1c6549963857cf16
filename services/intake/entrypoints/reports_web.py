"""The center's own dashboards (`/reports/...`), over the reporting service's HTTP API: the figures of a
period and the reports issued to the province, the Biểu 24/BTP/TGPL table, the procedural agencies'
figures for the interdisciplinary council, coverage, officers' workload, quality and missed people.

Every table on these pages downloads as CSV or XLSX from the same route
(`?format=csv|xlsx&table=<key>`, the period kept), built from the very rows the page shows."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from services.intake.adapters import register_queries
from services.intake.adapters import tables as t
from services.intake.adapters.accounts import Session
from services.intake.adapters.evaluation_api import EvaluationRefused, EvaluationUnavailable
from services.intake.adapters.reporting_api import ReportingApi, ReportingRefused, ReportingUnavailable
from services.intake.domain.staff import Permission, StaffUser
from services.intake.entrypoints import auth, exports
from services.intake.entrypoints import report_views as views
from services.intake.entrypoints.evaluation_context import criterion_labels
from services.intake.entrypoints.exports import Table
from services.intake.entrypoints.report_period import KINDS, ROMAN, Period, parse_period
# The module, not its names: web.py includes this router, so either may be imported first.
from services.intake.entrypoints import web as pages
from services.runtime.unit_of_work import utcnow
from shared.vocabulary import BeneficiaryGroup

router = APIRouter(include_in_schema=False)
API_ERRORS = (ReportingUnavailable, ReportingRefused)

#: The section's pages: path and tab label (an officer without the reports permission sees the workload only).
SECTIONS = (
    ("/reports", "Tổng quan"),
    ("/reports/statistics", "Biểu 24/BTP/TGPL"),
    ("/reports/council", "Cơ quan tiến hành tố tụng"),
    ("/reports/coverage", "Địa bàn và nhóm đối tượng"),
    ("/reports/workload", "Tải công việc"),
    ("/reports/quality", "Chất lượng"),
    ("/reports/missed", "Người bị bỏ sót"),
)


class PageData(dict):
    """What a page's loader found: `tables` (by key, in page order), `charts`, and anything else shown."""


def api_of(request: Request) -> ReportingApi:
    """The reporting client of this app (tests replace it with one on the real reporting app)."""
    return request.app.state.reporting


def _today(request: Request) -> date:
    return utcnow().astimezone(request.app.state.zone).date()


async def _workload_viewer(request: Request) -> Session:
    """Those who see the reports, and officers with their own roster entry (their own row only)."""
    session = await auth.current_session(request)
    if session is None:
        raise auth.LoginRequired()
    user = session.user
    if user.may(Permission.VIEW_REPORTS) or (user.may(Permission.PERFORM_CASE) and user.officer_id):
        return session
    raise auth.Forbidden()


def group_labels(request: Request) -> Callable[[str], str]:
    """Each Article 7 group's Vietnamese name, from the intake rules in force (the code when unknown)."""
    policy = getattr(request.app.state, "policy", None)
    groups = policy.rules.groups if policy is not None else {}

    def label(code: str) -> str:
        try:
            return groups[BeneficiaryGroup(code)].label_vi
        except (ValueError, KeyError):
            return code

    return label


async def agency_names(request: Request) -> dict[str, str]:
    """Procedural agencies' names by code, from intake's reference data."""
    async with request.app.state.engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.agencies.c.code, t.agencies.c.name))).all()
    return {r.code: r.name for r in rows}


async def branch_names(request: Request) -> dict[str, str]:
    return {b["code"]: b["name"] for b in await register_queries.list_branches(request.app.state.engine)}


async def _criterion_labels(request: Request) -> dict[str, str]:
    """Criteria's Vietnamese names from evaluation's rules; codes stay when evaluation does not answer."""
    try:
        return criterion_labels(await request.app.state.evaluation.rules())
    except (EvaluationUnavailable, EvaluationRefused):
        return {}


async def _together(*calls: Awaitable[Any]) -> list[Any]:
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return list(results)


async def _page(request: Request, session: Session, path: str, template: str,
                load: Callable[[Period, date], Awaitable[PageData]], *, extra_query: dict[str, str] | None = None,
                uses_as_of: bool = False) -> Response:
    """One report page: the period from the form, the figures from reporting, and either the page or one of
    its tables as a download (`format` and `table` in the query)."""
    params = request.query_params
    today = _today(request)
    period, period_error = parse_period(params, today)
    query = {**period.query(), **{k: v for k, v in (extra_query or {}).items() if v}}
    fmt, wanted = params.get("format", ""), params.get("table", "")

    def download(key: str, kind: str) -> str:
        return f"{path}?{urlencode({**query, 'table': key, 'format': kind})}"

    context: dict[str, Any] = {
        "path": path, "period": period, "period_error": period_error, "kinds": KINDS, "roman": ROMAN,
        "today": today, "as_of": period.as_of(today) if uses_as_of else None, "sections": _sections(session.user),
        "unavailable": None, "tables": {}, "charts": {}, "download": download, "cell": views.cell,
        "month_value": f"{(period.start if period.kind == 'month' else today):%Y-%m}",
        "extra_query": extra_query or {}}
    if period_error:
        return _render(request, template, context, 422)
    try:
        data = await load(period, today)
    except API_ERRORS as exc:
        context["unavailable"] = exc.message
        return _render(request, template, context, exc.status if isinstance(exc, ReportingRefused) else 503)
    context.update(data)
    if fmt or wanted:
        table: Table | None = data["tables"].get(wanted)
        if table is None or fmt not in exports.FORMATS:
            return _render(request, "message.html", {
                "title": "Không có bảng số liệu này", "message": "Đường dẫn tải về không đúng; hãy mở lại trang."}, 404)
        await request.app.state.accounts.audit(session.user, "export_report_table", path, table=wanted, format=fmt,
                                               **query)
        return exports.table_response(table, fmt, f"{path.strip('/').replace('/', '-')}-{wanted}-{period.file_stem}")
    return _render(request, template, context)


def _render(request: Request, template: str, context: dict, status_code: int = 200) -> Response:
    return pages.TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)


def _sections(user: StaffUser) -> list[tuple[str, str]]:
    if user.may(Permission.VIEW_REPORTS):
        return list(SECTIONS)
    return [s for s in SECTIONS if s[0] == "/reports/workload"]


# --- the pages ------------------------------------------------------------------------------------------


@router.get("/reports", response_class=HTMLResponse)
async def overview(request: Request, session: Session = Depends(auth.require(Permission.VIEW_REPORTS))) -> Response:
    """The period's totals and the reports issued to the province."""
    api, zone = api_of(request), request.app.state.zone

    async def load(period: Period, _today: date) -> PageData:
        figures, issued = await _together(api.figures(period.start, period.end), api.reports(limit=60))
        return PageData(tables={"totals": views.totals_table(figures), "reports": views.reports_table(issued, zone)})

    return await _page(request, session, "/reports", "reports_overview.html", load)


@router.get("/reports/statistics", response_class=HTMLResponse)
async def statistics(request: Request,
                     session: Session = Depends(auth.require(Permission.VIEW_REPORTS))) -> Response:
    """Biểu 24/BTP/TGPL: persons helped by field and form of aid, by sex and beneficiary group (reporting
    serves the figures; the labels and the CSV/XLSX are intake's)."""
    label = group_labels(request)

    async def load(period: Period, _today: date) -> PageData:
        return PageData(tables={"statistics": views.statistics_table(
            await api_of(request).statistics(period.start, period.end), label)})

    return await _page(request, session, "/reports/statistics", "reports_statistics.html", load)


@router.get("/reports/council", response_class=HTMLResponse)
async def council(request: Request, agency: str = "",
                  session: Session = Depends(auth.require(Permission.VIEW_REPORTS))) -> Response:
    """Per agency notices, lateness, missed people, refusals and rejections; the trend over 12 months."""
    names = await agency_names(request)

    async def load(period: Period, _today: date) -> PageData:
        body = await api_of(request).council(period.start, period.end, months=12)
        chosen = agency if agency in {t_["agency_code"] for t_ in body.get("trend") or []} else None
        tables = views.council_tables(body, names, chosen)
        choices = sorted(((a["agency_code"], a["agency_name"]) for a in tables["notices_by_month"].rows),
                         key=lambda choice: choice[1])
        return PageData(tables=tables, charts=views.council_charts(tables), agency=chosen, agency_choices=choices)

    return await _page(request, session, "/reports/council", "reports_council.html", load,
                       extra_query={"agency": agency.strip()})


@router.get("/reports/coverage", response_class=HTMLResponse)
async def coverage(request: Request, session: Session = Depends(auth.require(Permission.VIEW_REPORTS))) -> Response:
    """Communes and branches with no civil-law case in the last 12 months; groups served below their share."""
    branches, label = await branch_names(request), group_labels(request)

    async def load(period: Period, today: date) -> PageData:
        body = await api_of(request).coverage(period.as_of(today))
        tables = views.coverage_tables(body, branches, label)
        return PageData(tables=tables, charts={"groups": views.coverage_chart(tables["groups"])},
                        since=views.day_label(body.get("since")), until=views.day_label(body.get("until")),
                        notices=body.get("notices"), cases=body.get("cases"))

    return await _page(request, session, "/reports/coverage", "reports_coverage.html", load, uses_as_of=True)


@router.get("/reports/workload", response_class=HTMLResponse)
async def workload(request: Request, session: Session = Depends(_workload_viewer)) -> Response:
    """Load against the quota-adjusted target: every officer's for those who oversee, one's own for an officer."""
    user = session.user
    every_officer = user.may(Permission.VIEW_OFFICER_FIGURES)
    whole_section = user.may(Permission.VIEW_REPORTS)
    branches = await branch_names(request)

    async def load(period: Period, today: date) -> PageData:
        body = await api_of(request).workload(period.as_of(today))
        own = None if every_officer else (user.officer_id or "")
        tables = views.workload_tables(body, branches, own)
        if not whole_section:
            tables = {"officers": tables["officers"]}
        return PageData(tables=tables, charts={"officers": views.workload_chart(tables["officers"])},
                        decisions=body.get("decisions") or {}, year=body.get("year"),
                        every_officer=every_officer, whole_section=whole_section)

    return await _page(request, session, "/reports/workload", "reports_workload.html", load, uses_as_of=True)


@router.get("/reports/quality", response_class=HTMLResponse)
async def quality(request: Request, session: Session = Depends(auth.require(Permission.VIEW_REPORTS))) -> Response:
    """Evaluation ratings overall and per officer; corrective actions open and overdue."""
    every_officer = session.user.may(Permission.VIEW_OFFICER_FIGURES)

    async def load(period: Period, _today: date) -> PageData:
        body, criteria = await _together(api_of(request).quality(period.start, period.end),
                                          _criterion_labels(request))
        tables = views.quality_tables(body, lambda code: criteria.get(code, code), every_officer)
        return PageData(tables=tables, charts={"ratings": views.ratings_chart(tables["ratings"])},
                        every_officer=every_officer)

    return await _page(request, session, "/reports/quality", "reports_quality.html", load)


@router.get("/reports/missed", response_class=HTMLResponse)
async def missed(request: Request, session: Session = Depends(auth.require(Permission.VIEW_REPORTS))) -> Response:
    """People entitled to legal aid the center would have missed, by reason and agency; the latest ones."""
    names, label, zone = await agency_names(request), group_labels(request), request.app.state.zone

    async def load(period: Period, _today: date) -> PageData:
        body = await api_of(request).missed(period.start, period.end, limit=50)
        tables = views.missed_tables(body, names, label, zone)
        return PageData(tables=tables, charts=views.missed_charts(tables), total=body.get("total", 0))

    return await _page(request, session, "/reports/missed", "reports_missed.html", load)

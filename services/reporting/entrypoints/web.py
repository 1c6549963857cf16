"""Reporting's HTTP API (docs/reporting.md): figures for any period, issued reports, the statistics
table, the council's figures, coverage gaps and the center's dashboards. JSON only; the staff UI
(intake) renders it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi import APIRouter, FastAPI, HTTPException, Query

from services.reporting.domain.reports import period_bounds
from services.reporting.service_layer import dashboards
from services.reporting.service_layer.handlers import corrective_action_figures
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from services.runtime.unit_of_work import utcnow

#: The longest period a dashboard query may span (a figure over decades is a mistake, not a question).
MAX_DAYS = 3660
#: The days a figure may be asked for (as the report request allows).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def _day(day: date | None) -> date | None:
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise HTTPException(422, f"Ngày {day.isoformat()} nằm ngoài khoảng {FIRST_DAY.year}–{LAST_DAY.year}.")
    return day


def _checked(start: date, end: date) -> tuple[date, date]:
    _day(start), _day(end)
    if end < start:
        raise HTTPException(422, "Ngày kết thúc phải sau ngày bắt đầu.")
    if (end - start).days > MAX_DAYS:
        raise HTTPException(422, "Khoảng thời gian quá dài (tối đa 10 năm).")
    return start, end


def build_web(uow: Callable[[], ReportingUnitOfWork], underserved_ratio: float = 0.5) -> FastAPI:
    """The FastAPI app of reporting."""
    app = FastAPI(title="tgpl reporting", description="Báo cáo trợ giúp pháp lý: số liệu theo kỳ, "
                  "thống kê Biểu 24, số liệu cho Hội đồng phối hợp liên ngành, bảng điều hành.")
    api = APIRouter(prefix="/api", tags=["reporting"])

    def today(work: ReportingUnitOfWork) -> date:
        return utcnow().astimezone(work.tz).date()

    @api.get("/figures", summary="Current figures for a period (both dates inclusive, local time)")
    async def figures(start: date, end: date) -> dict:
        _checked(start, end)
        async with uow() as work:
            return await work.figures.figures(*period_bounds(start, end, work.tz))

    @api.get("/reports", summary="Issued reports, newest period first")
    async def reports(kind: str | None = Query(None, pattern="^(monthly|quarterly|yearly|adhoc)$"),
                      limit: int = Query(100, ge=1, le=1000)) -> list[dict]:
        async with uow() as work:
            return await work.reports.listing(kind, limit)

    @api.get("/reports/{report_id}", summary="One issued report, as published (latest revision)")
    async def report(report_id: str) -> dict:
        async with uow() as work:
            body = await work.reports.body(report_id)
        if body is None:
            raise HTTPException(404, "Không có báo cáo này.")
        return body

    @api.get("/statistics", summary="Persons helped by field and form of aid, by sex and group (Biểu 24 shape)")
    async def statistics(start: date, end: date) -> dict:
        _checked(start, end)
        async with uow() as work:
            return await dashboards.statistics(work, start, end)

    @api.get("/council", summary="Per agency: notices, on time and late, missed, refusals; monthly trend")
    async def council(start: date, end: date, months: int = Query(12, ge=1, le=60)) -> dict:
        _checked(start, end)
        async with uow() as work:
            return await dashboards.council(work, start, end, months)

    @api.get("/coverage", summary="Communes and branches without civil-law cases in 12 months; under-served groups")
    async def coverage(as_of: date | None = None) -> dict:
        async with uow() as work:
            return await dashboards.coverage(work, _day(as_of) or today(work), underserved_ratio)

    @api.get("/workload", summary="Load against quota-adjusted target per officer, leaders vs others, overrides")
    async def workload(as_of: date | None = None) -> dict:
        async with uow() as work:
            return await dashboards.workload(work, _day(as_of) or today(work))

    @api.get("/quality", summary="Evaluation ratings overall and per officer; corrective actions")
    async def quality(start: date, end: date) -> dict:
        _checked(start, end)
        async with uow() as work:
            return await dashboards.quality(work, start, end, today(work))

    @api.get("/missed", summary="Missed beneficiaries by reason and agency, and the latest ones")
    async def missed(start: date, end: date, limit: int = Query(50, ge=1, le=500)) -> dict:
        _checked(start, end)
        async with uow() as work:
            return await dashboards.missed(work, start, end, limit)

    @api.get("/corrective-actions",
             summary="Corrective actions as of a day: open, overdue, closed, closed late; by officer and criterion")
    async def corrective_actions(as_of: date | None = None, start: date | None = None,
                                 end: date | None = None) -> dict:
        if start and end:
            _checked(start, end)
        _day(start), _day(end)
        async with uow() as work:
            return await corrective_action_figures(work, _day(as_of) or today(work), work.tz, start, end)

    app.include_router(api)
    return app

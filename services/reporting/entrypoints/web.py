"""Reporting's HTTP API: figures for a period, corrective actions as of a day (dashboards come later)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, HTTPException

from services.reporting.domain.reports import period_bounds
from services.reporting.service_layer.handlers import corrective_action_figures
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from services.runtime.unit_of_work import utcnow


def build_web(uow: Callable[[], ReportingUnitOfWork], tz: ZoneInfo) -> FastAPI:
    """The FastAPI app of reporting."""
    app = FastAPI(title="tgpl reporting", description="Báo cáo trợ giúp pháp lý: số liệu theo kỳ.")
    api = APIRouter(prefix="/api", tags=["reporting"])

    @api.get("/figures", summary="Current figures for a period (both dates inclusive, local time)")
    async def figures(start: date, end: date) -> dict:
        if end < start:
            raise HTTPException(422, "Ngày kết thúc phải sau ngày bắt đầu.")
        async with uow() as work:
            return await work.figures.figures(*period_bounds(start, end, tz))

    @api.get("/corrective-actions",
             summary="Corrective actions as of a day: open, overdue, closed, closed late; by officer and criterion")
    async def corrective_actions(as_of: date | None = None, start: date | None = None,
                                 end: date | None = None) -> dict:
        if start and end and end < start:
            raise HTTPException(422, "Ngày kết thúc phải sau ngày bắt đầu.")
        async with uow() as work:
            return await corrective_action_figures(work, as_of or utcnow().astimezone(tz).date(), tz, start, end)

    app.include_router(api)
    return app

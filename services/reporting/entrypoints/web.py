"""Reporting's HTTP API (dashboards come with the reporting issue)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, HTTPException

from services.reporting.domain.reports import period_bounds
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork


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

    app.include_router(api)
    return app

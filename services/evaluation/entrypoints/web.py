"""Evaluation's HTTP API, for the staff UI served by intake."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Query
from sqlalchemy.ext.asyncio import AsyncEngine

from services.evaluation.adapters.repositories import list_register


def build_web(engine: AsyncEngine) -> FastAPI:
    """The FastAPI app of evaluation."""
    app = FastAPI(title="tgpl evaluation", description="Đánh giá chất lượng vụ việc trợ giúp pháp lý.")
    api = APIRouter(prefix="/api", tags=["evaluation"])

    @api.get("/register", summary="Cases known to evaluation, optionally by status")
    async def register(status: str | None = None, limit: int = Query(200, ge=1, le=1000)) -> list[dict]:
        return await list_register(engine, status, limit)

    app.include_router(api)
    return app

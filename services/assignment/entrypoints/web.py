"""Assignment's HTTP API: the roster and the decisions, for the staff UI served by intake."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, HTTPException
from sqlalchemy.ext.asyncio import AsyncEngine

from services.assignment.adapters import tables as t


def build_web(engine: AsyncEngine) -> FastAPI:
    """The FastAPI app of assignment."""
    app = FastAPI(title="tgpl assignment", description="Phân công vụ việc trợ giúp pháp lý: danh sách người thực hiện và quyết định phân công.")
    api = APIRouter(prefix="/api", tags=["assignment"])

    @api.get("/officers", summary="The roster with each officer's number of assigned cases")
    async def officers() -> list[dict]:
        load = (sa.select(t.cases.c.officer_id, sa.func.count().label("cases_assigned"))
                .group_by(t.cases.c.officer_id).subquery())
        async with engine.connect() as conn:
            rows = (await conn.execute(
                sa.select(t.officers, sa.func.coalesce(load.c.cases_assigned, 0).label("cases_assigned"))
                .select_from(t.officers.outerjoin(load, load.c.officer_id == t.officers.c.officer_id))
                .order_by(t.officers.c.branch_code, t.officers.c.officer_id))).mappings().all()
        return [dict(r) for r in rows]

    @api.get("/cases/{case_id}/decision", summary="The assignment decision of a case, with its reasons")
    async def decision(case_id: str) -> dict:
        async with engine.connect() as conn:
            row = (await conn.execute(sa.select(t.cases).where(t.cases.c.case_id == case_id))).mappings().one_or_none()
        if row is None:
            raise HTTPException(404, "Không tìm thấy quyết định phân công cho vụ việc này.")
        return dict(row)

    app.include_router(api)
    return app

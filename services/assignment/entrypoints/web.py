"""Assignment's HTTP API: the roster and the decisions, for the staff UI served by intake."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, HTTPException
from sqlalchemy.ext.asyncio import AsyncEngine

from services.assignment.adapters.repositories import decision_of, roster_with_loads


def build_web(engine: AsyncEngine) -> FastAPI:
    """The FastAPI app of assignment."""
    app = FastAPI(title="tgpl assignment",
                  description="Phân công vụ việc trợ giúp pháp lý: danh sách người thực hiện và quyết định phân công.")
    api = APIRouter(prefix="/api", tags=["assignment"])

    @api.get("/officers", summary="The roster with each officer's number of assigned cases")
    async def officers() -> list[dict]:
        return await roster_with_loads(engine)

    @api.get("/cases/{case_id}/decision", summary="The assignment decision of a case, with its reasons")
    async def decision(case_id: str) -> dict:
        found = await decision_of(engine, case_id)
        if found is None:
            raise HTTPException(404, "Không tìm thấy quyết định phân công cho vụ việc này.")
        return found

    app.include_router(api)
    return app

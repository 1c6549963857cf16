"""What the quality evaluation pages read from intake's own tables: officers' names (intake's read
model of assignment's roster) and the register numbers of cases. Evaluation's data itself comes
from its HTTP API."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.intake.adapters import tables as t


async def officer_names(engine: AsyncEngine) -> dict[str, str]:
    """Every known officer's full name by officer id."""
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.officers.c.officer_id, t.officers.c.full_name))).all()
    return {r.officer_id: r.full_name for r in rows}


async def register_numbers(engine: AsyncEngine, case_ids: list[str]) -> dict[str, str]:
    """The case-register numbers of these cases, by case id."""
    if not case_ids:
        return {}
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.cases.c.case_id, t.cases.c.register_no)
                                   .where(t.cases.c.case_id.in_(sorted(set(case_ids)))))).all()
    return {r.case_id: r.register_no for r in rows}


async def case_id_of(engine: AsyncEngine, reference: str) -> str | None:
    """The case a staff member typed, by its register number or its id; None when there is none."""
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(t.cases.c.case_id).where(
            sa.or_(t.cases.c.register_no == reference, t.cases.c.case_id == reference)).limit(1))).scalar()

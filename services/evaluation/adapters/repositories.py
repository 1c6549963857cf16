"""Every query of the evaluation service lives here."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.evaluation.adapters import tables as t
from services.evaluation.domain.register import RegisterEntry


class RegisterRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, case_id: str) -> RegisterEntry:
        row = (await self._conn.execute(sa.select(t.register).where(t.register.c.case_id == case_id))).one_or_none()
        if row is None:
            return RegisterEntry(case_id, None, None, None)
        return RegisterEntry(row.case_id, row.officer_id, row.closed_at, row.outcome)

    async def save(self, entry: RegisterEntry, *, assigned_at: datetime | None = None) -> None:
        values = dict(officer_id=entry.officer_id, closed_at=entry.closed_at, outcome=entry.outcome,
                      status=entry.status)
        if assigned_at is not None:
            values["assigned_at"] = assigned_at
        updated = await self._conn.execute(
            sa.update(t.register).where(t.register.c.case_id == entry.case_id).values(**values))
        if updated.rowcount == 0:
            await self._conn.execute(sa.insert(t.register).values(case_id=entry.case_id, **values))


async def list_register(engine: AsyncEngine, status: str | None, limit: int) -> list[dict]:
    """The register, most recently closed first."""
    query = sa.select(t.register).order_by(t.register.c.closed_at.desc(), t.register.c.case_id).limit(limit)
    if status:
        query = query.where(t.register.c.status == status)
    async with engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(query)).mappings().all()]

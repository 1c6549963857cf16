"""Read-side queries behind the staff UI and the intake HTTP API."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.intake.adapters import tables as t


@dataclass(frozen=True)
class CasePage:
    rows: list[dict]
    total: int
    page: int
    pages: int


async def list_cases(engine: AsyncEngine, *, status: str | None, branch: str | None, page: int, size: int) -> CasePage:
    """A filtered page of the case register, newest first, with names resolved for display."""
    c = t.cases
    conditions = []
    if status:
        conditions.append(c.c.status == status)
    if branch:
        conditions.append(c.c.branch_code == branch)
    query = (
        sa.select(
            c, t.communes.c.name.label("commune_name"), t.branches.c.name.label("branch_name"),
            t.officers.c.full_name.label("officer_name"), t.notices.c.agency_name, t.notices.c.late,
        )
        .select_from(
            c.outerjoin(t.communes, t.communes.c.code == c.c.commune_code)
            .outerjoin(t.branches, t.branches.c.code == c.c.branch_code)
            .outerjoin(t.officers, t.officers.c.officer_id == c.c.officer_id)
            .outerjoin(t.notices, sa.and_(t.notices.c.agency_code == c.c.notice_agency_code,
                                          t.notices.c.notice_id == c.c.notice_id))
        )
        .where(*conditions)
        .order_by(c.c.opened_at.desc(), c.c.register_no.desc())
    )
    async with engine.connect() as conn:
        total = (await conn.execute(sa.select(sa.func.count()).select_from(c).where(*conditions))).scalar_one()
        pages = max(1, -(-total // size))
        page = min(max(page, 1), pages)
        rows = (await conn.execute(query.limit(size).offset((page - 1) * size))).mappings().all()
    return CasePage(rows=[dict(r) for r in rows], total=total, page=page, pages=pages)


async def list_branches(engine: AsyncEngine) -> list[dict]:
    """The center's branches, head office first."""
    async with engine.connect() as conn:
        rows = (await conn.execute(
            sa.select(t.branches).order_by(t.branches.c.is_head_office.desc(), t.branches.c.code)
        )).mappings().all()
    return [dict(r) for r in rows]


async def list_rejected(engine: AsyncEngine, limit: int = 200) -> list[dict]:
    """Rejected notices, newest first, with their reasons."""
    r = t.rejected_notices
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(r).order_by(r.c.received_at.desc()).limit(limit))).mappings().all()
    return [dict(row) for row in rows]

"""Read-only queries behind the evaluation HTTP API: the register of closed cases and the plans."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.evaluation.adapters import tables as t
from services.evaluation.adapters.records import case_from_row
from services.evaluation.domain.register import CaseRecord


async def closed_cases(conn: AsyncConnection, *, start: datetime | None, end: datetime | None,
                       officer_id: str | None, evaluated: bool | None,
                       limit: int) -> list[tuple[CaseRecord, dict[str, Any]]]:
    """Closed cases, most recently closed first, each with its complaints, evaluation and plan."""
    r, e = t.register.c, t.evaluations.c
    complaints = (sa.select(t.complaints.c.case_id, sa.func.count().label("n"))
                  .group_by(t.complaints.c.case_id).subquery())
    query = (sa.select(t.register, sa.func.coalesce(complaints.c.n, 0).label("complaints"),
                       e.evaluation_id, e.status.label("evaluation_status"), e.rating,
                       t.plan_items.c.year.label("plan_year"), t.plan_items.c.reason.label("plan_reason"))
             .select_from(t.register
                          .outerjoin(complaints, complaints.c.case_id == r.case_id)
                          .outerjoin(t.evaluations, e.case_id == r.case_id)
                          .outerjoin(t.plan_items, t.plan_items.c.case_id == r.case_id))
             .where(r.closed_at.is_not(None))
             .order_by(r.closed_at.desc(), r.case_id).limit(limit))
    if start is not None:
        query = query.where(r.closed_at >= start)
    if end is not None:
        query = query.where(r.closed_at < end)
    if officer_id:
        query = query.where(r.officer_id == officer_id)
    if evaluated is not None:
        # "Evaluated" means a final evaluation; a draft is still work in progress.
        final = e.status == "final"
        query = query.where(final if evaluated else sa.or_(e.status.is_(None), e.status != "final"))
    rows = (await conn.execute(query)).all()
    return [(case_from_row(row), {"complaints": int(row.complaints), "evaluation_id": row.evaluation_id,
                                  "evaluation_status": row.evaluation_status, "rating": row.rating,
                                  "plan_year": row.plan_year, "plan_reason": row.plan_reason}) for row in rows]


async def plan(conn: AsyncConnection, year: int) -> dict[str, Any] | None:
    """A year's plan with its items, each with its case's number and evaluation status."""
    row = (await conn.execute(sa.select(t.plans).where(t.plans.c.year == year))).mappings().one_or_none()
    if row is None:
        return None
    i, r, e = t.plan_items.c, t.register.c, t.evaluations.c
    items = (await conn.execute(
        sa.select(i.case_id, r.register_no, i.officer_id, i.reason, e.evaluation_id, e.status, e.rating)
        .select_from(t.plan_items.outerjoin(t.register, r.case_id == i.case_id)
                     .outerjoin(t.evaluations, e.case_id == i.case_id))
        .where(i.year == year).order_by(i.officer_id, i.case_id))).mappings().all()
    return {"year": row["year"], "start": row["starts_on"], "end": row["ends_on"], "seed": row["seed"],
            "sample_percent": row["sample_percent"], "min_per_officer": row["min_per_officer"],
            "rules_version": row["rules_version"], "created_by": row["created_by"], "created_at": row["created_at"],
            "items": [{"case_id": x["case_id"], "register_no": x["register_no"], "officer_id": x["officer_id"],
                       "reason": x["reason"], "evaluation_id": x["evaluation_id"],
                       "status": x["status"] or "pending", "rating": x["rating"]} for x in items]}

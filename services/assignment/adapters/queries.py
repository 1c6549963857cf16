"""Read-only queries behind the assignment HTTP API: the roster, decisions, requests, patterns."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.assignment.adapters import tables as t
from services.assignment.adapters.records import officer_from_record
from services.assignment.domain.quota import yearly_target
from services.assignment.domain.rules import LOCAL_TZ, AssignmentRules

#: An officer is flagged when one agency sends at least this many of their cases ...
PATTERN_MIN_CASES = 5
#: ... and this many times the share that agency has of all assigned cases.
PATTERN_RATIO = 2.0


async def roster_with_loads(engine: AsyncEngine, rules: AssignmentRules, year: int) -> list[dict]:
    """The roster with each officer's cases and weighted load this year, and their target."""
    load = (sa.select(t.officer_loads.c.officer_id, t.officer_loads.c.cases.label("cases_assigned"),
                      t.officer_loads.c.load).where(t.officer_loads.c.quota_year == year).subquery())
    async with engine.connect() as conn:
        rows = (await conn.execute(
            sa.select(t.officers, sa.func.coalesce(load.c.cases_assigned, 0).label("cases_assigned"),
                      sa.func.coalesce(load.c.load, 0).label("load"))
            .select_from(t.officers.outerjoin(load, load.c.officer_id == t.officers.c.officer_id))
            .order_by(t.officers.c.branch_code, t.officers.c.officer_id))).mappings().all()
    result = []
    for row in rows:
        officer = officer_from_record(dict(row))
        target = yearly_target(officer, year, rules).value
        result.append({**dict(row), "relationships": len(officer.relationships), "is_leader": officer.is_leader,
                       "load": float(row["load"]), "target": target,
                       "ratio": round(float(row["load"]) / target, 4) if target else None})
    return result


async def officer_versions(engine: AsyncEngine, officer_id: str) -> list[dict]:
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.officer_versions).where(t.officer_versions.c.officer_id == officer_id)
                                   .order_by(t.officer_versions.c.version.desc()))).mappings().all()
    return [dict(r) for r in rows]


async def decision_of(engine: AsyncEngine, case_id: str) -> dict | None:
    """The stored decision of a case with its history, exclusions and requests to take it."""
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(t.cases).where(t.cases.c.case_id == case_id))).mappings().one_or_none()
        if row is None:
            return None
        history = (await conn.execute(sa.select(t.history).where(t.history.c.case_id == case_id)
                                      .order_by(t.history.c.id))).mappings().all()
        excluded = (await conn.execute(sa.select(t.exclusions).where(t.exclusions.c.case_id == case_id))).mappings().all()
        requests = (await conn.execute(sa.select(t.take_requests).where(t.take_requests.c.case_id == case_id)
                                       .order_by(t.take_requests.c.requested_at))).mappings().all()
        names = dict((await conn.execute(sa.select(t.officers.c.officer_id, t.officers.c.full_name))).all())
    found = {k: v for k, v in dict(row).items() if k != "parties"}
    found["officer_name"] = names.get(row["officer_id"])
    found["candidates"] = [{**c, "full_name": names.get(c["officer_id"])} for c in row["candidates"]]
    found["history"] = [{**{k: v for k, v in dict(h).items() if k != "candidates"},
                         "officer_name": names.get(h["officer_id"])} for h in history]
    found["exclusions"] = [{**dict(x), "officer_name": names.get(x["officer_id"])} for x in excluded]
    found["take_requests"] = [{**dict(r), "officer_name": names.get(r["officer_id"])} for r in requests]
    return found


async def take_requests(engine: AsyncEngine, status: str | None = None) -> list[dict]:
    query = sa.select(t.take_requests).order_by(t.take_requests.c.requested_at.desc())
    if status:
        query = query.where(t.take_requests.c.status == status)
    async with engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(query)).mappings().all()]


async def overrides(engine: AsyncEngine, since: date | None = None) -> dict:
    """Every leader's decision against the rule (overrides, approved requests), counted by leader and officer."""
    query = (sa.select(t.history).where(t.history.c.kind.in_(("override", "approved_request")))
             .order_by(t.history.c.decided_at.desc()))
    if since:
        query = query.where(t.history.c.decided_at >= datetime(since.year, since.month, since.day, tzinfo=LOCAL_TZ))
    async with engine.connect() as conn:
        rows = [dict(r) for r in (await conn.execute(query)).mappings().all()]
    for row in rows:
        row.pop("candidates", None)
    return {"total": len(rows),
            "by_leader": Counter(r["decided_by"] for r in rows),
            "by_officer": Counter(r["officer_id"] for r in rows),
            "decisions": rows}


async def patterns(engine: AsyncEngine) -> list[dict]:
    """Signs of the old problem: officers whose cases come unusually often from one agency, or who
    gain from leaders' overrides. A sign is a question for the leadership, not a finding."""
    async with engine.connect() as conn:
        by_pair = (await conn.execute(
            sa.select(t.cases.c.officer_id, t.cases.c.agency_code, sa.func.count())
            .where(t.cases.c.officer_id.is_not(None), t.cases.c.agency_code.is_not(None))
            .group_by(t.cases.c.officer_id, t.cases.c.agency_code))).all()
        favoured = dict((await conn.execute(
            sa.select(t.history.c.officer_id, sa.func.count())
            .where(t.history.c.kind.in_(("override", "approved_request")))
            .group_by(t.history.c.officer_id))).all())
        names = dict((await conn.execute(sa.select(t.officers.c.officer_id, t.officers.c.full_name))).all())
    per_agency: Counter = Counter()
    per_officer: Counter = Counter()
    for officer_id, agency, n in by_pair:
        per_agency[agency] += n
        per_officer[officer_id] += n
    total = sum(per_agency.values())
    signs: dict[str, list[str]] = defaultdict(list)
    for officer_id, agency, n in by_pair:
        expected = per_officer[officer_id] * per_agency[agency] / total
        if n >= PATTERN_MIN_CASES and n >= PATTERN_RATIO * expected:
            signs[officer_id].append(
                f"{n}/{per_officer[officer_id]} vụ việc từ cơ quan {agency}, gấp {n / expected:.1f} lần "
                f"tỷ lệ chung của cơ quan này")
    mean_favours = (sum(favoured.values()) / len(names)) if names else 0
    for officer_id, n in favoured.items():
        if n >= 2 and n >= PATTERN_RATIO * mean_favours:
            signs[officer_id].append(f"được lãnh đạo giao khác đề xuất hoặc duyệt nhận {n} lần")
    return [{"officer_id": oid, "full_name": names.get(oid), "signs": found,
             "overrides_in_favour": favoured.get(oid, 0)} for oid, found in sorted(signs.items())]

"""Every query of the assignment service lives here."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.assignment.adapters import tables as t
from services.assignment.domain.roster import Absence, Officer
from services.runtime.unit_of_work import insert_ignoring_conflicts


def _officer(row) -> Officer:
    absences = tuple(Absence(date.fromisoformat(a["start"]), date.fromisoformat(a["end"]), a["kind"])
                     for a in row.absences or [])
    return Officer(officer_id=row.officer_id, full_name=row.full_name, branch_code=row.branch_code,
                   fields=tuple(row.fields), appointed_on=row.appointed_on, leader_role=row.leader_role,
                   active=row.active, kind=row.kind, absences=absences)


class RosterRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def all(self) -> list[Officer]:
        rows = (await self._conn.execute(sa.select(t.officers))).all()
        return [_officer(r) for r in rows]

    async def save(self, officer: Officer) -> bool:
        """Insert or update an officer; True when something changed (a new roster version)."""
        values = dict(full_name=officer.full_name, kind=officer.kind, branch_code=officer.branch_code,
                      leader_role=officer.leader_role, fields=list(officer.fields),
                      appointed_on=officer.appointed_on, active=officer.active,
                      absences=[{"start": a.start.isoformat(), "end": a.end.isoformat(), "kind": a.kind}
                                for a in officer.absences])
        row = (await self._conn.execute(
            sa.select(t.officers).where(t.officers.c.officer_id == officer.officer_id))).one_or_none()
        if row is None:
            await self._conn.execute(sa.insert(t.officers).values(officer_id=officer.officer_id, version=1, **values))
            return True
        if _officer(row) == officer:
            return False
        await self._conn.execute(sa.update(t.officers).where(t.officers.c.officer_id == officer.officer_id)
                                 .values(version=row.version + 1, **values))
        return True

    async def head_office(self) -> str | None:
        return (await self._conn.execute(
            sa.select(t.branches.c.code).where(t.branches.c.is_head_office.is_(True)).order_by(t.branches.c.code)
        )).scalars().first()

    async def branch_names(self) -> dict[str, str]:
        return dict((await self._conn.execute(sa.select(t.branches.c.code, t.branches.c.name))).all())

    async def save_branch(self, code: str, name: str, is_head_office: bool) -> None:
        updated = await self._conn.execute(sa.update(t.branches).where(t.branches.c.code == code)
                                           .values(name=name, is_head_office=is_head_office))
        if updated.rowcount == 0:
            await self._conn.execute(sa.insert(t.branches).values(code=code, name=name, is_head_office=is_head_office))


class AssignmentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def exists(self, case_id: str) -> bool:
        return (await self._conn.execute(
            sa.select(sa.func.count()).select_from(t.cases).where(t.cases.c.case_id == case_id))).scalar_one() > 0

    async def loads_since(self, start: datetime) -> dict[str, int]:
        """Cases assigned to each officer since a moment (the start of the quota year)."""
        rows = (await self._conn.execute(
            sa.select(t.cases.c.officer_id, sa.func.count())
            .where(t.cases.c.officer_id.is_not(None), t.cases.c.opened_at >= start)
            .group_by(t.cases.c.officer_id))).all()
        return {officer_id: count for officer_id, count in rows}

    async def case(self, case_id: str):
        """The stored case and its current decision, or None."""
        return (await self._conn.execute(sa.select(t.cases).where(t.cases.c.case_id == case_id))).one_or_none()

    async def excluded(self, case_id: str) -> frozenset[str]:
        """Officers never to be offered this case again."""
        return frozenset((await self._conn.execute(sa.select(t.exclusions.c.officer_id)
                                                   .where(t.exclusions.c.case_id == case_id))).scalars())

    async def exclude(self, case_id: str, officer_id: str, why: str, at: datetime) -> None:
        await self._conn.execute(insert_ignoring_conflicts(self._conn, t.exclusions).values(
            case_id=case_id, officer_id=officer_id, why=why, at=at))

    async def reassign(self, *, case_id: str, officer_id: str | None, decided_at: datetime, rule: str, reason: str,
                       candidates: list[dict]) -> None:
        await self._conn.execute(sa.update(t.cases).where(t.cases.c.case_id == case_id).values(
            officer_id=officer_id, decided_at=decided_at, rule=rule, reason=reason, candidates=candidates))
        await self._conn.execute(sa.insert(t.history).values(
            case_id=case_id, officer_id=officer_id, decided_at=decided_at, kind="reassignment", rule=rule,
            reason=reason))

    async def record(self, *, case_id: str, field: str, branch_code: str | None, urgent: bool, opened_at: datetime,
                     officer_id: str | None, decided_at: datetime, rule: str, reason: str, candidates: list[dict]) -> None:
        await self._conn.execute(sa.insert(t.cases).values(
            case_id=case_id, field=field, branch_code=branch_code, urgent=urgent, opened_at=opened_at,
            officer_id=officer_id, decided_at=decided_at, rule=rule, reason=reason, candidates=candidates))
        await self._conn.execute(sa.insert(t.history).values(
            case_id=case_id, officer_id=officer_id, decided_at=decided_at, kind="initial", rule=rule, reason=reason))


async def roster_with_loads(engine: AsyncEngine) -> list[dict]:
    """The roster with each officer's number of assigned cases."""
    load = (sa.select(t.cases.c.officer_id, sa.func.count().label("cases_assigned"))
            .group_by(t.cases.c.officer_id).subquery())
    async with engine.connect() as conn:
        rows = (await conn.execute(
            sa.select(t.officers, sa.func.coalesce(load.c.cases_assigned, 0).label("cases_assigned"))
            .select_from(t.officers.outerjoin(load, load.c.officer_id == t.officers.c.officer_id))
            .order_by(t.officers.c.branch_code, t.officers.c.officer_id))).mappings().all()
    return [dict(r) for r in rows]


async def decision_of(engine: AsyncEngine, case_id: str) -> dict | None:
    """The stored assignment decision of a case."""
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(t.cases).where(t.cases.c.case_id == case_id))).mappings().one_or_none()
    return dict(row) if row else None

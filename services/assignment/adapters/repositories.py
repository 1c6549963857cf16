"""Every query of the assignment service lives here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from services.assignment.adapters import tables as t
from services.assignment.adapters.records import officer_from_record, officer_record, parties_from_record
from services.assignment.domain.conflicts import HeldCase
from services.assignment.domain.roster import Officer
from services.assignment.domain.rules import LOCAL_TZ
from services.runtime.unit_of_work import insert_ignoring_conflicts

#: The PostgreSQL advisory lock that serialises assignment decisions across service instances.
DECISION_LOCK = 74_250_001

T = TypeVar("T")


def _officer(row) -> Officer:
    return officer_from_record(dict(row._mapping))


class RosterRepository:
    """The roster. A repository lives for one transaction (a batch of decisions shares one), so what it
    reads of the roster is kept until it writes to it, and every decision of a batch reads it once."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._kept: dict[object, object] = {}

    def derived(self, key: object, compute: Callable[[], T]) -> T:
        """A value computed from the roster (e.g. a year's targets), kept until the roster changes."""
        if key not in self._kept:
            self._kept[key] = compute()
        return self._kept[key]  # type: ignore[return-value]

    async def all(self) -> list[Officer]:
        if "all" not in self._kept:
            rows = (await self._conn.execute(sa.select(t.officers))).all()
            self._kept["all"] = tuple(_officer(r) for r in rows)
        return list(self._kept["all"])  # type: ignore[arg-type]

    async def get(self, officer_id: str) -> tuple[Officer, int] | None:
        """An officer and the version of their entry."""
        row = (await self._conn.execute(
            sa.select(t.officers).where(t.officers.c.officer_id == officer_id))).one_or_none()
        return None if row is None else (_officer(row), row.version)

    async def save(self, officer: Officer, *, changed_by: str, at: datetime, note: str | None = None) -> int | None:
        """Insert or update an officer and keep the version; the new version number, or None when unchanged."""
        self._kept.clear()
        record = officer_record(officer)
        values = {k: v for k, v in record.items() if k != "officer_id"}
        values["appointed_on"] = officer.appointed_on
        current = await self.get(officer.officer_id)
        if current is None:
            version = 1
            await self._conn.execute(sa.insert(t.officers).values(officer_id=officer.officer_id, version=1, **values))
        else:
            if current[0] == officer:
                return None
            version = current[1] + 1
            await self._conn.execute(sa.update(t.officers).where(t.officers.c.officer_id == officer.officer_id)
                                     .values(version=version, **values))
        await self._conn.execute(sa.insert(t.officer_versions).values(
            officer_id=officer.officer_id, version=version, snapshot=record, changed_by=changed_by, changed_at=at,
            note=note))
        return version

    async def not_announced_for(self, year: int) -> list[tuple[Officer, int]]:
        """Officers whose target for the year has not been published yet, with their version."""
        rows = (await self._conn.execute(sa.select(t.officers).where(
            sa.or_(t.officers.c.announced_year.is_(None), t.officers.c.announced_year < year)))).all()
        return [(_officer(r), r.version) for r in rows]

    async def mark_announced(self, officer_id: str, year: int) -> None:
        self._kept.clear()
        await self._conn.execute(sa.update(t.officers).where(t.officers.c.officer_id == officer_id)
                                 .values(announced_year=year))

    async def head_office(self) -> str | None:
        if "head_office" not in self._kept:
            self._kept["head_office"] = (await self._conn.execute(
                sa.select(t.branches.c.code).where(t.branches.c.is_head_office.is_(True)).order_by(t.branches.c.code)
            )).scalars().first()
        return self._kept["head_office"]  # type: ignore[return-value]

    async def branch_names(self) -> dict[str, str]:
        if "branch_names" not in self._kept:
            self._kept["branch_names"] = dict(
                (await self._conn.execute(sa.select(t.branches.c.code, t.branches.c.name))).all())
        return dict(self._kept["branch_names"])  # type: ignore[call-overload]

    async def save_branch(self, code: str, name: str, is_head_office: bool) -> None:
        self._kept.clear()
        updated = await self._conn.execute(sa.update(t.branches).where(t.branches.c.code == code)
                                           .values(name=name, is_head_office=is_head_office))
        if updated.rowcount == 0:
            await self._conn.execute(sa.insert(t.branches).values(code=code, name=name, is_head_office=is_head_office))


#: Statements of every decision, built once (building one and its cache key costs more than running it).
_CASE_EXISTS = sa.select(sa.literal(1)).where(t.cases.c.case_id == sa.bindparam("case_id"))
_INSERT_CASE = sa.insert(t.cases)
_INSERT_HISTORY = sa.insert(t.history)
_HELD_CASES = (
    sa.select(t.history.c.officer_id, t.cases.c.case_id, t.cases.c.parties)
    .select_from(t.history.join(t.cases, t.cases.c.case_id == t.history.c.case_id))
    .where(t.history.c.case_id.in_(sa.select(t.case_keys.c.case_id)
                                   .where(t.case_keys.c.key.in_(sa.bindparam("keys", expanding=True))).distinct()),
           t.history.c.officer_id.is_not(None)))


_LOADS_OF_YEAR = (sa.select(t.officer_loads.c.officer_id, t.officer_loads.c.load)
                  .where(t.officer_loads.c.quota_year == sa.bindparam("year")))


def _adding_load(dialect) -> sa.Insert:
    """INSERT ... ON CONFLICT adding to an officer's cases and load of a year."""
    insert = dialect.insert(t.officer_loads)
    return insert.on_conflict_do_update(
        index_elements=[t.officer_loads.c.officer_id, t.officer_loads.c.quota_year],
        set_={"cases": t.officer_loads.c.cases + insert.excluded.cases,
              "load": t.officer_loads.c.load + insert.excluded.load})


_ADD_LOAD = {"sqlite": _adding_load(sqlite), "postgresql": _adding_load(postgresql)}


class AssignmentRepository:
    """Cases and decisions. It lives for one transaction: the weighted loads it reads are kept and
    brought up to date by the decisions recorded through it, so a batch of decisions reads them once."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._locked = False
        #: each officer's weighted load by quota year, as of this transaction's own writes
        self._loads: dict[int, dict[str, float]] = {}
        self._add_load = _ADD_LOAD[conn.dialect.name]

    async def lock_decisions(self) -> None:
        """Serialise decisions across instances until commit, so two never count the same load.

        SQLite needs nothing: every transaction starts with BEGIN IMMEDIATE and holds the write lock.
        """
        if self._conn.dialect.name == "postgresql" and not self._locked:
            await self._conn.execute(sa.select(sa.func.pg_advisory_xact_lock(DECISION_LOCK)))
            self._locked = True

    async def exists(self, case_id: str) -> bool:
        return (await self._conn.execute(_CASE_EXISTS, {"case_id": case_id})).first() is not None

    async def loads_of_year(self, year: int) -> dict[str, float]:
        """Weighted cases held by each officer among those opened in a quota year (local time).

        Read once per transaction (after `lock_decisions`, so no other instance changes them meanwhile)
        from `officer_loads`, which every decision keeps in its own transaction; then kept current here.
        """
        if year not in self._loads:
            rows = (await self._conn.execute(_LOADS_OF_YEAR, {"year": year})).all()
            self._loads[year] = {officer_id: float(load) for officer_id, load in rows}
        return dict(self._loads[year])

    async def _count(self, officer_id: str, opened_at: datetime, cases: int, weight: float) -> None:
        """Add a case (cases=1) to an officer's load of its quota year, or take one away (cases=-1)."""
        year = opened_at.astimezone(LOCAL_TZ).year
        await self._conn.execute(self._add_load, {"officer_id": officer_id, "quota_year": year, "cases": cases,
                                                  "load": cases * weight})
        if year in self._loads:
            loads = self._loads[year]
            loads[officer_id] = loads.get(officer_id, 0.0) + cases * weight

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

    async def close(self, case_id: str, at: datetime) -> None:
        """The case ended: its assignment can no longer change (it still counts in the year's load)."""
        await self._conn.execute(sa.update(t.cases).where(t.cases.c.case_id == case_id, t.cases.c.closed_at.is_(None))
                                 .values(closed_at=at))

    async def add_keys(self, case_id: str, keys: frozenset[str]) -> None:
        if keys:
            await self._conn.execute(insert_ignoring_conflicts(self._conn, t.case_keys),
                                     [{"case_id": case_id, "key": key[:300]} for key in sorted(keys)])

    async def set_parties(self, case_id: str, parties: dict) -> None:
        await self._conn.execute(sa.update(t.cases).where(t.cases.c.case_id == case_id).values(parties=parties))

    async def held_cases(self, keys: frozenset[str]) -> list[HeldCase]:
        """Cases sharing a matter or a party key, with every officer who held each of them."""
        if not keys:
            return []
        rows = (await self._conn.execute(_HELD_CASES, {"keys": sorted(keys)})).all()
        # One entry per officer and case (PostgreSQL cannot DISTINCT over a JSON column).
        unique = {(r.officer_id, r.case_id): r for r in rows}
        return [HeldCase(r.officer_id, r.case_id, parties_from_record(r.parties)) for r in unique.values()]

    async def record(self, *, case_id: str, field: str, branch_code: str | None, urgent: bool, opened_at: datetime,
                     weight: float, stage: str | None, agency_code: str | None, parties: dict,
                     officer_id: str | None, decided_at: datetime, rule: str, reason: str,
                     candidates: list[dict]) -> None:
        await self._conn.execute(_INSERT_CASE, dict(
            case_id=case_id, field=field, branch_code=branch_code, urgent=urgent, opened_at=opened_at,
            weight=weight, stage=stage, agency_code=agency_code, parties=parties, officer_id=officer_id,
            decided_at=decided_at, rule=rule, reason=reason, candidates=candidates, kind="initial"))
        await self._conn.execute(_INSERT_HISTORY, dict(
            case_id=case_id, officer_id=officer_id, decided_at=decided_at, kind="initial", rule=rule, reason=reason,
            candidates=candidates))
        if officer_id is not None:
            await self._count(officer_id, opened_at, 1, weight)

    async def change_officer(self, *, case_id: str, officer_id: str | None, decided_at: datetime, rule: str,
                             reason: str, candidates: list[dict], kind: str, decided_by: str | None = None) -> None:
        """A new decision on an assigned case (reassignment, override, approved request), kept in the history."""
        if officer_id:
            await self.supersede_take_requests(case_id, officer_id, decided_at)
        before = (await self._conn.execute(sa.select(t.cases.c.officer_id, t.cases.c.opened_at, t.cases.c.weight)
                                           .where(t.cases.c.case_id == case_id))).one()
        if before.officer_id != officer_id:
            if before.officer_id is not None:
                await self._count(before.officer_id, before.opened_at, -1, before.weight)
            if officer_id is not None:
                await self._count(officer_id, before.opened_at, 1, before.weight)
        await self._conn.execute(sa.update(t.cases).where(t.cases.c.case_id == case_id).values(
            officer_id=officer_id, decided_at=decided_at, rule=rule, reason=reason, candidates=candidates, kind=kind,
            decided_by=decided_by))
        await self._conn.execute(sa.insert(t.history).values(
            case_id=case_id, officer_id=officer_id, decided_at=decided_at, kind=kind, rule=rule, reason=reason,
            decided_by=decided_by, candidates=candidates))

    async def add_take_request(self, **values) -> None:
        await self._conn.execute(sa.insert(t.take_requests).values(status="pending", **values))

    async def take_request(self, request_id: str):
        return (await self._conn.execute(
            sa.select(t.take_requests).where(t.take_requests.c.request_id == request_id))).one_or_none()

    async def pending_take_request(self, case_id: str, officer_id: str):
        return (await self._conn.execute(sa.select(t.take_requests).where(
            t.take_requests.c.case_id == case_id, t.take_requests.c.officer_id == officer_id,
            t.take_requests.c.status == "pending"))).first()

    async def supersede_take_requests(self, case_id: str, officer_id: str, at: datetime) -> None:
        """The officer got the case another way: their pending request to take it is moot."""
        await self._conn.execute(
            sa.update(t.take_requests)
            .where(t.take_requests.c.case_id == case_id, t.take_requests.c.officer_id == officer_id,
                   t.take_requests.c.status == "pending")
            .values(status="superseded", decided_at=at, decided_by="assignment",
                    decision_reason="Người đề nghị đã được giao vụ việc."))

    async def decide_take_request(self, request_id: str, *, approved: bool, by: str, at: datetime, reason: str) -> bool:
        """Close a pending request; False when it was no longer pending."""
        result = await self._conn.execute(
            sa.update(t.take_requests)
            .where(t.take_requests.c.request_id == request_id, t.take_requests.c.status == "pending")
            .values(status="approved" if approved else "rejected", decided_by=by, decided_at=at,
                    decision_reason=reason))
        return result.rowcount == 1

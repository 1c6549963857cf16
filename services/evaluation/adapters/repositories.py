"""Every write and every read the evaluation rules need, on the unit of work's connection."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.evaluation.adapters import tables as t
from services.evaluation.adapters.records import (
    action_from_row, action_values, case_from_row, case_values, evaluation_from_row, evaluation_values,
)
from services.evaluation.domain.actions import CorrectiveAction
from services.evaluation.domain.evaluation import Evaluation, EvaluationStatus
from services.evaluation.domain.register import CaseRecord
from services.evaluation.domain.review import OfficerTarget
from services.runtime.unit_of_work import insert_ignoring_conflicts


async def _upsert(conn: AsyncConnection, table: sa.Table, key: dict[str, Any], values: dict[str, Any]) -> None:
    where = [table.c[name] == value for name, value in key.items()]
    updated = await conn.execute(sa.update(table).where(*where).values(**values))
    if updated.rowcount == 0:
        await conn.execute(sa.insert(table).values(**key, **values))


#: Statements of every event, built once (building one and its cache key costs more than running it).
_CLAIMED_CASE = sa.select(t.register).where(t.register.c.case_id == sa.bindparam("case_id")).with_for_update()
_SAVE_CASE = sa.update(t.register).where(t.register.c.case_id == sa.bindparam("key_case_id"))


class RegisterRepository:
    """Cases and every officer who ever held each of them."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, case_id: str) -> CaseRecord | None:
        row = (await self._conn.execute(sa.select(t.register).where(t.register.c.case_id == case_id))).one_or_none()
        return None if row is None else case_from_row(row)

    async def claim(self, case_id: str) -> CaseRecord:
        """The case (created empty when new), locked until commit.

        Intake's and assignment's consumers update the same row from two streams at once; the
        lock makes one wait for the other instead of overwriting what it just wrote.
        """
        await self._conn.execute(insert_ignoring_conflicts(self._conn, t.register), {"case_id": case_id})
        row = (await self._conn.execute(_CLAIMED_CASE, {"case_id": case_id})).one()
        return case_from_row(row)

    async def save(self, case: CaseRecord) -> None:
        """Write a claimed case back."""
        values = case_values(case)
        await self._conn.execute(_SAVE_CASE, {"key_case_id": values.pop("case_id"), **values})

    async def add_officer(self, case_id: str, officer_id: str, at: datetime) -> None:
        """Remember that an officer held the case (idempotent)."""
        await self._conn.execute(insert_ignoring_conflicts(self._conn, t.case_officers),
                                 {"case_id": case_id, "officer_id": officer_id, "first_seen_at": at})

    async def officers_of(self, case_id: str) -> frozenset[str]:
        """Every officer who ever held the case."""
        return frozenset((await self._conn.execute(
            sa.select(t.case_officers.c.officer_id).where(t.case_officers.c.case_id == case_id))).scalars())

    async def closed_until(self, until: datetime) -> list[tuple[CaseRecord, int, bool, bool]]:
        """Closed cases before an instant, each with its complaints, whether evaluated, whether planned."""
        complaints = (sa.select(t.complaints.c.case_id, sa.func.count().label("n"))
                      .group_by(t.complaints.c.case_id).subquery())
        rows = (await self._conn.execute(
            sa.select(t.register, sa.func.coalesce(complaints.c.n, 0).label("complaints"),
                      t.evaluations.c.evaluation_id.label("evaluation_id"), t.plan_items.c.year.label("plan_year"))
            .select_from(t.register
                         .outerjoin(complaints, complaints.c.case_id == t.register.c.case_id)
                         .outerjoin(t.evaluations, t.evaluations.c.case_id == t.register.c.case_id)
                         .outerjoin(t.plan_items, t.plan_items.c.case_id == t.register.c.case_id))
            .where(t.register.c.closed_at.is_not(None), t.register.c.closed_at < until))).all()
        return [(case_from_row(r), int(r.complaints), r.evaluation_id is not None, r.plan_year is not None)
                for r in rows]

    async def of_officer(self, officer_id: str) -> list[CaseRecord]:
        """Every case the officer performs or performed."""
        rows = (await self._conn.execute(sa.select(t.register).where(t.register.c.officer_id == officer_id))).all()
        return [case_from_row(r) for r in rows]

    async def add_complaint(self, *, complaint_id: str, case_id: str, text: str, by: str, at: datetime) -> None:
        await self._conn.execute(sa.insert(t.complaints).values(
            complaint_id=complaint_id, case_id=case_id, text=text, recorded_by=by, recorded_at=at))


class OfficerRepository:
    """The roster as assignment publishes it, with each year's target and band floors."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def save(self, officer_id: str, *, version: int, **values: Any) -> None:
        """Keep the newest roster version (an older one arriving again changes nothing)."""
        stored = (await self._conn.execute(sa.select(t.officers.c.version)
                                           .where(t.officers.c.officer_id == officer_id))).scalar_one_or_none()
        if stored is None or version >= stored:
            await _upsert(self._conn, t.officers, {"officer_id": officer_id}, {"version": version, **values})

    async def save_target(self, officer_id: str, year: int, *, version: int, yearly_target: float | None,
                          band_floors: dict[str, float], at: datetime) -> None:
        stored = (await self._conn.execute(
            sa.select(t.officer_targets.c.version)
            .where(t.officer_targets.c.officer_id == officer_id, t.officer_targets.c.year == year))
        ).scalar_one_or_none()
        if stored is None or version >= stored:
            await _upsert(self._conn, t.officer_targets, {"officer_id": officer_id, "year": year},
                          {"version": version, "yearly_target": yearly_target, "band_floors": band_floors,
                           "registered_at": at})

    async def names(self) -> dict[str, str]:
        return dict((await self._conn.execute(sa.select(t.officers.c.officer_id, t.officers.c.full_name))).all())

    async def target(self, officer_id: str, year: int) -> OfficerTarget | None:
        row = (await self._conn.execute(sa.select(t.officer_targets).where(
            t.officer_targets.c.officer_id == officer_id, t.officer_targets.c.year == year))).one_or_none()
        return None if row is None else OfficerTarget(row.year, row.yearly_target, dict(row.band_floors or {}))


#: The PostgreSQL advisory lock that serialises drawing plans (a complaint case joins one plan only).
PLAN_LOCK = 74_250_010


class PlanRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def lock(self) -> None:
        """Serialise plan draws until commit; SQLite's write lock (BEGIN IMMEDIATE) already does."""
        if self._conn.dialect.name == "postgresql":
            await self._conn.execute(sa.select(sa.func.pg_advisory_xact_lock(PLAN_LOCK)))

    async def create(self, **values: Any) -> bool:
        """Record a year's plan; False when the year already has one."""
        result = await self._conn.execute(insert_ignoring_conflicts(self._conn, t.plans).values(**values))
        return result.rowcount == 1

    async def add_item(self, year: int, case_id: str, officer_id: str | None, reason: str) -> None:
        await self._conn.execute(sa.insert(t.plan_items).values(year=year, case_id=case_id, officer_id=officer_id,
                                                                reason=reason))

    async def year_of(self, case_id: str) -> int | None:
        """The year of the plan holding a case, if any."""
        return (await self._conn.execute(sa.select(t.plan_items.c.year)
                                         .where(t.plan_items.c.case_id == case_id))).scalar_one_or_none()


class EvaluationRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, evaluation: Evaluation) -> bool:
        """Store a new evaluation; False when the case already has one."""
        result = await self._conn.execute(insert_ignoring_conflicts(self._conn, t.evaluations)
                                          .values(**evaluation_values(evaluation)))
        return result.rowcount == 1

    async def get(self, evaluation_id: str, *, for_update: bool = False) -> Evaluation | None:
        query = sa.select(t.evaluations).where(t.evaluations.c.evaluation_id == evaluation_id)
        row = (await self._conn.execute(query.with_for_update() if for_update else query)).one_or_none()
        return None if row is None else evaluation_from_row(row)

    async def save(self, evaluation: Evaluation) -> None:
        values = evaluation_values(evaluation)
        await self._conn.execute(sa.update(t.evaluations)
                                 .where(t.evaluations.c.evaluation_id == values.pop("evaluation_id")).values(**values))

    async def final_of_officer(self, officer_id: str) -> list[Evaluation]:
        """Finalised evaluations of the officer's cases."""
        rows = (await self._conn.execute(sa.select(t.evaluations).where(
            t.evaluations.c.officer_id == officer_id, t.evaluations.c.status == EvaluationStatus.FINAL))).all()
        return [evaluation_from_row(r) for r in rows]

    async def officers_rated(self, rating: str, years: range) -> frozenset[str]:
        """Officers with a case finalised with this rating in one of these evaluation years."""
        return frozenset((await self._conn.execute(
            sa.select(t.evaluations.c.officer_id).distinct()
            .where(t.evaluations.c.rating == rating, t.evaluations.c.status == EvaluationStatus.FINAL,
                   t.evaluations.c.year.in_(list(years)), t.evaluations.c.officer_id.is_not(None)))).scalars())


class ActionRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, action: CorrectiveAction, correlation_id: str | None = None) -> None:
        await self._conn.execute(sa.insert(t.corrective_actions).values(**action_values(action),
                                                                        correlation_id=correlation_id))

    async def get(self, action_id: str, *, for_update: bool = False) -> tuple[CorrectiveAction, str | None] | None:
        """The action and the correlation id of the evaluation that raised it."""
        query = sa.select(t.corrective_actions).where(t.corrective_actions.c.action_id == action_id)
        row = (await self._conn.execute(query.with_for_update() if for_update else query)).one_or_none()
        return None if row is None else (action_from_row(row), row.correlation_id)

    async def save(self, action: CorrectiveAction) -> None:
        values = action_values(action)
        await self._conn.execute(sa.update(t.corrective_actions)
                                 .where(t.corrective_actions.c.action_id == values.pop("action_id")).values(**values))

    async def matching(self, *, officer_id: str | None = None, criterion: str | None = None,
                       evaluation_id: str | None = None) -> list[CorrectiveAction]:
        """Actions, oldest first, optionally of one owner, criterion or evaluation."""
        c = t.corrective_actions.c
        query = sa.select(t.corrective_actions).order_by(c.raised_at, c.action_id)
        for column, value in ((c.owner_officer_id, officer_id), (c.criterion, criterion),
                              (c.evaluation_id, evaluation_id)):
            if value is not None:
                query = query.where(column == value)
        return [action_from_row(r) for r in (await self._conn.execute(query)).all()]


class ConflictRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def declare(self, **values: Any) -> bool:
        """Record an evaluator–officer conflict; False when it was already declared."""
        result = await self._conn.execute(insert_ignoring_conflicts(self._conn, t.conflicts).values(**values))
        return result.rowcount == 1

    async def all(self) -> list[dict[str, Any]]:
        """Every declared conflict, newest first."""
        c = t.conflicts.c
        rows = (await self._conn.execute(sa.select(t.conflicts).order_by(c.declared_at.desc()))).mappings().all()
        return [dict(row) for row in rows]

    async def of_evaluator(self, evaluator_officer_id: str) -> frozenset[str]:
        return frozenset((await self._conn.execute(
            sa.select(t.conflicts.c.officer_id).where(t.conflicts.c.evaluator_officer_id == evaluator_officer_id)
        )).scalars())


class ReviewRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, **values: Any) -> None:
        await self._conn.execute(sa.insert(t.reviews).values(**values))

    async def recorded(self, officer_id: str, year: int) -> list[dict[str, Any]]:
        """The reviews a leader recorded for an officer and year, newest first (without their body)."""
        r = t.reviews.c
        rows = (await self._conn.execute(
            sa.select(r.review_id, r.band, r.recorded_by, r.recorded_at)
            .where(r.officer_id == officer_id, r.year == year).order_by(r.recorded_at.desc()))).mappings().all()
        return [dict(row) for row in rows]

"""Persons, their matters, duplicate reviews and missed beneficiaries: intake's queries."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.adapters import tables as t
from services.intake.domain.matching import NATIONAL_ID_KEY, PersonRecord, blocking_keys
from services.intake.domain.matters import Matter, MatterRef
from services.runtime.unit_of_work import insert_ignoring_conflicts, utcnow


class PersonRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def candidates(self, person: PersonRecord, limit: int = 50) -> list[PersonRecord]:
        """People sharing a blocking key with `person`: the only ones worth comparing; when more than
        `limit` do, those sharing the national ID first, then those sharing the most keys.

        A weak key is shared by many in a large register (a common given name in one commune, over
        years); an arbitrary `limit` of them would leave out the very record that matches."""
        keys = blocking_keys(person)
        if not keys:
            return []
        k = t.person_keys.c
        shared = sa.func.sum(sa.case((k.key.startswith(NATIONAL_ID_KEY), len(keys) + 1), else_=1))
        ranked = (sa.select(k.person_id, shared.label("shared")).where(k.key.in_(keys)).group_by(k.person_id)
                  .order_by(shared.desc(), k.person_id).limit(limit).subquery())
        rows = (await self._conn.execute(
            sa.select(t.persons).join(ranked, ranked.c.person_id == t.persons.c.person_id)
            .order_by(ranked.c.shared.desc(), t.persons.c.person_id))).all()
        return [PersonRecord(person_id=r.person_id, full_name=r.full_name, birth_date=r.birth_date,
                             national_id=r.national_id, commune_code=r.commune_code, gender=r.gender) for r in rows]

    async def add(self, person: PersonRecord) -> str:
        """Store a new person with their blocking keys; returns the person_id."""
        person_id = person.person_id or str(uuid.uuid4())
        await self._conn.execute(sa.insert(t.persons), dict(
            person_id=person_id, full_name=person.full_name, birth_date=person.birth_date,
            national_id=person.national_id, commune_code=person.commune_code, gender=person.gender,
            created_at=utcnow()))
        await self.index(person_id, person)
        return person_id

    async def index(self, person_id: str, person: PersonRecord) -> None:
        """Add the blocking keys of another record of the same person (a merged notice)."""
        rows = [{"key": key[:250], "person_id": person_id} for key in blocking_keys(person)]
        if rows:
            await self._conn.execute(insert_ignoring_conflicts(self._conn, t.person_keys), rows)


class MatterRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def open_matters(self, person_id: str) -> list[Matter]:
        """A person's matters that are not closed, with their agency references."""
        rows = (await self._conn.execute(sa.select(t.matters).where(
            t.matters.c.person_id == person_id, t.matters.c.closed.is_(False)))).all()
        matters = []
        for row in rows:
            refs = (await self._conn.execute(sa.select(t.matter_refs).where(t.matter_refs.c.matter_id == row.matter_id)
                                             .order_by(t.matter_refs.c.received_at))).all()
            matters.append(Matter(matter_id=row.matter_id, person_id=row.person_id, field=row.field,
                                  refs=[MatterRef(r.agency_kind, r.agency_code, r.agency_case_ref, r.notice_key,
                                                  r.received_at, r.summary) for r in refs],
                                  closed=row.closed))
        return matters

    async def case_of(self, matter_id: str) -> str | None:
        return (await self._conn.execute(
            sa.select(t.matters.c.case_id).where(t.matters.c.matter_id == matter_id))).scalar_one_or_none()

    async def add(self, person_id: str, field: str, case_id: str | None, *, matter_id: str | None = None) -> str:
        matter_id = matter_id or str(uuid.uuid4())
        await self._conn.execute(sa.insert(t.matters), dict(
            matter_id=matter_id, person_id=person_id, field=field, closed=False, case_id=case_id))
        return matter_id

    async def link_case(self, matter_id: str, case_id: str) -> None:
        await self._conn.execute(sa.update(t.matters).where(t.matters.c.matter_id == matter_id).values(case_id=case_id))

    async def add_ref(self, matter_id: str, ref: MatterRef) -> None:
        await self._conn.execute(sa.insert(t.matter_refs), dict(
            matter_id=matter_id, agency_kind=str(ref.agency_kind), agency_code=ref.agency_code,
            agency_case_ref=ref.agency_case_ref, notice_key=ref.notice_key, received_at=ref.received_at,
            summary=ref.summary))


class ReviewRepository:
    """Duplicate-person suspicions waiting for staff."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, *, person_id: str, candidate_person_id: str, notice_key: str, score: float, rule: str,
                  reasons: list[str]) -> None:
        await self._conn.execute(sa.insert(t.duplicate_reviews).values(
            review_id=str(uuid.uuid4()), person_id=person_id, candidate_person_id=candidate_person_id,
            notice_key=notice_key, score=score, rule=rule, reasons=reasons, status="pending", created_at=utcnow()))


    async def decide(self, review_id: str, *, same: bool, by: str) -> bool:
        """Settle a pending review; when it is the same person, fold the new record into the old one."""
        r = t.duplicate_reviews
        row = (await self._conn.execute(sa.select(r).where(r.c.review_id == review_id, r.c.status == "pending")
                                        .with_for_update())).one_or_none()
        if row is None:
            return False
        if same:
            for table in (t.notices, t.cases, t.matters, t.missed_beneficiaries, t.requests):
                await self._conn.execute(sa.update(table).where(table.c.person_id == row.person_id)
                                         .values(person_id=row.candidate_person_id))
            keys = (await self._conn.execute(sa.select(t.person_keys.c.key)
                                             .where(t.person_keys.c.person_id == row.person_id))).scalars().all()
            for key in keys:
                await self._conn.execute(insert_ignoring_conflicts(self._conn, t.person_keys).values(
                    key=key, person_id=row.candidate_person_id))
            await self._conn.execute(sa.delete(t.person_keys).where(t.person_keys.c.person_id == row.person_id))
        await self._conn.execute(sa.update(r).where(r.c.review_id == review_id).values(
            status="same" if same else "different", decided_by=by, decided_at=utcnow()))
        return True


class MissedRepository:
    """People entitled to legal aid the center would otherwise miss, with their follow-up."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, *, missed_id: str, notice_key: str, person_id: str, agency_code: str, reason: str,
                  explanation: str, groups: list[str], detected_at: datetime) -> bool:
        """Record a missed beneficiary once per notice; False when already recorded."""
        result = await self._conn.execute(insert_ignoring_conflicts(self._conn, t.missed_beneficiaries).values(
            missed_id=missed_id, notice_key=notice_key, person_id=person_id, agency_code=agency_code, reason=reason,
            explanation=explanation, groups=groups, detected_at=detected_at, status="open"))
        return result.rowcount == 1

    async def close(self, missed_id: str, *, outcome: str, by: str) -> bool:
        """Record the follow-up (visit, explanation of the right, what the person chose)."""
        m = t.missed_beneficiaries
        result = await self._conn.execute(sa.update(m).where(m.c.missed_id == missed_id, m.c.status == "open")
                                          .values(status="done", outcome=outcome, closed_by=by, closed_at=utcnow()))
        return result.rowcount == 1

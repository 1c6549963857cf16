"""Read-side queries behind the staff UI and the intake HTTP API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.intake.adapters import tables as t
from services.intake.domain.cases import CaseStatus
from services.intake.domain.matching import normalise_name


@dataclass(frozen=True)
class CasePage:
    rows: list[dict]
    total: int
    page: int
    pages: int


def _case_rows():
    """The case register joined with the names staff read (commune, branch, officer, agency)."""
    c = t.cases
    return (
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
    )


async def performers_of(engine: AsyncEngine, case_ids: Iterable[str]) -> dict[str, frozenset[str]]:
    """The officers who perform or performed each case (a case nobody performed is missing)."""
    wanted = list(dict.fromkeys(i for i in case_ids if i))
    found: dict[str, set[str]] = {}
    p = t.case_performers
    async with engine.connect() as conn:
        for start in range(0, len(wanted), 500):  # bounded IN lists
            rows = await conn.execute(sa.select(p.c.case_id, p.c.officer_id)
                                      .where(p.c.case_id.in_(wanted[start:start + 500])))
            for case_id, officer_id in rows:
                found.setdefault(case_id, set()).add(officer_id)
    return {case_id: frozenset(officers) for case_id, officers in found.items()}


async def list_cases_where(engine: AsyncEngine, *conditions) -> list[dict]:
    """Cases matching conditions, with names resolved."""
    async with engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(_case_rows().where(*conditions))).mappings().all()]


async def list_cases(engine: AsyncEngine, *, status: str | None, branch: str | None, page: int, size: int,
                     search: str | None = None, every_name: bool = True,
                     names_of_officer: str | None = None) -> CasePage:
    """A filtered page of the case register, newest first, with names resolved for display.

    `search` matches a register number (prefix) or the person's name without diacritics, every
    word of it in any order. Unless `every_name`, a name matches only in the cases `names_of_officer`
    performs or performed, so that a search does not tell an officer who else the center helps.
    """
    c = t.cases
    conditions = []
    if search and search.strip():
        text = search.strip()
        if any(ch.isdigit() for ch in text):
            # A register number: a range on its unique index instead of a scan.
            conditions.append(sa.and_(c.c.register_no >= text, c.c.register_no < text + "\uffff"))
        else:
            conditions.extend(c.c.name_key.contains(word, autoescape=True) for word in normalise_name(text).split())
            if not every_name:
                performed = t.case_performers
                conditions.append(c.c.case_id.in_(sa.select(performed.c.case_id).where(
                    performed.c.officer_id == names_of_officer)) if names_of_officer else sa.false())
    if status:
        conditions.append(c.c.status == status)
    if branch:
        conditions.append(c.c.branch_code == branch)
    query = _case_rows().where(*conditions).order_by(c.c.opened_at.desc(), c.c.register_no.desc())
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


async def inbox_counts(engine: AsyncEngine) -> dict[str, int]:
    """What waits for staff: urgent unassigned cases, flagged notices, duplicates, missed people, rejections."""
    c, n = t.cases, t.notices
    waiting = (c.c.officer_id.is_(None), c.c.status != CaseStatus.CLOSED)  # a case closed unassigned waits no more
    async with engine.connect() as conn:
        async def count(table, *where) -> int:
            return (await conn.execute(sa.select(sa.func.count()).select_from(table).where(*where))).scalar_one()

        return {
            "urgent_unassigned": await count(c, c.c.urgent.is_(True), *waiting),
            "unassigned": await count(c, *waiting),
            "flagged_notices": await count(n, sa.or_(n.c.agency_known.is_(False), n.c.commune_known.is_(False))),
            "duplicates_pending": await count(t.duplicate_reviews, t.duplicate_reviews.c.status == "pending"),
            "missed_open": await count(t.missed_beneficiaries, t.missed_beneficiaries.c.status == "open"),
            "rejected": await count(t.rejected_notices),
        }


async def flagged_notices(engine: AsyncEngine, limit: int = 200) -> list[dict]:
    """Notices whose agency or commune code is missing from reference data, waiting to be mapped."""
    n = t.notices
    query = (sa.select(n.c.agency_code, n.c.notice_id, n.c.agency_name, n.c.agency_kind, n.c.agency_known,
                       n.c.commune_code, n.c.commune_known, n.c.full_name, n.c.received_at)
             .where(sa.or_(n.c.agency_known.is_(False), n.c.commune_known.is_(False)))
             .order_by(n.c.received_at.desc()).limit(limit))
    async with engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(query)).mappings().all()]


async def list_missed(engine: AsyncEngine, status: str | None = "open", limit: int = 200) -> list[dict]:
    """Missed beneficiaries with the person and agency, oldest first (they wait longest)."""
    m = t.missed_beneficiaries
    query = (sa.select(m, t.persons.c.full_name, t.persons.c.birth_date, t.persons.c.commune_code,
                       t.agencies.c.name.label("agency_name"))
             .select_from(m.join(t.persons, t.persons.c.person_id == m.c.person_id)
                          .outerjoin(t.agencies, t.agencies.c.code == m.c.agency_code))
             .order_by(m.c.detected_at).limit(limit))
    if status:
        query = query.where(m.c.status == status)
    async with engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(query)).mappings().all()]


async def list_duplicate_reviews(engine: AsyncEngine, limit: int = 100) -> list[dict]:
    """Pending 'same person?' questions, with both records side by side."""
    r, p = t.duplicate_reviews, t.persons
    new, old = p.alias("new"), p.alias("old")
    query = (sa.select(r, *(new.c[k].label(f"new_{k}") for k in ("full_name", "birth_date", "national_id",
                                                                  "commune_code", "gender")),
                       *(old.c[k].label(f"old_{k}") for k in ("full_name", "birth_date", "national_id",
                                                               "commune_code", "gender")))
             .select_from(r.join(new, new.c.person_id == r.c.person_id)
                          .join(old, old.c.person_id == r.c.candidate_person_id))
             .where(r.c.status == "pending").order_by(r.c.created_at).limit(limit))
    async with engine.connect() as conn:
        return [dict(row) for row in (await conn.execute(query)).mappings().all()]


async def case_file(engine: AsyncEngine, case_id: str) -> dict | None:
    """One case with its notices, agency references across stages, eligibility and progress notes
    (newest first), for the case page."""
    page = await list_cases_where(engine, t.cases.c.case_id == case_id)
    if not page:
        return None
    case = page[0]
    async with engine.connect() as conn:
        case["notices"] = [dict(r) for r in (await conn.execute(
            sa.select(t.notices.c.agency_code, t.notices.c.notice_id, t.notices.c.agency_name, t.notices.c.revision,
                      t.notices.c.sent_at, t.notices.c.request_received_at, t.notices.c.late,
                      t.notices.c.eligibility)
            .where(t.notices.c.case_id == case_id).order_by(t.notices.c.sent_at))).mappings().all()]
        case["refs"] = [dict(r) for r in (await conn.execute(
            sa.select(t.matter_refs).where(t.matter_refs.c.matter_id == case["matter_id"])
            .order_by(t.matter_refs.c.received_at))).mappings().all()] if case.get("matter_id") else []
        progress, users = t.case_progress, t.staff_users
        case["progress"] = [dict(r) for r in (await conn.execute(
            sa.select(progress, users.c.full_name.label("recorded_by_name"))
            .select_from(progress.outerjoin(users, users.c.username == progress.c.recorded_by))
            .where(progress.c.case_id == case_id)
            .order_by(progress.c.done_on.desc(), progress.c.recorded_at.desc()))).mappings().all()]
        case["closed_by_name"] = None
        if case.get("closed_by"):
            case["closed_by_name"] = (await conn.execute(
                sa.select(users.c.full_name).where(users.c.username == case["closed_by"]))).scalar_one_or_none()
    return case

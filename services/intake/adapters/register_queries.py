"""Read-side queries behind the staff UI and the intake HTTP API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.intake.adapters import tables as t
from services.intake.domain.cases import CaseStatus
from services.intake.domain.matching import normalise_name
from services.runtime.database import reading


#: The register counts matching cases up to this many; beyond, it says "more than" (an exact count over
#: a million cases would cost more than the page itself). A name search matching more than NAME_COUNT_CAP
#: cases is not finding a person: it says so at once.
COUNT_CAP = 10_000
NAME_COUNT_CAP = 1_000
#: On SQLite the name index finds the cases of a name search that match at most this many (one row
#: read each); more common names are checked along the register's own index instead (see _name_match).
FTS_LEADS_UP_TO = 5_000
#: Newest first; the register number orders cases opened at the same moment.
REGISTER_ORDER = (t.cases.c.opened_at.desc(), t.cases.c.register_no.desc())


@dataclass(frozen=True)
class CasePage:
    rows: list[dict]
    total: int  # exact, or the cap when more cases match (`exact` False)
    page: int
    pages: int | None  # None when the total is not exact
    exact: bool = True
    has_next: bool = False


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
    async with reading(engine) as conn:
        for start in range(0, len(wanted), 500):  # bounded IN lists
            rows = await conn.execute(sa.select(p.c.case_id, p.c.officer_id)
                                      .where(p.c.case_id.in_(wanted[start:start + 500])))
            for case_id, officer_id in rows:
                found.setdefault(case_id, set()).add(officer_id)
    return {case_id: frozenset(officers) for case_id, officers in found.items()}


async def list_cases_where(engine: AsyncEngine, *conditions) -> list[dict]:
    """Cases matching conditions, with names resolved."""
    async with reading(engine) as conn:
        return [dict(r) for r in (await conn.execute(_case_rows().where(*conditions))).mappings().all()]


async def list_cases(engine: AsyncEngine, *, status: str | None, branch: str | None, page: int, size: int,
                     search: str | None = None, every_name: bool = True, names_of_officer: str | None = None,
                     field: str | None = None, officer: str | None = None, opened_since: datetime | None = None,
                     opened_before: datetime | None = None) -> CasePage:
    """A filtered page of the case register, newest first, with names resolved for display.

    `search` matches a register number (prefix) or the person's name without diacritics: every word typed
    begins a word of the name, in any order. Unless `every_name`, a name matches only in the cases
    `names_of_officer` performs or performed, so that a search does not tell an officer who else the center
    helps. `opened_since` (inclusive) and `opened_before` (exclusive) bound the opening time. The total is
    exact up to COUNT_CAP matching cases (NAME_COUNT_CAP in a name search).
    """
    c = t.cases
    conditions = [column == value for column, value in ((c.c.status, status), (c.c.branch_code, branch),
                                                        (c.c.field, field), (c.c.officer_id, officer)) if value]
    if opened_since is not None:
        conditions.append(c.c.opened_at >= opened_since)
    if opened_before is not None:
        conditions.append(c.c.opened_at < opened_before)
    cap, name = COUNT_CAP, None
    async with reading(engine) as conn:
        text = (search or "").strip()
        if text and any(ch.isdigit() for ch in text):
            # A register number: a range on its unique index instead of a scan.
            conditions.append(sa.and_(c.c.register_no >= text, c.c.register_no < text + "\uffff"))
        elif words := search_words(text):
            cap, name = NAME_COUNT_CAP, await _name_match(conn, words)
            conditions.append(name.condition)
            if not every_name:
                performed = t.case_performers
                conditions.append(sa.exists().where(performed.c.case_id == c.c.case_id,
                                                    performed.c.officer_id == names_of_officer)
                                  if names_of_officer else sa.false())

        def matching(*columns):
            query = sa.select(*columns).select_from(c).where(*conditions)
            # Led by the name index: each case it found read by rowid, no index of the register walked.
            return query.with_hint(c, "NOT INDEXED", dialect_name="sqlite") if name and name.leads else query

        if name is not None and name.hits is not None and len(conditions) == 1:
            counted = name.hits
        else:
            counted = (await conn.execute(sa.select(sa.func.count()).select_from(
                matching(sa.literal(1)).limit(cap + 1).subquery()))).scalar_one()
        exact = counted <= cap
        pages = max(1, -(-counted // size)) if exact else None
        page = min(max(page, 1), pages) if pages else max(page, 1)
        # The page's cases first (along one index, rarely reading a case), then only they are joined with
        # the names shown.
        ids = list((await conn.execute(matching(c.c.case_id).order_by(*REGISTER_ORDER)
                                       .limit(size + 1).offset((page - 1) * size))).scalars())
        rows = {r["case_id"]: dict(r) for r in (await conn.execute(
            _case_rows().where(c.c.case_id.in_(ids[:size])))).mappings()} if ids else {}
    return CasePage(rows=[rows[i] for i in ids[:size]], total=min(counted, cap), page=page, pages=pages,
                    exact=exact, has_next=len(ids) > size)


def search_words(text: str) -> list[str]:
    """The words of a name search as they are matched: without diacritics, letters and digits only."""
    return [w for w in ("".join(ch for ch in word if ch.isalnum()) for word in normalise_name(text).split()) if w]


@dataclass(frozen=True)
class NameMatch:
    condition: sa.ColumnElement
    hits: int | None = None  # how many cases have the name (capped), when the index said
    leads: bool = False  # the name index finds the cases; nothing else should


async def _name_match(conn: AsyncConnection, words: list[str]) -> NameMatch:
    """The condition "every word begins a word of the name", answered by the name index of the backend."""
    c = t.cases
    if conn.dialect.name == "postgresql":
        query = " & ".join(f"{w}:*" for w in words)
        return NameMatch(sa.func.to_tsvector(sa.literal_column("'simple'::regconfig"), c.c.name_key).op("@@")(
            sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), query)))
    # SQLite: the FTS5 index (case_names) says which cases have the name. SQLite's planner cannot weigh it
    # against the register's indexes, so this decides: up to FTS_LEADS_UP_TO cases, they are read by rowid
    # and nothing else is walked; a more common name (then at least one case in 200 has it) is checked
    # along the register's index in order instead (each carries name_key), which finds a page at once.
    found = list((await conn.execute(sa.text(
        "SELECT rowid FROM case_names WHERE case_names MATCH :names LIMIT :cap"),
        {"names": " AND ".join(f'"{w}"*' for w in words),
         "cap": max(FTS_LEADS_UP_TO, NAME_COUNT_CAP) + 1})).scalars())  # so that len(found) counts them
    if len(found) <= FTS_LEADS_UP_TO:
        return NameMatch(sa.literal_column("cases.rowid").in_(found), len(found), True)
    return NameMatch(sa.and_(*(sa.or_(c.c.name_key.startswith(w, autoescape=True),
                                      c.c.name_key.contains(f" {w}", autoescape=True)) for w in words)),
                     len(found))


async def list_branches(engine: AsyncEngine) -> list[dict]:
    """The center's branches, head office first."""
    async with reading(engine) as conn:
        rows = (await conn.execute(
            sa.select(t.branches).order_by(t.branches.c.is_head_office.desc(), t.branches.c.code)
        )).mappings().all()
    return [dict(r) for r in rows]


async def list_officers(engine: AsyncEngine) -> list[dict]:
    """The officers intake knows (assignment's roster), by branch and name, for the register's filter."""
    o = t.officers
    async with reading(engine) as conn:
        rows = (await conn.execute(sa.select(o).order_by(o.c.branch_code, o.c.full_name))).mappings().all()
    return [dict(r) for r in rows]


async def list_rejected(engine: AsyncEngine, limit: int = 200) -> list[dict]:
    """Rejected notices, newest first, with their reasons."""
    r = t.rejected_notices
    async with reading(engine) as conn:
        rows = (await conn.execute(sa.select(r).order_by(r.c.received_at.desc()).limit(limit))).mappings().all()
    return [dict(row) for row in rows]


async def inbox_counts(engine: AsyncEngine) -> dict[str, int]:
    """What waits for staff: urgent unassigned cases, flagged notices, duplicates, missed people, rejections."""
    c, n = t.cases, t.notices
    waiting = (c.c.officer_id.is_(None), c.c.status != CaseStatus.CLOSED)  # a case closed unassigned waits no more
    async with reading(engine) as conn:
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
    async with reading(engine) as conn:
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
    async with reading(engine) as conn:
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
    async with reading(engine) as conn:
        return [dict(row) for row in (await conn.execute(query)).mappings().all()]


async def case_file(engine: AsyncEngine, case_id: str) -> dict | None:
    """One case with its notices, agency references across stages, eligibility and progress notes
    (newest first), for the case page."""
    page = await list_cases_where(engine, t.cases.c.case_id == case_id)
    if not page:
        return None
    case = page[0]
    async with reading(engine) as conn:
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

"""Every query of the intake service lives here."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.adapters import tables as t
from services.intake.domain.cases import Case, CaseStatus, Closure, ProgressNote
from services.intake.domain.matching import normalise_name
from services.runtime.unit_of_work import insert_ignoring_conflicts
from shared.external import ReferralNotice
from shared.vocabulary import AidForm, CaseOutcome, RequestChannel

#: Case attributes stored in a column of the same name (the closing record is spread over `closure_*`).
_CASE_COLUMNS = tuple(f.name for f in fields(Case) if f.name != "closure")
_CLOSURE_COLUMNS = ("status", "closure_outcome", "closure_result", "closure_ground", "transferred_to",
                    "closure_note", "closed_on", "closed_at", "closed_by")


class CaseStale(Exception):
    """Another closing of the same case committed first."""


def _case_row(case: Case) -> dict:
    row = {name: getattr(case, name) for name in _CASE_COLUMNS}
    row["channel"], row["form"] = case.channel.value, case.form.value
    closure = case.closure
    row.update(closure_outcome=closure.outcome.value if closure else None,
               closure_result=closure.result if closure else None,
               closure_ground=closure.ground if closure else None,
               transferred_to=closure.transferred_to if closure else None,
               closure_note=closure.note if closure else None,
               closed_on=closure.closed_on if closure else None)
    return row


def _case_entity(row) -> Case:
    values = row._mapping
    case = Case(**{name: values[name] for name in _CASE_COLUMNS if name != "name_key"})
    case.channel, case.form = RequestChannel(case.channel), AidForm(case.form)
    if values["closure_outcome"] is not None:
        case.closure = Closure(outcome=CaseOutcome(values["closure_outcome"]), closed_on=values["closed_on"],
                               note=values["closure_note"] or "", result=values["closure_result"],
                               ground=values["closure_ground"], transferred_to=values["transferred_to"])
    return case


class ReferenceRepository:
    """Branches, communes and agencies the center knows. A repository lives for one transaction (a
    fetched batch of notices shares one): what it looked up is kept until it writes reference data."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._kept: dict[tuple[str, str], object] = {}

    async def branch_of_commune(self, commune_code: str | None) -> str | None:
        if commune_code is None:
            return None
        if ("commune", commune_code) not in self._kept:
            self._kept["commune", commune_code] = (await self._conn.execute(
                sa.select(t.communes.c.branch_code).where(t.communes.c.code == commune_code)
            )).scalar_one_or_none()
        return self._kept["commune", commune_code]  # type: ignore[return-value]

    async def agency_known(self, code: str) -> bool:
        if ("agency", code) not in self._kept:
            self._kept["agency", code] = (await self._conn.execute(
                sa.select(sa.func.count()).select_from(t.agencies).where(t.agencies.c.code == code)
            )).scalar_one() > 0
        return self._kept["agency", code]  # type: ignore[return-value]

    async def upsert(self, table: sa.Table, rows: list[dict], key: str) -> None:
        """Insert or update reference rows by their key."""
        self._kept.clear()
        for row in rows:
            updated = await self._conn.execute(
                sa.update(table).where(table.c[key] == row[key]).values(**row)
            )
            if updated.rowcount == 0:
                await self._conn.execute(sa.insert(table).values(**row))


    async def map_commune(self, code: str, name: str, branch_code: str) -> None:
        """Add a commune staff mapped; notices and cases waiting on it learn their branch."""
        await self.upsert(t.communes, [{"code": code, "name": name, "branch_code": branch_code}], key="code")
        await self._conn.execute(sa.update(t.notices).where(t.notices.c.commune_code == code)
                                 .values(commune_known=True))
        await self._conn.execute(sa.update(t.cases).where(t.cases.c.commune_code == code,
                                                          t.cases.c.branch_code.is_(None))
                                 .values(branch_code=branch_code))

    async def map_agency(self, code: str, kind: str, name: str) -> None:
        """Add an agency staff mapped; its waiting notices are no longer flagged."""
        await self.upsert(t.agencies, [{"code": code, "kind": kind, "name": name}], key="code")
        await self._conn.execute(sa.update(t.notices).where(t.notices.c.agency_code == code)
                                 .values(agency_known=True))


#: Statements of every notice, built once: executing a built statement with its parameters skips
#: building it and computing its cache key again (a third of intake's time per notice, measured).
_STORED_REVISION = sa.select(t.notices.c.revision).where(
    t.notices.c.agency_code == sa.bindparam("agency_code"), t.notices.c.notice_id == sa.bindparam("notice_id"))
_LINK_NOTICE = sa.update(t.notices).where(
    t.notices.c.agency_code == sa.bindparam("key_agency_code"), t.notices.c.notice_id == sa.bindparam("key_notice_id"),
).values(case_id=sa.bindparam("case_id"))


class NoticeRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def stored_revision(self, agency_code: str, notice_id: str) -> int | None:
        return (await self._conn.execute(
            _STORED_REVISION, {"agency_code": agency_code, "notice_id": notice_id})).scalar_one_or_none()

    async def save(self, notice: ReferralNotice, *, received_at: datetime, late: bool, agency_known: bool,
                   commune_known: bool, new: bool, person_id: str | None = None,
                   eligibility: dict | None = None) -> None:
        values = dict(
            revision=notice.revision, agency_kind=notice.agency.kind.value, agency_name=notice.agency.name,
            agency_known=agency_known, sent_at=notice.sent_at, request_received_at=notice.request_received_at,
            received_at=received_at, late=late, wants_legal_aid=notice.wants_legal_aid,
            full_name=notice.person.full_name, commune_code=notice.person.commune_code,
            commune_known=commune_known, body=notice.model_dump(mode="json"), person_id=person_id,
            eligibility=eligibility,
        )
        if new:
            await self._conn.execute(sa.insert(t.notices), dict(
                agency_code=notice.agency.code, notice_id=notice.notice_id, stale_deliveries=0, **values))
        else:
            await self._conn.execute(sa.update(t.notices).where(
                t.notices.c.agency_code == notice.agency.code, t.notices.c.notice_id == notice.notice_id,
            ).values(**values))

    async def record_stale(self, agency_code: str, notice_id: str) -> None:
        await self._conn.execute(sa.update(t.notices).where(
            t.notices.c.agency_code == agency_code, t.notices.c.notice_id == notice_id,
        ).values(stale_deliveries=t.notices.c.stale_deliveries + 1))

    async def link_case(self, agency_code: str, notice_id: str, case_id: str) -> None:
        await self._conn.execute(_LINK_NOTICE, {"key_agency_code": agency_code, "key_notice_id": notice_id,
                                                "case_id": case_id})

    async def keep_inbound(self, *, message_key: str, subject: str, headers: dict[str, str], payload: bytes,
                           received_at: datetime) -> None:
        """Keep a referral message as it arrived, so `tgpl republish` can send it again."""
        await self._conn.execute(insert_ignoring_conflicts(self._conn, t.inbound_messages), dict(
            message_key=message_key, msg_id=headers.get("Nats-Msg-Id"), subject=subject, headers=headers,
            payload=payload, received_at=received_at))

    async def add_rejection(self, *, rejection_id: str, message_key: str, agency_code: str | None,
                            notice_id: str | None, received_at: datetime, errors: list[dict], payload: bytes) -> bool:
        """Keep a rejected notice with its reasons; False when this message was already kept."""
        result = await self._conn.execute(insert_ignoring_conflicts(self._conn, t.rejected_notices).values(
            id=rejection_id, message_key=message_key, agency_code=agency_code, notice_id=notice_id,
            received_at=received_at, errors=errors, payload=payload))
        return result.rowcount == 1


_LINK_MATTER = sa.update(t.cases).where(t.cases.c.case_id == sa.bindparam("key_case_id")).values(
    person_id=sa.bindparam("person_id"), matter_id=sa.bindparam("matter_id"))


#: A new assignment answers a pending change-of-performer application; a closed case stays closed.
#: An older decision arriving after a newer one (a replay by `tgpl republish`) changes nothing.
_RECORD_ASSIGNMENT = sa.update(t.cases).where(
    t.cases.c.case_id == sa.bindparam("key_case_id"),
    sa.or_(t.cases.c.assigned_at.is_(None), t.cases.c.assigned_at <= sa.bindparam("assigned_at"))).values(
    officer_id=sa.bindparam("officer_id"), assigned_at=sa.bindparam("assigned_at"),
    assignment_reason=sa.bindparam("assignment_reason"),
    status=sa.case((t.cases.c.status == CaseStatus.CLOSED, CaseStatus.CLOSED), else_=CaseStatus.ASSIGNED),
    performer_change_due=sa.case(
        (sa.and_(t.cases.c.performer_change_requested_at.is_not(None),
                 t.cases.c.performer_change_requested_at < sa.bindparam("assigned_at")), None),
        else_=t.cases.c.performer_change_due))


class CaseRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def next_register_number(self, year: int) -> int:
        """The next number in the year's case register (the update holds the counter's row until commit)."""
        counter = t.register_counters
        taken = (await self._conn.execute(
            sa.update(counter).where(counter.c.year == year).values(last_no=counter.c.last_no + 1)
            .returning(counter.c.last_no))).scalar_one_or_none()
        if taken is None:
            await self._conn.execute(sa.insert(counter).values(year=year, last_no=1))
            return 1
        return taken

    async def add(self, case: Case, *, person_id: str | None = None, matter_id: str | None = None) -> None:
        await self._conn.execute(sa.insert(t.cases), _case_row(case) | {"person_id": person_id, "matter_id": matter_id})

    async def get(self, case_id: str, *, for_update: bool = False) -> Case | None:
        """One case; `for_update` holds its row until the unit of work ends (PostgreSQL)."""
        query = sa.select(t.cases).where(t.cases.c.case_id == case_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).one_or_none()
        return _case_entity(row) if row is not None else None

    async def record_closure(self, case: Case) -> None:
        """Save the closing record, only if nobody closed the case since it was read."""
        row = _case_row(case)
        result = await self._conn.execute(
            sa.update(t.cases).where(t.cases.c.case_id == case.case_id, t.cases.c.status != CaseStatus.CLOSED)
            .values(**{name: row[name] for name in _CLOSURE_COLUMNS}))
        if result.rowcount != 1:
            raise CaseStale(case.case_id)

    async def add_progress(self, note: ProgressNote) -> None:
        """Keep a progress note in the case file."""
        await self._conn.execute(sa.insert(t.case_progress).values(
            note_id=note.note_id, case_id=note.case_id, done_on=note.done_on, text=note.text,
            recorded_by=note.recorded_by, recorded_at=note.recorded_at))

    async def apply_revision(self, notice: ReferralNotice) -> None:
        """Carry a corrected notice's person and summary over to the case it opened."""
        await self._conn.execute(sa.update(t.cases).where(
            t.cases.c.notice_agency_code == notice.agency.code, t.cases.c.notice_id == notice.notice_id,
        ).values(full_name=notice.person.full_name, name_key=normalise_name(notice.person.full_name),
                 birth_date=notice.person.birth_date, national_id=notice.person.national_id,
                 summary=notice.case.summary))

    async def link_matter(self, case_id: str, person_id: str, matter_id: str) -> None:
        await self._conn.execute(_LINK_MATTER, {"key_case_id": case_id, "person_id": person_id, "matter_id": matter_id})

    async def record_assignment(self, case_id: str, officer_id: str, assigned_at: datetime, reason: str) -> None:
        await self._conn.execute(_RECORD_ASSIGNMENT, {"key_case_id": case_id, "officer_id": officer_id,
                                                      "assigned_at": assigned_at, "assignment_reason": reason})

    async def add_performers(self, case_id: str, officer_ids: list[str | None], since: datetime) -> None:
        """Remember officers as performers of a case, now or before; one already known keeps its date."""
        rows = [{"case_id": case_id, "officer_id": o, "since": since} for o in dict.fromkeys(o for o in officer_ids if o)]
        if rows:
            await self._conn.execute(insert_ignoring_conflicts(self._conn, t.case_performers), rows)

    async def request_performer_change(self, case_id: str, *, at: datetime, reason: str, due: datetime) -> str | None:
        """Record the beneficiary's application; returns the current officer, None if no such case."""
        row = (await self._conn.execute(sa.select(t.cases.c.officer_id).where(t.cases.c.case_id == case_id))).one_or_none()
        if row is None:
            return None
        await self._conn.execute(sa.update(t.cases).where(t.cases.c.case_id == case_id).values(
            performer_change_requested_at=at, performer_change_reason=reason, performer_change_due=due))
        return row.officer_id or ""

    async def record_assignment_failure(self, case_id: str, reason: str, at: datetime) -> None:
        # Not over the reason of a later assignment (an old failure replayed by `tgpl republish`).
        await self._conn.execute(sa.update(t.cases).where(
            t.cases.c.case_id == case_id,
            sa.or_(t.cases.c.assigned_at.is_(None), t.cases.c.assigned_at <= at)).values(assignment_reason=reason))

    async def upsert_officer(self, officer_id: str, full_name: str, branch_code: str, is_leader: bool) -> None:
        values = dict(full_name=full_name, branch_code=branch_code, is_leader=is_leader)
        updated = await self._conn.execute(
            sa.update(t.officers).where(t.officers.c.officer_id == officer_id).values(**values))
        if updated.rowcount == 0:
            await self._conn.execute(sa.insert(t.officers).values(officer_id=officer_id, **values))

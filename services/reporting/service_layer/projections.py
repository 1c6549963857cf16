"""Events become rows of the read models: one pure projection per event type.

Every write is idempotent and commutative: a row is inserted if absent, or updated only when the
incoming row is newer by a named column (a notice's revision, a roster entry's time, a case's
latest decision). So one event applied twice, or two events applied in either order, leave the
same rows; that is what lets the live consumers and `tgpl rebuild reporting` apply events in
batches, grouped by statement, and lets a rebuild run beside the live consumers.

Each fact that counts in a report also names the month of its business time, which is marked
dirty in the same transaction (see `scheduling`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.adapters import tables as t
from shared import events as ev


@dataclass(frozen=True)
class Write:
    """One row for one read-model table.

    `update` names the columns a conflicting row takes over; empty means insert-if-absent.
    `newer` names the column that must be greater (or still unset) in the stored row for the
    update to happen; None updates unconditionally (only for columns no other event sets).
    """

    table: sa.Table
    row: dict
    update: tuple[str, ...] = ()
    newer: str | None = None


@dataclass
class Projection:
    """What one event changes: rows to write, and the business times whose months are dirty."""

    writes: list[Write] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)


def _groups(e: ev.NoticeReceived) -> list[str]:
    return sorted(set(e.established_groups or e.claimed_groups))


def notice_received(e: ev.NoticeReceived) -> Projection:
    row = dict(notice_key=e.notice_key, revision=e.revision, agency_code=e.agency_code, sent_at=e.sent_at,
               late=e.late, wants_legal_aid=e.wants_legal_aid, commune_code=e.commune_code, field=e.field.value,
               gender=e.gender.value, groups=_groups(e), entitled=e.entitled, person_id=e.person_id)
    # A corrected notice (higher revision) replaces the earlier one: it counts once, by its own time.
    return Projection([Write(t.rm_notices, row, update=tuple(k for k in row if k != "notice_key"), newer="revision")],
                      [e.sent_at])


def notice_rejected(e: ev.NoticeRejected) -> Projection:
    # A rejected notice counts by its arrival time: its own time may be unreadable.
    return Projection([Write(t.rm_rejections, dict(rejection_id=e.rejection_id, agency_code=e.agency_code,
                                                   at=e.received_at))], [e.received_at])


def missed_beneficiary(e: ev.MissedBeneficiaryDetected) -> Projection:
    return Projection([Write(t.rm_missed, dict(missed_id=e.missed_id, agency_code=e.agency_code, reason=e.reason,
                                               at=e.occurred_at, notice_key=e.notice_key, person_id=e.person_id,
                                               groups=sorted(set(e.groups))))], [e.occurred_at])


def case_opened(e: ev.CaseOpened) -> Projection:
    return Projection([Write(t.rm_cases, dict(
        case_id=e.case_id, opened_at=e.occurred_at, field=e.field.value, commune_code=e.commune_code,
        gender=e.gender.value, groups=sorted(set(e.groups)), agency_code=e.agency_code, form=e.form.value,
        branch_code=e.branch_code, person_id=e.person_id, channel=e.channel.value))], [e.occurred_at])


def request_refused(e: ev.RequestRefused) -> Projection:
    return Projection([Write(t.rm_refusals, dict(request_id=e.request_id, agency_code=e.agency_code,
                                                 at=e.occurred_at))], [e.occurred_at])


def case_closed(e: ev.CaseClosed) -> Projection:
    return Projection([
        Write(t.rm_closures, dict(case_id=e.case_id, at=e.occurred_at, outcome=e.outcome, officer_id=e.officer_id)),
        # The holder's row learns the closing whether or not the assignment arrived yet.
        Write(t.rm_assignments, dict(case_id=e.case_id, closed_at=e.occurred_at), update=("closed_at",)),
    ], [e.occurred_at])


def case_assigned(e: ev.CaseAssigned) -> Projection:
    return Projection([
        Write(t.rm_decisions, dict(event_id=e.event_id, case_id=e.case_id, officer_id=e.officer_id, kind=e.kind,
                                   is_leader=e.is_leader, decided_by=e.decided_by, at=e.occurred_at)),
        # The latest decision holds the case...
        Write(t.rm_assignments, dict(case_id=e.case_id, officer_id=e.officer_id, decided_at=e.occurred_at,
                                     weight=e.weight), update=("officer_id", "decided_at", "weight"), newer="decided_at"),
        # ...and `at` keeps the first assignment's time, whichever decision arrives first (see _FIRST).
        Write(t.rm_assignments, dict(case_id=e.case_id, at=e.occurred_at), update=("at",)),
    ], [e.occurred_at])


def officer_registered(e: ev.OfficerRegistered) -> Projection:
    row = dict(officer_id=e.officer_id, full_name=e.full_name, is_leader=e.is_leader, quota_target=e.quota_target,
               active=e.active, branch_code=e.branch_code, yearly_target=e.yearly_target,
               target_year=e.target_year, as_of=e.occurred_at)
    return Projection([Write(t.rm_officers, row, update=tuple(k for k in row if k != "officer_id"), newer="as_of")])


def case_evaluated(e: ev.CaseEvaluated) -> Projection:
    return Projection([Write(t.rm_evaluations, dict(case_id=e.case_id, at=e.occurred_at, officer_id=e.officer_id,
                                                    rating=e.rating, method=e.method, successful=e.successful))],
                      [e.occurred_at])


def action_raised(e: ev.CorrectiveActionRaised) -> Projection:
    row = dict(action_id=e.action_id, case_id=e.case_id, criterion=e.criterion, officer_id=e.officer_id,
               due_on=e.due_on, raised_at=e.occurred_at)
    return Projection([Write(t.rm_corrective_actions, row, update=("due_on", "raised_at"))])


def action_closed(e: ev.CorrectiveActionClosed) -> Projection:
    row = dict(action_id=e.action_id, case_id=e.case_id, criterion=e.criterion, officer_id=e.officer_id,
               closed_at=e.occurred_at, late=e.late)
    return Projection([Write(t.rm_corrective_actions, row, update=("closed_at", "late"))])


PROJECTIONS: dict[type[ev.Event], Callable[[ev.Event], Projection]] = {
    ev.NoticeReceived: notice_received,
    ev.NoticeRejected: notice_rejected,
    ev.MissedBeneficiaryDetected: missed_beneficiary,
    ev.CaseOpened: case_opened,
    ev.RequestRefused: request_refused,
    ev.CaseClosed: case_closed,
    ev.CaseAssigned: case_assigned,
    ev.OfficerRegistered: officer_registered,
    ev.CaseEvaluated: case_evaluated,
    ev.CorrectiveActionRaised: action_raised,
    ev.CorrectiveActionClosed: action_closed,
}

#: Columns that keep the earliest value whatever the order of events (the first assignment).
_FIRST = {("rm_assignments", "at")}


def month_of(moment: datetime, tz: ZoneInfo) -> date:
    """The first day of the local month a moment falls in."""
    return moment.astimezone(tz).date().replace(day=1)


#: Statements by dialect and kind of write, built once: building one and its cache key cost more than
#: running it, and at a low rate a transaction writes a single event's rows.
_STATEMENTS: dict[tuple, sa.Insert] = {}


def _statement(conn: AsyncConnection, write: Write):
    key = (conn.dialect.name, write.table.name, write.update, write.newer)
    if (statement := _STATEMENTS.get(key)) is None:
        statement = _STATEMENTS[key] = _build_statement(conn, write)
    return statement


def _build_statement(conn: AsyncConnection, write: Write):
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    table = write.table
    insert = dialect.insert(table)
    keys = [c.name for c in table.primary_key.columns]
    if not write.update:
        return insert.on_conflict_do_nothing(index_elements=keys)
    excluded = insert.excluded
    least = sa.func.min if conn.dialect.name == "sqlite" else sa.func.least
    values = {}
    for name in write.update:
        if (table.name, name) in _FIRST:
            values[name] = sa.func.coalesce(least(table.c[name], excluded[name]), excluded[name], table.c[name])
        else:
            values[name] = excluded[name]
    where = None
    if write.newer is not None:
        column = table.c[write.newer]
        where = sa.or_(column.is_(None), column < excluded[write.newer])
    return insert.on_conflict_do_update(index_elements=keys, set_=values, where=where)


async def apply(conn: AsyncConnection, projections: Iterable[Projection], tz: ZoneInfo) -> int:
    """Write the rows of many projections, one executemany per kind of statement; returns rows."""
    groups: dict[tuple, tuple[Write, list[dict]]] = {}
    months: set[date] = set()
    for projection in projections:
        for write in projection.writes:
            key = (write.table.name, write.update, write.newer, tuple(write.row))
            groups.setdefault(key, (write, []))[1].append(write.row)
        months.update(month_of(moment, tz) for moment in projection.times)
    count = 0
    for write, rows in groups.values():
        await conn.execute(_statement(conn, write), rows)
        count += len(rows)
    if months:
        await mark_dirty(conn, months)
    return count


def _marking_dirty(dialect) -> sa.Insert:
    insert = dialect.insert(t.rm_dirty_months)
    return insert.on_conflict_do_update(index_elements=["month"], set_={"marks": t.rm_dirty_months.c.marks + 1})


_MARK_DIRTY = {"sqlite": _marking_dirty(sqlite), "postgresql": _marking_dirty(postgresql)}


async def mark_dirty(conn: AsyncConnection, months: Iterable[date]) -> None:
    """Mark months whose figures may have changed (bumping their mark counters)."""
    await conn.execute(_MARK_DIRTY[conn.dialect.name], [{"month": m, "marks": 1} for m in sorted(set(months))])

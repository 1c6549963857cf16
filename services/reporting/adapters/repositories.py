"""Every query of the reporting service lives here: read-model upserts and report figures."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.adapters import tables as t
from services.runtime.unit_of_work import insert_ignoring_conflicts


class ReadModelRepository:
    """Facts learnt from events, one row per fact, written idempotently."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, table: sa.Table, **values) -> None:
        """Insert a fact unless it is already known."""
        await self._conn.execute(insert_ignoring_conflicts(self._conn, table).values(**values))

    async def save_notice(self, *, notice_key: str, revision: int, **values) -> None:
        """Insert a notice, or replace it with a higher revision; a notice counts once."""
        stored = (await self._conn.execute(
            sa.select(t.rm_notices.c.revision).where(t.rm_notices.c.notice_key == notice_key))).scalar_one_or_none()
        if stored is None:
            await self._conn.execute(sa.insert(t.rm_notices).values(notice_key=notice_key, revision=revision, **values))
        elif revision > stored:
            await self._conn.execute(sa.update(t.rm_notices).where(t.rm_notices.c.notice_key == notice_key)
                                     .values(revision=revision, **values))

    async def save_action(self, action_id: str, **values) -> None:
        """Insert a corrective action or add what a later event tells of it (its closing)."""
        updated = await self._conn.execute(sa.update(t.rm_corrective_actions)
                                           .where(t.rm_corrective_actions.c.action_id == action_id).values(**values))
        if updated.rowcount == 0:
            await self._conn.execute(sa.insert(t.rm_corrective_actions).values(action_id=action_id, **values))

    async def save_officer(self, officer_id: str, **values) -> None:
        updated = await self._conn.execute(
            sa.update(t.rm_officers).where(t.rm_officers.c.officer_id == officer_id).values(**values))
        if updated.rowcount == 0:
            await self._conn.execute(sa.insert(t.rm_officers).values(officer_id=officer_id, **values))


def _in(column, start: datetime, end: datetime):
    return sa.and_(column >= start, column < end)


class FiguresRepository:
    """Aggregates the read models over a period of business time."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _count(self, table: sa.Table, column, start: datetime, end: datetime, *extra) -> int:
        return (await self._conn.execute(
            sa.select(sa.func.count()).select_from(table).where(_in(column, start, end), *extra))).scalar_one()

    async def figures(self, start: datetime, end: datetime) -> dict:
        """Every figure of EXTERNAL.md §2 for events whose business time is in [start, end)."""
        n = t.rm_notices
        m = t.rm_missed
        totals = {
            "notices_received": await self._count(n, n.c.sent_at, start, end),
            "notices_rejected": await self._count(t.rm_rejections, t.rm_rejections.c.at, start, end),
            "cases_opened": await self._count(t.rm_cases, t.rm_cases.c.opened_at, start, end),
            "requests_refused": await self._count(t.rm_refusals, t.rm_refusals.c.at, start, end),
            "cases_assigned": await self._count(t.rm_assignments, t.rm_assignments.c.at, start, end),
            "cases_closed": await self._count(t.rm_closures, t.rm_closures.c.at, start, end),
            "cases_evaluated": await self._count(t.rm_evaluations, t.rm_evaluations.c.at, start, end),
            "missed_beneficiaries": await self._count(m, m.c.at, start, end),
            "late_notices": await self._count(n, n.c.sent_at, start, end, n.c.late.is_(True)),
        }
        notices_by_agency = {a: (k, int(late or 0)) for a, k, late in (await self._conn.execute(
            sa.select(n.c.agency_code, sa.func.count(), sa.func.sum(sa.case((n.c.late.is_(True), 1), else_=0)))
            .where(_in(n.c.sent_at, start, end)).group_by(n.c.agency_code))).all()}
        missed_by_agency = dict((await self._conn.execute(
            sa.select(m.c.agency_code, sa.func.count()).where(_in(m.c.at, start, end), m.c.agency_code != "")
            .group_by(m.c.agency_code))).all())
        c = t.rm_cases
        commune = sa.func.coalesce(c.c.commune_code, "unknown")
        by_locality = (await self._conn.execute(
            sa.select(commune, sa.func.count(), sa.func.sum(sa.case((c.c.field == "civil", 1), else_=0)))
            .where(_in(c.c.opened_at, start, end)).group_by(commune).order_by(commune))).all()
        by_field = (await self._conn.execute(
            sa.select(c.c.field, sa.func.count()).where(_in(c.c.opened_at, start, end))
            .group_by(c.c.field).order_by(c.c.field))).all()
        groups: Counter[str] = Counter()
        for (case_groups,) in (await self._conn.execute(
                sa.select(c.c.groups).where(_in(c.c.opened_at, start, end)))).all():
            groups.update(set(case_groups or []))
        return {
            "totals": totals,
            "by_agency": [{"agency_code": a, "notices": notices_by_agency.get(a, (0, 0))[0],
                           "late": notices_by_agency.get(a, (0, 0))[1], "missed": missed_by_agency.get(a, 0)}
                          for a in sorted(set(notices_by_agency) | set(missed_by_agency))],
            "by_locality": [{"commune_code": code, "cases_opened": k, "civil_cases_opened": int(civil or 0)}
                            for code, k, civil in by_locality],
            "by_field": [{"field": f, "cases_opened": k} for f, k in by_field],
            "by_group": [{"group": g, "persons": k} for g, k in sorted(groups.items())],
            "officers": await self._officers(start, end),
        }

    async def _officers(self, start: datetime, end: datetime) -> list[dict]:
        a, cl, o = t.rm_assignments, t.rm_closures, t.rm_officers
        assigned = dict((await self._conn.execute(
            sa.select(a.c.officer_id, sa.func.count()).where(_in(a.c.at, start, end)).group_by(a.c.officer_id))).all())
        active = dict((await self._conn.execute(
            sa.select(a.c.officer_id, sa.func.count())
            .select_from(a.outerjoin(cl, sa.and_(cl.c.case_id == a.c.case_id, cl.c.at < end)))
            .where(a.c.at < end, cl.c.case_id.is_(None)).group_by(a.c.officer_id))).all())
        officers = (await self._conn.execute(sa.select(o).order_by(o.c.officer_id))).all()
        return [{"officer_id": r.officer_id, "is_leader": r.is_leader, "active_cases": active.get(r.officer_id, 0),
                 "cases_assigned": assigned.get(r.officer_id, 0), "quota_target": r.quota_target}
                for r in officers]


    async def corrective_actions(self, raised_from: datetime | None = None,
                                 raised_before: datetime | None = None) -> list:
        """Corrective actions, optionally those raised in [raised_from, raised_before)."""
        a = t.rm_corrective_actions
        query = sa.select(a.c.officer_id, a.c.criterion, a.c.due_on, a.c.raised_at, a.c.closed_at, a.c.late)
        if raised_from is not None:
            query = query.where(a.c.raised_at >= raised_from)
        if raised_before is not None:
            query = query.where(a.c.raised_at < raised_before)
        return (await self._conn.execute(query)).all()


class ReportRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def stored(self, report_id: str) -> tuple[int, str, dict] | None:
        row = (await self._conn.execute(
            sa.select(t.reports.c.revision, t.reports.c.fingerprint, t.reports.c.body)
            .where(t.reports.c.report_id == report_id).with_for_update())).one_or_none()
        return (row.revision, row.fingerprint, row.body) if row else None

    async def save(self, *, report_id: str, kind: str, start, end, revision: int, fingerprint: str, body: dict) -> None:
        values = dict(kind=kind, period_start=start, period_end=end, revision=revision, fingerprint=fingerprint,
                      body=body)
        updated = await self._conn.execute(sa.update(t.reports).where(t.reports.c.report_id == report_id).values(**values))
        if updated.rowcount == 0:
            await self._conn.execute(sa.insert(t.reports).values(report_id=report_id, **values))

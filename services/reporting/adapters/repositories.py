"""Every query of the reporting service lives here: read-model upserts and report figures."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.adapters import tables as t
from services.reporting.domain.statistics import CaseFact, tabulate


class ReadModelRepository:
    """Facts learnt from events (see service_layer.projections), reference data, small state."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def load_reference(self, branches: list[dict], agencies: list[dict]) -> None:
        """Branches and the communes they serve (center.json), agencies (agencies.json), replacing
        what was there."""
        await self._conn.execute(sa.delete(t.rm_communes))
        await self._conn.execute(sa.delete(t.rm_branches))
        await self._conn.execute(sa.delete(t.rm_agencies))
        if agencies:
            await self._conn.execute(sa.insert(t.rm_agencies), [
                {"code": a["code"], "name": a["name"], "kind": a.get("kind")} for a in agencies])
        if branches:
            await self._conn.execute(sa.insert(t.rm_branches), [{"code": b["code"], "name": b["name"]} for b in branches])
            communes = {c["code"]: {"code": c["code"], "name": c["name"], "branch_code": b["code"]}
                        for b in branches for c in b.get("communes", [])}
            if communes:
                await self._conn.execute(sa.insert(t.rm_communes), list(communes.values()))

    async def get_meta(self, key: str) -> str | None:
        return (await self._conn.execute(sa.select(t.rm_meta.c.value).where(t.rm_meta.c.key == key))).scalar()

    async def set_meta(self, key: str, value: str | None) -> None:
        await self._conn.execute(sa.delete(t.rm_meta).where(t.rm_meta.c.key == key))
        if value is not None:
            await self._conn.execute(sa.insert(t.rm_meta).values(key=key, value=value))

    async def clear(self) -> None:
        """Empty every fact table (a rebuild starts here); reports and reference data stay."""
        for table in FACT_TABLES:
            await self._conn.execute(sa.delete(table))

    async def dirty_months(self) -> list[tuple[date, int]]:
        d = t.rm_dirty_months
        return [(r.month, r.marks) for r in (await self._conn.execute(sa.select(d).order_by(d.c.month))).all()]

    async def clear_dirty(self, month: date, marks: int) -> bool:
        """Clear a month's mark unless another fact marked it since `marks` was read."""
        d = t.rm_dirty_months
        done = await self._conn.execute(sa.delete(d).where(d.c.month == month, d.c.marks == marks))
        return done.rowcount == 1

    async def time_span(self) -> tuple[datetime, datetime] | None:
        """The earliest and latest business time of any counted fact."""
        columns = [t.rm_notices.c.sent_at, t.rm_rejections.c.at, t.rm_missed.c.at, t.rm_cases.c.opened_at,
                   t.rm_refusals.c.at, t.rm_decisions.c.at, t.rm_closures.c.at, t.rm_evaluations.c.at]
        lows, highs = [], []
        for column in columns:
            low, high = (await self._conn.execute(sa.select(sa.func.min(column), sa.func.max(column)))).one()
            if low is not None:
                lows.append(low)
                highs.append(high)
        return (min(lows), max(highs)) if lows else None


#: Tables holding facts learnt from events (emptied by a rebuild).
FACT_TABLES = (t.rm_notices, t.rm_missed, t.rm_rejections, t.rm_cases, t.rm_refusals, t.rm_assignments,
               t.rm_decisions, t.rm_closures, t.rm_evaluations, t.rm_corrective_actions, t.rm_officers)


def in_period(column, start: datetime, end: datetime):
    return sa.and_(column >= start, column < end)


class FiguresRepository:
    """Aggregates the read models over a period of business time."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _count(self, table: sa.Table, column, start: datetime, end: datetime, *extra) -> int:
        return (await self._conn.execute(
            sa.select(sa.func.count()).select_from(table).where(in_period(column, start, end), *extra))).scalar_one()

    async def figures(self, start: datetime, end: datetime) -> dict:
        """Every figure of EXTERNAL.md §2 for events whose business time is in [start, end)."""
        n, m, c = t.rm_notices, t.rm_missed, t.rm_cases
        a = t.rm_assignments
        totals = {
            "notices_received": await self._count(n, n.c.sent_at, start, end),
            "notices_rejected": await self._count(t.rm_rejections, t.rm_rejections.c.at, start, end),
            "cases_opened": await self._count(c, c.c.opened_at, start, end),
            "requests_refused": await self._count(t.rm_refusals, t.rm_refusals.c.at, start, end),
            "cases_assigned": await self._count(a, a.c.at, start, end, a.c.officer_id.is_not(None)),
            "cases_closed": await self._count(t.rm_closures, t.rm_closures.c.at, start, end),
            "cases_evaluated": await self._count(t.rm_evaluations, t.rm_evaluations.c.at, start, end),
            "missed_beneficiaries": await self._count(m, m.c.at, start, end),
            "late_notices": await self._count(n, n.c.sent_at, start, end, n.c.late.is_(True)),
        }
        agencies = await self.by_agency(start, end)
        commune = sa.func.coalesce(c.c.commune_code, "unknown")
        by_locality = (await self._conn.execute(
            sa.select(commune, sa.func.count(), sa.func.sum(sa.case((c.c.field == "civil", 1), else_=0)))
            .where(in_period(c.c.opened_at, start, end)).group_by(commune).order_by(commune))).all()
        by_field = (await self._conn.execute(
            sa.select(c.c.field, sa.func.count()).where(in_period(c.c.opened_at, start, end))
            .group_by(c.c.field).order_by(c.c.field))).all()
        cases = await self.cases_opened(start, end)
        groups: Counter[str] = Counter()
        for case in cases:
            groups.update(case.groups)
        return {
            "totals": totals,
            "by_agency": [{k: row[k] for k in ("agency_code", "notices", "late", "missed", "refusals")}
                          for row in agencies],
            "by_locality": [{"commune_code": code, "cases_opened": k, "civil_cases_opened": int(civil or 0)}
                            for code, k, civil in by_locality],
            "by_field": [{"field": f, "cases_opened": k} for f, k in by_field],
            "by_group": [{"group": g, "persons": k} for g, k in sorted(groups.items())],
            "officers": await self._officers(start, end),
            "statistics": tabulate(cases),
        }

    async def cases_opened(self, start: datetime, end: datetime) -> list[CaseFact]:
        """The cases opened in the period, as the statistics table counts them."""
        c = t.rm_cases
        rows = (await self._conn.execute(
            sa.select(sa.func.coalesce(c.c.person_id, c.c.case_id), c.c.field, sa.func.coalesce(c.c.form, "proceedings"),
                      c.c.gender, c.c.groups).where(in_period(c.c.opened_at, start, end)))).all()
        return [CaseFact(person, field, form, gender, tuple(sorted(set(g or ())))) for person, field, form, gender, g in rows]

    async def by_agency(self, start: datetime, end: datetime) -> list[dict]:
        """Per agency: notices sent, on time and late, people missed, refusals, rejected notices."""
        n, m, r, j = t.rm_notices, t.rm_missed, t.rm_refusals, t.rm_rejections
        figures: dict[str, dict] = {}

        def row(code: str) -> dict:
            return figures.setdefault(code, {"agency_code": code, "notices": 0, "on_time": 0, "late": 0,
                                             "missed": 0, "refusals": 0, "rejected": 0})

        for code, k, late in (await self._conn.execute(
                sa.select(n.c.agency_code, sa.func.count(), sa.func.sum(sa.case((n.c.late.is_(True), 1), else_=0)))
                .where(in_period(n.c.sent_at, start, end)).group_by(n.c.agency_code))).all():
            row(code).update(notices=k, late=int(late or 0), on_time=k - int(late or 0))
        for table, column, key in ((m, m.c.at, "missed"), (r, r.c.at, "refusals"), (j, j.c.at, "rejected")):
            for code, k in (await self._conn.execute(
                    sa.select(table.c.agency_code, sa.func.count())
                    .where(in_period(column, start, end), table.c.agency_code.is_not(None), table.c.agency_code != "")
                    .group_by(table.c.agency_code))).all():
                row(code)[key] = k
        return [figures[code] for code in sorted(figures)]

    async def _officers(self, start: datetime, end: datetime) -> list[dict]:
        d, o = t.rm_decisions, t.rm_officers
        assigned = dict((await self._conn.execute(
            sa.select(d.c.officer_id, sa.func.count(sa.distinct(d.c.case_id)))
            .where(in_period(d.c.at, start, end)).group_by(d.c.officer_id))).all())
        active = await self.held_at(end)
        officers = (await self._conn.execute(sa.select(o).order_by(o.c.officer_id))).all()
        return [{"officer_id": r.officer_id, "is_leader": r.is_leader, "active_cases": active.get(r.officer_id, 0),
                 "cases_assigned": assigned.get(r.officer_id, 0), "quota_target": r.quota_target}
                for r in officers]

    async def held_at(self, moment: datetime) -> dict[str, int]:
        """Cases each officer held at a moment: assigned before it, not closed before it (counted for
        the officer holding them now). Two index-only ranges, open and closed later, not an OR."""
        a = t.rm_assignments
        held = sa.union_all(sa.select(a.c.officer_id).where(a.c.closed_at.is_(None), a.c.at < moment),
                            sa.select(a.c.officer_id).where(a.c.closed_at >= moment, a.c.at < moment)).subquery()
        return dict((await self._conn.execute(
            sa.select(held.c.officer_id, sa.func.count()).where(held.c.officer_id.is_not(None))
            .group_by(held.c.officer_id))).all())

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

    async def save(self, *, report_id: str, kind: str, start, end, revision: int, fingerprint: str, body: dict,
                   generated_at: datetime) -> None:
        values = dict(kind=kind, period_start=start, period_end=end, revision=revision, fingerprint=fingerprint,
                      body=body, generated_at=generated_at)
        updated = await self._conn.execute(sa.update(t.reports).where(t.reports.c.report_id == report_id).values(**values))
        if updated.rowcount == 0:
            await self._conn.execute(sa.insert(t.reports).values(report_id=report_id, **values))

    async def body(self, report_id: str) -> dict | None:
        return (await self._conn.execute(
            sa.select(t.reports.c.body).where(t.reports.c.report_id == report_id))).scalar_one_or_none()

    async def listing(self, kind: str | None = None, limit: int = 100) -> list[dict]:
        """Issued reports, newest period first."""
        r = t.reports
        query = sa.select(r.c.report_id, r.c.kind, r.c.period_start, r.c.period_end, r.c.revision, r.c.generated_at)
        if kind:
            query = query.where(r.c.kind == kind)
        rows = (await self._conn.execute(
            query.order_by(r.c.period_end.desc(), r.c.period_start.desc(), r.c.kind).limit(limit))).all()
        return [{"report_id": x.report_id, "kind": x.kind, "period": {"start": x.period_start, "end": x.period_end},
                 "revision": x.revision, "generated_at": x.generated_at} for x in rows]

    async def issued(self, kind: str) -> set[tuple[date, date]]:
        r = t.reports
        return {(a, b) for a, b in (await self._conn.execute(
            sa.select(r.c.period_start, r.c.period_end).where(r.c.kind == kind))).all()}

    async def overlapping(self, first: date, last: date) -> list[tuple[str, date, date]]:
        """Issued reports (kind, start, end) whose period shares a day with [first, last]."""
        r = t.reports
        return [tuple(x) for x in (await self._conn.execute(
            sa.select(r.c.kind, r.c.period_start, r.c.period_end)
            .where(r.c.period_start <= last, r.c.period_end >= first))).all()]

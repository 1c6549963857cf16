"""Queries behind the council's figures and the center's dashboards (docs/reporting.md)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import sqlalchemy as sa

from services.reporting.adapters import tables as t
from services.reporting.adapters.repositories import FiguresRepository, in_period


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


class DashboardRepository(FiguresRepository):
    """Figures for staff and the council, over read models only."""

    async def agency_names(self) -> dict[str, str]:
        return dict((await self._conn.execute(sa.select(t.rm_agencies.c.code, t.rm_agencies.c.name))).all())

    async def officer_names(self) -> dict[str, str]:
        o = t.rm_officers
        return dict((await self._conn.execute(sa.select(o.c.officer_id, o.c.full_name))).all())

    async def council(self, start: datetime, end: datetime, months: list[tuple[str, datetime, datetime]]) -> dict:
        """Per agency over the period, and per agency per month for the trend."""
        names = await self.agency_names()
        agencies = await self.by_agency(start, end)
        for row in agencies:
            row["agency_name"] = names.get(row["agency_code"], row["agency_code"])
            row["late_share"] = _share(row["late"], row["notices"])
        series: dict[str, dict[str, list[int]]] = {}
        keys = ("notices", "late", "missed", "refusals")
        for index, (_label, first, after) in enumerate(months):
            for row in await self.by_agency(first, after):
                s = series.setdefault(row["agency_code"], {k: [0] * len(months) for k in keys})
                for k in keys:
                    s[k][index] = row[k]
        trend = [{"agency_code": code, "agency_name": names.get(code, code), **series[code]} for code in sorted(series)]
        return {"agencies": agencies, "months": [label for label, _, _ in months], "trend": trend}

    async def coverage(self, since: datetime, until: datetime, ratio: float) -> dict:
        """Communes and branches without a civil-law case opened in [since, until); groups whose share
        of cases opened is below `ratio` times their share of notices."""
        c, n = t.rm_cases, t.rm_notices
        civil_by_commune = dict((await self._conn.execute(
            sa.select(c.c.commune_code, sa.func.count())
            .where(in_period(c.c.opened_at, since, until), c.c.field == "civil", c.c.commune_code.is_not(None))
            .group_by(c.c.commune_code))).all())
        civil_by_branch = dict((await self._conn.execute(
            sa.select(c.c.branch_code, sa.func.count())
            .where(in_period(c.c.opened_at, since, until), c.c.field == "civil", c.c.branch_code.is_not(None))
            .group_by(c.c.branch_code))).all())
        communes = (await self._conn.execute(sa.select(t.rm_communes).order_by(t.rm_communes.c.code))).all()
        branches = (await self._conn.execute(sa.select(t.rm_branches).order_by(t.rm_branches.c.code))).all()
        without = [{"commune_code": r.code, "name": r.name, "branch_code": r.branch_code}
                   for r in communes if not civil_by_commune.get(r.code)]
        per_branch = Counter(r["branch_code"] for r in without)
        served = Counter(r.branch_code for r in communes)
        branch_rows = [{"branch_code": b.code, "name": b.name, "communes": served.get(b.code, 0),
                        "communes_without_civil": per_branch.get(b.code, 0), "civil_cases": civil_by_branch.get(b.code, 0)}
                       for b in branches]
        notices_by_group, notices = await self._group_counts(n.c.groups, n.c.sent_at, since, until)
        cases_by_group, cases = await self._group_counts(c.c.groups, c.c.opened_at, since, until)
        groups = []
        for group in sorted(set(notices_by_group) | set(cases_by_group)):
            in_notices, in_cases = notices_by_group.get(group, 0), cases_by_group.get(group, 0)
            # compared unrounded: case share < ratio × notice share, cross-multiplied
            under = in_notices > 0 and in_cases * notices < ratio * in_notices * cases if cases else in_notices > 0
            groups.append({"group": group, "notices": in_notices, "notice_share": _share(in_notices, notices),
                           "cases": in_cases, "case_share": _share(in_cases, cases), "under_served": under})
        return {"communes_without_civil": without,
                "branches_without_civil": [{"branch_code": r["branch_code"], "name": r["name"]}
                                           for r in branch_rows if r["civil_cases"] == 0],
                "branches": branch_rows, "groups": groups, "notices": notices, "cases": cases}

    async def _group_counts(self, column, when, since: datetime, until: datetime) -> tuple[Counter, int]:
        counts: Counter[str] = Counter()
        total = 0
        for (groups,) in (await self._conn.execute(sa.select(column).where(in_period(when, since, until)))).all():
            total += 1
            counts.update(set(groups or []))
        return counts, total

    async def workload(self, year: int, year_start: datetime, until: datetime) -> dict:
        """Load (weights of the cases assigned in the quota year, held by the officer) against the
        quota-adjusted target, per officer and for leaders and others; decisions by kind."""
        a, d, o = t.rm_assignments, t.rm_decisions, t.rm_officers
        loads = {r[0]: (float(r[1] or 0), r[2]) for r in (await self._conn.execute(
            sa.select(a.c.officer_id, sa.func.sum(sa.func.coalesce(a.c.weight, 1.0)), sa.func.count())
            .where(a.c.officer_id.is_not(None), in_period(a.c.at, year_start, until)).group_by(a.c.officer_id))).all()}
        active = await self.held_at(until)
        kinds = dict((await self._conn.execute(
            sa.select(d.c.kind, sa.func.count()).where(in_period(d.c.at, year_start, until)).group_by(d.c.kind))).all())
        overridden = dict((await self._conn.execute(
            sa.select(d.c.officer_id, sa.func.count()).where(in_period(d.c.at, year_start, until), d.c.kind == "override")
            .group_by(d.c.officer_id))).all())
        officers = []
        for r in (await self._conn.execute(sa.select(o).order_by(o.c.officer_id))).all():
            if not r.active and r.officer_id not in loads:
                continue
            target = r.yearly_target if r.target_year == year and r.yearly_target is not None else r.quota_target
            load, cases = loads.get(r.officer_id, (0.0, 0))
            officers.append({"officer_id": r.officer_id, "full_name": r.full_name, "branch_code": r.branch_code,
                             "is_leader": r.is_leader, "active": r.active, "active_cases": active.get(r.officer_id, 0),
                             "cases": cases, "load": round(load, 2), "target": round(float(target), 2) if target else None,
                             "ratio": round(load / target, 3) if target else None,
                             "overrides_received": overridden.get(r.officer_id, 0)})
        groups = []
        for name, leader in (("leaders", True), ("others", False)):
            members = [x for x in officers if x["is_leader"] is leader]
            load = sum(x["load"] for x in members)
            target = sum(x["target"] or 0 for x in members)
            groups.append({"group": name, "officers": len(members), "load": round(load, 2), "target": round(target, 2),
                           "ratio": round(load / target, 3) if target else None})
        total = sum(kinds.values())
        decisions = {"total": total, **{k: kinds.get(k, 0) for k in ("initial", "reassignment", "override",
                                                                       "approved_request")},
                     "override_rate": _share(kinds.get("override", 0), total)}
        return {"officers": officers, "groups": groups, "decisions": decisions}

    async def quality(self, start: datetime, end: datetime) -> dict:
        """Evaluation results in the period, overall and per officer."""
        e = t.rm_evaluations
        rows = (await self._conn.execute(
            sa.select(e.c.officer_id, e.c.rating, sa.func.count()).where(in_period(e.c.at, start, end))
            .group_by(e.c.officer_id, e.c.rating))).all()
        names = await self.officer_names()
        ratings: Counter[str] = Counter()
        officers: dict[str, dict] = {}
        for officer_id, rating, k in rows:
            ratings[rating or "unknown"] += k
            key = officer_id or ""
            row = officers.setdefault(key, {"officer_id": officer_id, "full_name": names.get(key, key),
                                            "evaluated": 0, "ratings": {}})
            row["evaluated"] += k
            row["ratings"][rating or "unknown"] = row["ratings"].get(rating or "unknown", 0) + k
        return {"evaluated": sum(ratings.values()), "ratings": dict(sorted(ratings.items())),
                "officers": [officers[k] for k in sorted(officers)]}

    async def missed(self, start: datetime, end: datetime, limit: int) -> dict:
        """Missed beneficiaries in the period by reason and agency, and the latest ones."""
        m = t.rm_missed
        names = await self.agency_names()
        by_reason = dict((await self._conn.execute(
            sa.select(m.c.reason, sa.func.count()).where(in_period(m.c.at, start, end)).group_by(m.c.reason))).all())
        by_agency = (await self._conn.execute(
            sa.select(m.c.agency_code, sa.func.count()).where(in_period(m.c.at, start, end))
            .group_by(m.c.agency_code).order_by(sa.func.count().desc(), m.c.agency_code))).all()
        latest = (await self._conn.execute(
            sa.select(m).where(in_period(m.c.at, start, end)).order_by(m.c.at.desc(), m.c.missed_id).limit(limit))).all()
        return {"total": sum(by_reason.values()), "by_reason": dict(sorted(by_reason.items())),
                "by_agency": [{"agency_code": code, "agency_name": names.get(code, code) if code else "",
                               "missed": k} for code, k in by_agency],
                "latest": [{"missed_id": r.missed_id, "agency_code": r.agency_code, "reason": r.reason,
                            "groups": list(r.groups or []), "at": r.at} for r in latest]}

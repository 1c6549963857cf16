"""The council's figures and the center's dashboards, over local-time periods (docs/reporting.md)."""

from __future__ import annotations

from datetime import date, timedelta

from services.reporting.domain.reports import period_bounds, period_of
from services.reporting.domain.statistics import tabulate
from services.reporting.service_layer.handlers import corrective_action_figures
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork


def _period(start: date, end: date) -> dict:
    return {"start": start, "end": end}


def last_months(end: date, count: int) -> list[tuple[date, date]]:
    """The `count` calendar months up to and including the one holding `end`, oldest first."""
    months = []
    first, last = period_of("monthly", end)
    for _ in range(count):
        months.append((first, last))
        first, last = period_of("monthly", first - timedelta(days=1))
    return months[::-1]


def twelve_months_to(as_of: date) -> tuple[date, date]:
    """The twelve months ending on `as_of` (both days inclusive)."""
    try:
        since = as_of.replace(year=as_of.year - 1) + timedelta(days=1)
    except ValueError:  # 29 February
        since = as_of.replace(year=as_of.year - 1, day=28) + timedelta(days=1)
    return since, as_of


async def council(uow: ReportingUnitOfWork, start: date, end: date, months: int) -> dict:
    """Per agency figures of the period and their monthly trend over `months` months to `end`."""
    series = [(f"{first:%Y-%m}", *period_bounds(first, last, uow.tz)) for first, last in last_months(end, months)]
    figures = await uow.dashboards.council(*period_bounds(start, end, uow.tz), series)
    return {"period": _period(start, end), **figures}


async def coverage(uow: ReportingUnitOfWork, as_of: date, ratio: float) -> dict:
    """Coverage gaps over the twelve months to `as_of`."""
    since, until = twelve_months_to(as_of)
    figures = await uow.dashboards.coverage(*period_bounds(since, until, uow.tz), ratio)
    return {"since": since, "until": until, "ratio": ratio, **figures}


async def workload(uow: ReportingUnitOfWork, as_of: date) -> dict:
    """Workload balance in the quota year of `as_of`, up to the end of that day."""
    year_start = date(as_of.year, 1, 1)
    first, until = period_bounds(year_start, as_of, uow.tz)
    return {"as_of": as_of, "year": as_of.year, **await uow.dashboards.workload(as_of.year, first, until)}


async def quality(uow: ReportingUnitOfWork, start: date, end: date, today: date) -> dict:
    """Evaluation results of the period, with each officer's corrective actions open and overdue today."""
    figures = await uow.dashboards.quality(*period_bounds(start, end, uow.tz))
    actions = await corrective_action_figures(uow, today, uow.tz)
    per_officer = {row["officer_id"]: row for row in actions["by_officer"]}
    names = await uow.dashboards.officer_names()
    rows = {row["officer_id"]: row for row in figures["officers"]}
    for officer_id in per_officer:
        if officer_id not in rows and officer_id != "unknown":
            rows[officer_id] = {"officer_id": officer_id, "full_name": names.get(officer_id, officer_id),
                                "evaluated": 0, "ratings": {}}
    for officer_id, row in rows.items():
        counts = per_officer.get(officer_id or "unknown", {})
        row["open_actions"] = counts.get("open", 0)
        row["overdue_actions"] = counts.get("overdue", 0)
    figures["officers"] = [rows[k] for k in sorted(rows, key=lambda k: k or "")]
    return {"period": _period(start, end), **figures, "actions": actions}


async def missed(uow: ReportingUnitOfWork, start: date, end: date, limit: int) -> dict:
    return {"period": _period(start, end), **await uow.dashboards.missed(*period_bounds(start, end, uow.tz), limit)}


async def statistics(uow: ReportingUnitOfWork, start: date, end: date) -> dict:
    """The Biểu 24 table of a period (the `statistics` of a report over the same period)."""
    return {"period": _period(start, end), **tabulate(await uow.figures.cases_opened(*period_bounds(start, end, uow.tz)))}

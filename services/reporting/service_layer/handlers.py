"""Reporting's handlers: each event becomes rows of the read models (see projections); reports are
computed from the read models, issued when periods close, and corrected when late events change
a period already reported."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.reporting.domain.corrective_actions import ActionFact, count_actions
from services.reporting.domain.reports import (PERIODIC_KINDS, closed_periods, figures_fingerprint, next_revision,
                                               period_bounds, period_of, report_id)
from services.reporting.service_layer.projections import PROJECTIONS
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from services.runtime.consumers import Delivery
from services.runtime.unit_of_work import utcnow
from shared import events as ev
from shared.external import Report, ReportRequest
from shared.subjects import REPORT_SUBJECTS

log = logging.getLogger("tgpl.reporting")

#: rm_meta key set while `tgpl rebuild reporting` empties and refills the read models.
REBUILDING = "rebuilding"


class Rebuilding(Exception):
    """The read models are being rebuilt; no report is computed until that is done."""


async def project(uow: ReportingUnitOfWork, event: ev.Event, _d: Delivery) -> None:
    """The one handler of every event reporting reads: its rows, written in the consumer's transaction
    as it commits, with the rest of the batch's."""
    uow.projections.append(PROJECTIONS[type(event)](event))


INTAKE_HANDLERS = {cls: project for cls in (ev.NoticeReceived, ev.NoticeRejected, ev.MissedBeneficiaryDetected,
                                            ev.CaseOpened, ev.RequestRefused, ev.CaseClosed)}
ASSIGNMENT_HANDLERS = {cls: project for cls in (ev.CaseAssigned, ev.OfficerRegistered)}
EVALUATION_HANDLERS = {cls: project for cls in (ev.CaseEvaluated, ev.CorrectiveActionRaised,
                                                ev.CorrectiveActionClosed)}


async def corrective_action_figures(uow: ReportingUnitOfWork, as_of: date, tz: ZoneInfo,
                                    raised_start: date | None = None, raised_end: date | None = None) -> dict:
    """Corrective actions as of a local day (optionally those raised between two days, inclusive)."""
    first = period_bounds(raised_start, raised_start, tz)[0] if raised_start else None
    after = period_bounds(raised_end, raised_end, tz)[1] if raised_end else None
    rows = await uow.figures.corrective_actions(first, after)
    facts = [ActionFact(r.officer_id, r.criterion, r.due_on, r.raised_at and r.raised_at.astimezone(tz).date(),
                        r.closed_at and r.closed_at.astimezone(tz).date(), r.late) for r in rows]
    return count_actions(facts, as_of)


async def issue_report(uow: ReportingUnitOfWork, request: ReportRequest, *, kind: str, tz: ZoneInfo) -> Report:
    """Compute a report; a change in its figures raises its revision and publishes it (via the outbox)."""
    if await uow.facts.get_meta(REBUILDING):
        raise Rebuilding("the read models are being rebuilt")
    rid = report_id(kind, request.period_start, request.period_end)
    figures = await uow.figures.figures(*period_bounds(request.period_start, request.period_end, tz))
    fingerprint = figures_fingerprint(figures)
    stored = await uow.reports.stored(rid)
    revision, changed = next_revision(stored[:2] if stored else None, fingerprint)
    if not changed and stored is not None:
        return Report.model_validate(stored[2])
    report = Report(report_id=rid, revision=revision, kind=kind,
                    period={"start": request.period_start, "end": request.period_end},
                    generated_at=utcnow(), **figures)
    await uow.reports.save(report_id=rid, kind=kind, start=request.period_start, end=request.period_end,
                           revision=revision, fingerprint=fingerprint, body=report.model_dump(mode="json"),
                           generated_at=report.generated_at)
    await uow.outbox.add(REPORT_SUBJECTS[kind], report, msg_id=report.msg_id)
    return report


async def issue_closed_periods(uow: Callable[[], ReportingUnitOfWork], now: datetime, *,
                               grace: timedelta = timedelta(0)) -> list[Report]:
    """Issue the monthly, quarterly and yearly reports of every period that closed (local time,
    `grace` after midnight) since the first fact, unless issued already. One transaction each."""
    async with uow() as work:
        if since := await work.facts.get_meta(REBUILDING):
            log.warning("reporting: no report is issued while the read models are rebuilt (%s); if that rebuild "
                        "was killed, run `tgpl rebuild reporting` again", since)
            return []
        span = await work.facts.time_span()
        tz = work.tz
        issued = {kind: await work.reports.issued(kind) for kind in PERIODIC_KINDS}
    if span is None:
        return []
    first_day = span[0].astimezone(tz).date()
    today = (now - grace).astimezone(tz).date()
    reports = []
    for kind in PERIODIC_KINDS:
        for start, end in closed_periods(kind, first_day, today):
            if (start, end) in issued[kind]:
                continue
            async with uow() as work:
                reports.append(await issue_report(work, ReportRequest(period_start=start, period_end=end),
                                                  kind=kind, tz=tz))
                await work.commit()
            log.info("reporting: %s report for %s..%s issued", kind, start, end)
    return reports


async def correct_reports(uow: Callable[[], ReportingUnitOfWork], now: datetime) -> list[Report]:
    """Recompute the issued reports of closed periods covering months that late (or any) facts
    marked dirty; a change publishes the same report_id with the next revision. An ad hoc report
    of a period still open is recomputed when asked for again, not here. Returns the corrections."""
    async with uow() as work:
        if await work.facts.get_meta(REBUILDING):
            return []
        dirty = await work.facts.dirty_months()
        today = now.astimezone(work.tz).date()
    corrected = []
    for month, marks in dirty:
        async with uow() as work:
            for kind, start, end in await work.reports.overlapping(*period_of("monthly", month)):
                if end >= today:
                    continue
                before = await work.reports.stored(report_id(kind, start, end))
                report = await issue_report(work, ReportRequest(period_start=start, period_end=end), kind=kind,
                                            tz=work.tz)
                if before is not None and report.revision != before[0]:
                    corrected.append(report)
                    log.info("reporting: %s corrected to revision %d", report.report_id, report.revision)
            await work.facts.clear_dirty(month, marks)
            await work.commit()
    return corrected


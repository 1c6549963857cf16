"""Reporting's handlers: each event becomes one fact in the read models; reports are computed
from the facts on request."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from services.reporting.adapters import tables as t
from services.reporting.domain.corrective_actions import ActionFact, count_actions
from services.reporting.domain.reports import figures_fingerprint, next_revision, period_bounds, report_id
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from services.runtime.consumers import Delivery
from services.runtime.unit_of_work import utcnow
from shared import events as ev
from shared.external import Report, ReportRequest
from shared.subjects import REPORT_SUBJECTS


async def on_notice_received(uow: ReportingUnitOfWork, e: ev.NoticeReceived, _d: Delivery) -> None:
    await uow.facts.save_notice(notice_key=e.notice_key, revision=e.revision, agency_code=e.agency_code,
                                sent_at=e.sent_at, late=e.late, wants_legal_aid=e.wants_legal_aid)


async def on_missed_beneficiary(uow: ReportingUnitOfWork, e: ev.MissedBeneficiaryDetected, _d: Delivery) -> None:
    await uow.facts.add(t.rm_missed, missed_id=e.missed_id, agency_code=e.agency_code, reason=e.reason,
                        at=e.occurred_at)


async def on_notice_rejected(uow: ReportingUnitOfWork, e: ev.NoticeRejected, _d: Delivery) -> None:
    # A rejected notice counts by its arrival time: its own time may be unreadable.
    await uow.facts.add(t.rm_rejections, rejection_id=e.rejection_id, agency_code=e.agency_code, at=e.received_at)


async def on_case_opened(uow: ReportingUnitOfWork, e: ev.CaseOpened, _d: Delivery) -> None:
    await uow.facts.add(t.rm_cases, case_id=e.case_id, opened_at=e.occurred_at, field=e.field.value,
                        commune_code=e.commune_code, gender=e.gender.value, groups=list(e.groups),
                        agency_code=e.agency_code)


async def on_request_refused(uow: ReportingUnitOfWork, e: ev.RequestRefused, _d: Delivery) -> None:
    await uow.facts.add(t.rm_refusals, request_id=e.request_id, agency_code=e.agency_code, at=e.occurred_at)


async def on_case_closed(uow: ReportingUnitOfWork, e: ev.CaseClosed, _d: Delivery) -> None:
    await uow.facts.add(t.rm_closures, case_id=e.case_id, at=e.occurred_at)


async def on_case_assigned(uow: ReportingUnitOfWork, e: ev.CaseAssigned, _d: Delivery) -> None:
    await uow.facts.add(t.rm_assignments, case_id=e.case_id, officer_id=e.officer_id, at=e.occurred_at)


async def on_officer_registered(uow: ReportingUnitOfWork, e: ev.OfficerRegistered, _d: Delivery) -> None:
    await uow.facts.save_officer(e.officer_id, full_name=e.full_name, is_leader=e.is_leader,
                                 quota_target=e.quota_target, active=e.active)


async def on_case_evaluated(uow: ReportingUnitOfWork, e: ev.CaseEvaluated, _d: Delivery) -> None:
    await uow.facts.add(t.rm_evaluations, case_id=e.case_id, at=e.occurred_at)


async def on_action_raised(uow: ReportingUnitOfWork, e: ev.CorrectiveActionRaised, _d: Delivery) -> None:
    await uow.facts.save_action(e.action_id, case_id=e.case_id, criterion=e.criterion, officer_id=e.officer_id,
                                due_on=e.due_on, raised_at=e.occurred_at)


async def on_action_closed(uow: ReportingUnitOfWork, e: ev.CorrectiveActionClosed, _d: Delivery) -> None:
    await uow.facts.save_action(e.action_id, case_id=e.case_id, criterion=e.criterion, officer_id=e.officer_id,
                                closed_at=e.occurred_at, late=e.late)


INTAKE_HANDLERS = {
    ev.NoticeReceived: on_notice_received,
    ev.NoticeRejected: on_notice_rejected,
    ev.MissedBeneficiaryDetected: on_missed_beneficiary,
    ev.CaseOpened: on_case_opened,
    ev.RequestRefused: on_request_refused,
    ev.CaseClosed: on_case_closed,
}
ASSIGNMENT_HANDLERS = {ev.CaseAssigned: on_case_assigned, ev.OfficerRegistered: on_officer_registered}
EVALUATION_HANDLERS = {ev.CaseEvaluated: on_case_evaluated, ev.CorrectiveActionRaised: on_action_raised,
                       ev.CorrectiveActionClosed: on_action_closed}


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
                           revision=revision, fingerprint=fingerprint, body=report.model_dump(mode="json"))
    await uow.outbox.add(REPORT_SUBJECTS[kind], report, msg_id=report.msg_id)
    return report

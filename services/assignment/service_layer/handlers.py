"""Assignment's event handlers: a case opened, a matter grew, a performer change was asked for."""

from __future__ import annotations

from datetime import datetime

from services.assignment.adapters.records import parties_record
from services.assignment.domain import conflicts as cf
from services.assignment.domain.policy import CaseToAssign
from services.assignment.domain.quota import band_floors, yearly_target
from services.assignment.domain.roster import Officer
from services.assignment.domain.rules import AssignmentRules
from services.assignment.service_layer import decisions as d
from services.assignment.service_layer.unit_of_work import AssignmentUnitOfWork
from services.runtime.consumers import Delivery
from services.runtime.unit_of_work import utcnow
from shared import events as ev


def parties_of(event: ev.CaseOpened, rules: AssignmentRules) -> cf.CaseParties:
    """The parties and matter of a newly opened case, as the conflict check needs them."""
    beneficiary = None
    if event.beneficiary:
        beneficiary = cf.Party(event.beneficiary.full_name, event.beneficiary.national_id, event.person_id)
    keys = frozenset({cf.matter_key(event.agency_code, event.agency_case_ref)}
                     if event.agency_code and event.agency_case_ref else ())
    return cf.CaseParties(
        beneficiary=beneficiary,
        opposing=tuple(cf.Party(p.full_name, p.national_id) for p in event.opposing_parties),
        matter_keys=keys,
        side=rules.side_of(event.procedural_status.value if event.procedural_status else None))


async def assign_case(uow: AssignmentUnitOfWork, event: ev.CaseOpened, delivery: Delivery) -> None:
    """Choose an officer for a newly opened case and publish the decision with its reasons."""
    if await uow.assignments.exists(event.case_id):
        return
    parties = parties_of(event, uow.rules)
    case = CaseToAssign(event.case_id, event.field.value, event.branch_code, event.urgent,
                        uow.rules.weight(event.field.value, event.stage))
    decision = d.run_rule(case, await d.moment_for(uow, case.case_id, parties, event.occurred_at, new_case=True))
    decided_at = utcnow()
    candidates = d.candidate_scores(decision)
    await uow.assignments.record(
        case_id=event.case_id, field=event.field.value, branch_code=event.branch_code, urgent=event.urgent,
        opened_at=event.occurred_at, weight=case.weight, stage=event.stage, agency_code=event.agency_code,
        parties=parties_record(parties), officer_id=decision.officer.officer_id if decision.officer else None,
        decided_at=decided_at, rule=uow.rules.rule_name, reason=decision.reason,
        candidates=[c.model_dump() for c in candidates])
    await uow.assignments.add_keys(case.case_id, parties.lookup_keys())
    await d.publish(uow, event, case, decision.officer, decision.locality, candidates, decision.reason, decided_at)


async def link_matter(uow: AssignmentUnitOfWork, event: ev.CaseNoticeLinked, _delivery: Delivery) -> None:
    """A later agency's notice joined the case: its case number names the same matter too."""
    row = await uow.assignments.case(event.case_id)
    if row is None or not event.agency_case_ref:
        return
    key = cf.matter_key(event.agency_code, event.agency_case_ref)
    _, parties = d.stored_case(row)
    if key in parties.matter_keys:
        return
    grown = cf.CaseParties(parties.beneficiary, parties.opposing, parties.matter_keys | {key}, parties.side)
    await uow.assignments.set_parties(event.case_id, parties_record(grown))
    await uow.assignments.add_keys(event.case_id, frozenset({f"matter:{key}"}))


async def reassign_case(uow: AssignmentUnitOfWork, event: ev.PerformerChangeRequested, _delivery: Delivery) -> None:
    """The beneficiary asked for another performer: the current one is never offered this case
    again, and the case goes to the next officer by the same rule, with the reasons."""
    row = await uow.assignments.case(event.case_id)
    if row is None:
        return
    await d.reassign(uow, row, exclusion="replaced_on_request",
                     preamble=f"Phân công lại theo đề nghị của người được trợ giúp ({event.reason}). ",
                     when=event.occurred_at, decided_at=utcnow(), cause=event)


async def close_case(uow: AssignmentUnitOfWork, event: ev.CaseClosed, _delivery: Delivery) -> None:
    """The case ended: no more overrides, declines or requests to take it."""
    await uow.assignments.close(event.case_id, event.occurred_at)


async def register_officer(uow: AssignmentUnitOfWork, officer: Officer, *, changed_by: str, at,
                           note: str | None = None) -> int | None:
    """Add or change a roster entry: a new version, published as an event. The version, or None if unchanged."""
    version = await uow.roster.save(officer, changed_by=changed_by, at=at, note=note)
    if version is None:
        return None
    await _announce(uow, officer, version, changed_by=changed_by, note=note, year=d.local(at).year)
    return version


async def publish_year_targets(uow: AssignmentUnitOfWork, now: datetime) -> int:
    """At the turn of the quota year, announce each officer's new target (reviews read targets from events).

    Returns how many officers were announced; run it daily, it does nothing once the year is published.
    """
    year = d.local(now).year
    announced = 0
    for officer, version in await uow.roster.not_announced_for(year):
        await _announce(uow, officer, version, changed_by="quota-year", note=f"Chỉ tiêu năm {year}", year=year)
        announced += 1
    await uow.commit()
    return announced


async def _announce(uow: AssignmentUnitOfWork, officer: Officer, version: int, *, changed_by: str,
                    note: str | None, year: int) -> None:
    """Publish a roster entry with its quota-adjusted target and band floors for a year."""
    target = yearly_target(officer, year, uow.rules)
    await uow.outbox.add_event(ev.OfficerRegistered(
        producer=d.PRODUCER, officer_id=officer.officer_id, full_name=officer.full_name,
        branch_code=officer.branch_code, is_leader=officer.is_leader, leader_role=officer.leader_role,
        fields=list(officer.fields), appointed_on=officer.appointed_on, quota_target=max(0, round(target.value)),
        yearly_target=target.value, active=officer.active, kind=officer.kind, version=version,
        changed_by=changed_by, change_note=note,
        absences=[{"start": a.start.isoformat(), "end": a.end.isoformat(), "kind": a.kind} for a in officer.absences],
        duty=[{"start": s.start.isoformat(), "end": s.end.isoformat()} for s in officer.duty],
        declared_relationships=len(officer.relationships),
        target_year=year, band_floors=band_floors(officer, year, uow.rules),
    ))
    await uow.roster.mark_announced(officer.officer_id, year)


EVENT_HANDLERS = {ev.CaseOpened: assign_case, ev.CaseNoticeLinked: link_matter,
                  ev.PerformerChangeRequested: reassign_case, ev.CaseClosed: close_case}

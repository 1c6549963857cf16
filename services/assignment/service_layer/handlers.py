"""Assignment's handlers."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from zoneinfo import ZoneInfo

from services.assignment.domain.policy import RULE, CaseToAssign, Decision, decide
from services.assignment.domain.quota import QUOTA_2022
from services.assignment.domain.roster import Officer
from services.assignment.service_layer.unit_of_work import AssignmentUnitOfWork
from services.runtime.consumers import Delivery
from services.runtime.unit_of_work import utcnow
from shared import events as ev

PRODUCER = "assignment"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


async def assign_case(uow: AssignmentUnitOfWork, event: ev.CaseOpened, delivery: Delivery) -> None:
    """Choose an officer for a newly opened case and publish the decision with its reasons."""
    if await uow.assignments.exists(event.case_id):
        return
    case = CaseToAssign(event.case_id, event.field.value, event.branch_code, event.urgent)
    decision = await _decide(uow, case, event.occurred_at)
    decided_at = utcnow()
    candidates = [ev.CandidateScore(**asdict(c)) for c in decision.candidates]
    await uow.assignments.record(
        case_id=event.case_id, field=event.field.value, branch_code=event.branch_code, urgent=event.urgent,
        opened_at=event.occurred_at, officer_id=decision.officer.officer_id if decision.officer else None,
        decided_at=decided_at, rule=RULE, reason=decision.reason,
        candidates=[c.model_dump() for c in candidates],
    )
    await _publish(uow, event, case, decision, candidates, decision.reason, decided_at)


async def reassign_case(uow: AssignmentUnitOfWork, event: ev.PerformerChangeRequested, _delivery: Delivery) -> None:
    """The beneficiary asked for another performer: the current one is never offered this case
    again, and the case goes to the next officer by the same rule, with the reasons."""
    stored = await uow.assignments.case(event.case_id)
    if stored is None:
        return
    decided_at = utcnow()
    if stored.officer_id:
        await uow.assignments.exclude(event.case_id, stored.officer_id, "replaced_on_request", decided_at)
    case = CaseToAssign(event.case_id, stored.field, stored.branch_code, stored.urgent)
    decision = await _decide(uow, case, event.occurred_at, excluded=await uow.assignments.excluded(event.case_id))
    candidates = [ev.CandidateScore(**asdict(c)) for c in decision.candidates]
    reason = f"Phân công lại theo đề nghị của người được trợ giúp ({event.reason}). " + decision.reason
    await uow.assignments.reassign(
        case_id=event.case_id, officer_id=decision.officer.officer_id if decision.officer else None,
        decided_at=decided_at, rule=RULE, reason=reason, candidates=[c.model_dump() for c in candidates])
    await _publish(uow, event, case, decision, candidates, reason, decided_at)


async def _decide(uow: AssignmentUnitOfWork, case: CaseToAssign, moment: datetime,
                  excluded: frozenset[str] = frozenset()) -> Decision:
    """Run the decision rule with the roster, this quota year's loads and the branch names."""
    local_day = moment.astimezone(LOCAL_TZ)
    return decide(
        case, await uow.roster.all(),
        await uow.assignments.loads_since(datetime(local_day.year, 1, 1, tzinfo=LOCAL_TZ)),
        head_office=await uow.roster.head_office(), quota=QUOTA_2022, on=local_day.date(),
        branch_names=await uow.roster.branch_names(), excluded=excluded,
    )


async def _publish(uow: AssignmentUnitOfWork, cause: ev.Event, case: CaseToAssign, decision: Decision,
                   candidates: list[ev.CandidateScore], reason: str, decided_at: datetime) -> None:
    """Announce the decision: the officer chosen, or why nobody could be."""
    trace = {"producer": PRODUCER, "correlation_id": cause.correlation_id, "causation_id": cause.event_id,
             "occurred_at": decided_at}
    if decision.officer is None:
        await uow.outbox.add_event(ev.CaseAssignmentFailed(
            case_id=case.case_id, branch_code=case.branch_code, reason=reason, candidates=candidates, **trace))
        return
    await uow.outbox.add_event(ev.CaseAssigned(
        case_id=case.case_id, officer_id=decision.officer.officer_id, is_leader=decision.officer.is_leader,
        branch_code=decision.locality, rule=RULE, reason=reason, candidates=candidates, **trace))


async def register_officer(uow: AssignmentUnitOfWork, officer: Officer, *, on: datetime) -> bool:
    """Add or update a roster entry; a change is published as an event. True when it changed."""
    if not await uow.roster.save(officer):
        return False
    await uow.outbox.add_event(ev.OfficerRegistered(
        producer=PRODUCER, officer_id=officer.officer_id, full_name=officer.full_name,
        branch_code=officer.branch_code, is_leader=officer.is_leader, leader_role=officer.leader_role,
        fields=list(officer.fields), appointed_on=officer.appointed_on,
        quota_target=QUOTA_2022.yearly_target(officer.appointed_on, officer.leader_role,
                                              on.astimezone(LOCAL_TZ).date()),
        active=officer.active,
        absences=[{"start": a.start.isoformat(), "end": a.end.isoformat(), "kind": a.kind} for a in officer.absences],
    ))
    return True


EVENT_HANDLERS = {ev.CaseOpened: assign_case, ev.PerformerChangeRequested: reassign_case}

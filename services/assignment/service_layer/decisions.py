"""What every assignment decision shares: the center's standing at the moment, the rule, the record
and the event. First assignment, reassignment, a leader's override and an approved request all
go through here, so a decision is explained and published the same way whoever made it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.assignment.adapters.records import parties_from_record
from services.assignment.domain import conflicts as cf
from services.assignment.domain.policy import CaseToAssign, Decision, Standing, decide
from services.assignment.domain.quota import yearly_target
from services.assignment.domain.roster import Officer
from services.assignment.domain.rules import LOCAL_TZ
from services.assignment.service_layer.unit_of_work import AssignmentUnitOfWork
from shared import events as ev

PRODUCER = "assignment"


@dataclass(frozen=True)
class Moment:
    """The center's state for one decision: the roster, the standing and where the case may go."""

    officers: list[Officer]
    standing: Standing
    head_office: str | None
    branch_names: dict[str, str]
    at: datetime


def local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL_TZ)


async def moment_for(uow: AssignmentUnitOfWork, case_id: str, parties: cf.CaseParties, when: datetime, *,
                     new_case: bool = False) -> Moment:
    """Read the roster, this quota year's weighted loads and targets, and the conflicts of this case.

    Takes the decision lock first: two instances never decide on the same loads. The roster, the
    targets and the loads are read once per transaction (the repositories keep them, see there), so
    a batch of decisions costs one read of each. A new case has no exclusions yet.
    """
    await uow.assignments.lock_decisions()
    at = local(when)
    officers = await uow.roster.all()
    held = await uow.assignments.held_cases(parties.lookup_keys())
    excluded = frozenset() if new_case else await uow.assignments.excluded(case_id)
    standing = Standing(
        loads=await uow.assignments.loads_of_year(at.year),
        targets=uow.roster.derived(("targets", at.year), lambda: {
            o.officer_id: yearly_target(o, at.year, uow.rules).value for o in officers}),
        conflicts=cf.conflicts(case_id, parties, officers, held, excluded),
        group_balance=uow.rules.group_balance,
    )
    return Moment(officers, standing, await uow.roster.head_office(), await uow.roster.branch_names(), at)


def run_rule(case: CaseToAssign, moment: Moment) -> Decision:
    return decide(case, moment.officers, moment.standing, at=moment.at, head_office=moment.head_office,
                  branch_names=moment.branch_names)


def stored_case(row) -> tuple[CaseToAssign, cf.CaseParties]:
    """A stored case as the rule sees it."""
    return (CaseToAssign(row.case_id, row.field, row.branch_code, row.urgent, row.weight),
            parties_from_record(row.parties))


def candidate_scores(decision: Decision) -> list[ev.CandidateScore]:
    # vars, not asdict: a candidate holds only plain values, and asdict deep-copies (a fifth of a decision's time).
    return [ev.CandidateScore(**vars(c)) for c in decision.candidates]


async def publish(uow: AssignmentUnitOfWork, cause: ev.Event | None, case: CaseToAssign, officer: Officer | None,
                  locality: str | None, candidates: list[ev.CandidateScore], reason: str, decided_at: datetime, *,
                  kind: str = "initial", decided_by: str | None = None, previous: str | None = None,
                  correlation_id: str | None = None) -> None:
    """Announce a decision: the officer chosen, or why nobody could be."""
    trace = {"producer": PRODUCER, "occurred_at": decided_at}
    if cause is not None:
        trace |= {"correlation_id": cause.correlation_id, "causation_id": cause.event_id}
    elif correlation_id:
        trace |= {"correlation_id": correlation_id}
    if officer is None:
        await uow.outbox.add_event(ev.CaseAssignmentFailed(
            case_id=case.case_id, branch_code=case.branch_code, reason=reason, candidates=candidates, **trace))
        return
    await uow.outbox.add_event(ev.CaseAssigned(
        case_id=case.case_id, officer_id=officer.officer_id, is_leader=officer.is_leader,
        branch_code=locality or officer.branch_code, rule=uow.rules.rule_name, reason=reason, candidates=candidates,
        kind=kind, decided_by=decided_by, previous_officer_id=previous, weight=case.weight, **trace))


async def reassign(uow: AssignmentUnitOfWork, row, *, exclusion: str, preamble: str, when: datetime,
                   decided_at: datetime, cause: ev.Event | None = None, by: str | None = None,
                   correlation_id: str | None = None) -> Decision:
    """Take the case from its officer for good (declined, replaced) and choose again by the same rule."""
    if row.officer_id:
        await uow.assignments.exclude(row.case_id, row.officer_id, exclusion, decided_at)
    case, parties = stored_case(row)
    decision = run_rule(case, await moment_for(uow, case.case_id, parties, when))
    candidates = candidate_scores(decision)
    reason = preamble + decision.reason
    await uow.assignments.change_officer(
        case_id=case.case_id, officer_id=decision.officer.officer_id if decision.officer else None,
        decided_at=decided_at, rule=uow.rules.rule_name, reason=reason, candidates=[c.model_dump() for c in candidates],
        kind="reassignment", decided_by=by)
    await publish(uow, cause, case, decision.officer, decision.locality, candidates, reason, decided_at,
                  kind="reassignment", decided_by=by, previous=row.officer_id, correlation_id=correlation_id)
    return decision

"""Evaluation's event handlers: the register of cases and performers, and the roster with targets.

Every handler is an upsert, so a replayed event (a new durable reading the stream again) changes
nothing it already did.
"""

from __future__ import annotations

from services.evaluation.service_layer.unit_of_work import EvaluationUnitOfWork
from services.runtime.consumers import Delivery
from shared import events as ev


async def record_opening(uow: EvaluationUnitOfWork, event: ev.CaseOpened, _delivery: Delivery) -> None:
    """A case entered the register: its number, field and form of aid."""
    case = await uow.register.claim(event.case_id)
    await uow.register.save(case.opened(register_no=event.register_no, field=event.field.value,
                                        form=event.form.value, at=event.occurred_at))


async def record_closure(uow: EvaluationUnitOfWork, event: ev.CaseClosed, _delivery: Delivery) -> None:
    """A closed case enters the pool the evaluation plan draws from."""
    case = await uow.register.claim(event.case_id)
    await uow.register.save(case.closed(
        outcome=event.outcome, at=event.occurred_at, officer_id=event.officer_id,
        form=event.form.value if event.form else None, field=event.field.value if event.field else None,
        result=event.result, ground=event.ground, closed_by=event.closed_by))
    if event.officer_id:
        await uow.register.add_officer(event.case_id, event.officer_id, event.occurred_at)


async def record_assignment(uow: EvaluationUnitOfWork, event: ev.CaseAssigned, _delivery: Delivery) -> None:
    """Remember who performs a case and everyone who ever held it (independence)."""
    case = await uow.register.claim(event.case_id)
    await uow.register.save(case.assigned(event.officer_id, event.occurred_at))
    for officer_id in filter(None, (event.officer_id, event.previous_officer_id)):
        await uow.register.add_officer(event.case_id, officer_id, event.occurred_at)


async def record_officer(uow: EvaluationUnitOfWork, event: ev.OfficerRegistered, _delivery: Delivery) -> None:
    """Keep the roster entry and, for reviews, the year's target and band floors."""
    await uow.officers.save(event.officer_id, version=event.version, full_name=event.full_name,
                            branch_code=event.branch_code, is_leader=event.is_leader,
                            leader_role=event.leader_role, active=event.active)
    if event.target_year is not None:
        await uow.officers.save_target(event.officer_id, event.target_year, version=event.version,
                                       yearly_target=event.yearly_target, band_floors=dict(event.band_floors),
                                       at=event.occurred_at)


INTAKE_HANDLERS = {ev.CaseOpened: record_opening, ev.CaseClosed: record_closure}
ASSIGNMENT_HANDLERS = {ev.CaseAssigned: record_assignment, ev.OfficerRegistered: record_officer}

"""Evaluation's handlers: keep the register of cases and performers from upstream events."""

from __future__ import annotations

from dataclasses import replace

from services.evaluation.service_layer.unit_of_work import EvaluationUnitOfWork
from services.runtime.consumers import Delivery
from shared import events as ev


async def record_assignment(uow: EvaluationUnitOfWork, event: ev.CaseAssigned, _delivery: Delivery) -> None:
    """Remember who performs a case (independence checks need it)."""
    entry = await uow.register.get(event.case_id)
    await uow.register.save(replace(entry, officer_id=event.officer_id), assigned_at=event.occurred_at)


async def record_closure(uow: EvaluationUnitOfWork, event: ev.CaseClosed, _delivery: Delivery) -> None:
    """A closed case enters the pool the evaluation plan samples from."""
    entry = await uow.register.get(event.case_id)
    await uow.register.save(replace(entry, closed_at=event.occurred_at, outcome=event.outcome,
                                    officer_id=entry.officer_id or event.officer_id))


ASSIGNMENT_HANDLERS = {ev.CaseAssigned: record_assignment}
INTAKE_HANDLERS = {ev.CaseClosed: record_closure}

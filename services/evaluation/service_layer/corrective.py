"""Staff actions on corrective actions: the owner reports what was done; a leader verifies and
closes it (published, `late` after its due day) or sends it back."""

from __future__ import annotations

from datetime import datetime

from services.evaluation.domain.actions import CorrectiveAction
from services.evaluation.domain.years import local_day
from services.evaluation.service_layer.commands import PRODUCER, Actor, EvaluationError, Role, domain_rules, require
from services.evaluation.service_layer.unit_of_work import EvaluationUnitOfWork
from shared import events as ev


async def _action(uow: EvaluationUnitOfWork, action_id: str) -> tuple[CorrectiveAction, str | None]:
    found = await uow.actions.get(action_id, for_update=True)
    if found is None:
        raise EvaluationError("Không tìm thấy biện pháp khắc phục.", "action_id", 404)
    return found


async def submit_evidence(uow: EvaluationUnitOfWork, action_id: str, text: str, actor: Actor, now: datetime) -> None:
    """The owner reports what was done; the action waits for a leader's verification."""
    action, _ = await _action(uow, action_id)
    if actor.officer_id is None or actor.officer_id != action.owner_officer_id:
        raise EvaluationError("Chỉ người chịu trách nhiệm khắc phục được báo cáo kết quả.", None, 403)
    with domain_rules():
        action.submit(text, actor.username, now)
    await uow.actions.save(action)
    await uow.commit()


def _leader_not_owner(actor: Actor, action: CorrectiveAction) -> None:
    require(actor, (Role.LEADER,), "Chỉ lãnh đạo Trung tâm được xác nhận hoặc trả lại biện pháp khắc phục.")
    if actor.officer_id is not None and actor.officer_id == action.owner_officer_id:
        raise EvaluationError("Không được tự xác nhận biện pháp khắc phục của chính mình.", None, 403)


async def close_action(uow: EvaluationUnitOfWork, action_id: str, note: str, actor: Actor, now: datetime) -> bool:
    """A leader verifies the correction and closes the action; returns whether it was late."""
    action, correlation_id = await _action(uow, action_id)
    _leader_not_owner(actor, action)
    with domain_rules():
        action.close(note, actor.username, now, local_day(now, uow.tz))
    await uow.actions.save(action)
    await uow.outbox.add_event(ev.CorrectiveActionClosed(
        producer=PRODUCER, occurred_at=now, correlation_id=correlation_id or "", action_id=action.action_id,
        case_id=action.case_id, criterion=action.criterion, officer_id=action.owner_officer_id,
        closed_by=actor.username, note=note, late=bool(action.late)))
    await uow.commit()
    return bool(action.late)


async def reopen_action(uow: EvaluationUnitOfWork, action_id: str, note: str, actor: Actor, now: datetime) -> None:
    """A leader finds the reported correction insufficient and sends it back to the owner."""
    action, _ = await _action(uow, action_id)
    _leader_not_owner(actor, action)
    with domain_rules():
        action.reopen(note, actor.username, now)
    await uow.actions.save(action)
    await uow.commit()

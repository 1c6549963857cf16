"""What staff do to a case after it is opened."""

from __future__ import annotations

from datetime import datetime

from services.intake.domain.urgency import performer_change_due
from services.intake.service_layer.handlers import PRODUCER
from services.intake.service_layer.policy import IntakePolicy
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from shared import events as ev


class CaseActionRefused(Exception):
    """A staff action that cannot be done; the message is shown to the user in Vietnamese."""


async def request_performer_change(uow: IntakeUnitOfWork, case_id: str, reason: str, policy: IntakePolicy,
                                   now: datetime) -> datetime:
    """Record the beneficiary's application for another performer; returns when the answer is due."""
    if not reason.strip():
        raise CaseActionRefused("Hãy ghi lý do người được trợ giúp đề nghị thay đổi người thực hiện.")
    due = performer_change_due(now, policy.calendar, policy.rules)
    officer_id = await uow.cases.request_performer_change(case_id, at=now, reason=reason.strip(), due=due)
    if officer_id is None:
        raise CaseActionRefused("Không tìm thấy vụ việc này.")
    await uow.outbox.add_event(ev.PerformerChangeRequested(
        producer=PRODUCER, correlation_id=f"case:{case_id}", occurred_at=now, case_id=case_id,
        officer_id=officer_id or None, reason=reason.strip(), due=due))
    return due

"""What staff do to a case after it is opened: the beneficiary's application for another performer,
the performer's progress notes, and closing the case with its outcome."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.intake.adapters.repositories import CaseStale
from services.intake.domain.cases import (
    Case,
    CaseAlreadyClosed,
    ProgressNote,
    read_closure,
    read_progress,
)
from services.intake.domain.staff import StaffUser
from services.intake.domain.urgency import performer_change_due
from services.intake.service_layer.handlers import PRODUCER
from services.intake.service_layer.policy import IntakePolicy
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from shared import events as ev
from shared.vocabulary import CaseField


class CaseActionRefused(Exception):
    """A staff action that cannot be done; the message is shown to the user in Vietnamese."""


class CaseNotFound(CaseActionRefused):
    """No case has this id."""

    def __init__(self) -> None:
        super().__init__("Không tìm thấy vụ việc này.")


class CaseFileForbidden(CaseActionRefused):
    """Only the case's performer and the center's leaders keep its file."""

    def __init__(self) -> None:
        super().__init__("Chỉ người thực hiện vụ việc hoặc lãnh đạo Trung tâm được ghi nhận tiến độ "
                         "và kết thúc vụ việc này.")


async def request_performer_change(uow: IntakeUnitOfWork, case_id: str, reason: str, policy: IntakePolicy,
                                   now: datetime) -> datetime:
    """Record the beneficiary's application for another performer; returns when the answer is due."""
    if not reason.strip():
        raise CaseActionRefused("Hãy ghi lý do người được trợ giúp đề nghị thay đổi người thực hiện.")
    case = await uow.cases.get(case_id)
    if case is not None and case.closed:
        raise CaseActionRefused("Vụ việc đã kết thúc; không thể đề nghị thay đổi người thực hiện.")
    due = performer_change_due(now, policy.calendar, policy.rules)
    officer_id = await uow.cases.request_performer_change(case_id, at=now, reason=reason.strip(), due=due)
    if officer_id is None:
        raise CaseNotFound()
    await uow.outbox.add_event(ev.PerformerChangeRequested(
        producer=PRODUCER, correlation_id=f"case:{case_id}", occurred_at=now, case_id=case_id,
        officer_id=officer_id or None, reason=reason.strip(), due=due))
    return due


async def _kept_case(uow: IntakeUnitOfWork, case_id: str, user: StaffUser) -> Case:
    """The case, held for update, if this user keeps its file."""
    case = await uow.cases.get(case_id, for_update=True)
    if case is None:
        raise CaseNotFound()
    if not case.kept_by(user):
        raise CaseFileForbidden()
    return case


async def record_progress(uow: IntakeUnitOfWork, case_id: str, data: Mapping[str, Any], user: StaffUser,
                          policy: IntakePolicy, now: datetime) -> ProgressNote:
    """Add a dated progress note to an open case's file (its performer or a leader)."""
    zone = policy.rules.zone
    case = await _kept_case(uow, case_id, user)
    case.check_open(closing=False)  # before the form's checks: nothing typed can be recorded on it
    entry = read_progress(data, opened_on=case.opened_on(zone), today=now.astimezone(zone).date())
    note = case.record_progress(entry, by=user.username, at=now)
    await uow.cases.add_progress(note)
    await uow.commit()
    return note


async def close_case(uow: IntakeUnitOfWork, case_id: str, data: Mapping[str, Any], user: StaffUser,
                     policy: IntakePolicy, now: datetime) -> Case:
    """Close the case with its outcome (its performer or a leader), once: the case row and the
    CaseClosed event commit together."""
    rules, zone = policy.rules, policy.rules.zone
    case = await _kept_case(uow, case_id, user)
    case.check_open(closing=True)
    closure = read_closure(data, form=case.form, opened_on=case.opened_on(zone), today=now.astimezone(zone).date(),
                           rules=rules)
    case.close(closure, by=user.username, now=now, zone=zone)
    try:
        await uow.cases.record_closure(case)
    except CaseStale:
        current = await uow.cases.get(case_id)
        raise CaseAlreadyClosed(current.closure.closed_on if current and current.closure else None) from None
    assert case.closed_at is not None
    await uow.outbox.add_event(ev.CaseClosed(
        producer=PRODUCER, correlation_id=f"case:{case_id}", occurred_at=case.closed_at, case_id=case_id,
        outcome=closure.outcome.value, officer_id=case.officer_id, form=case.form, field=CaseField(case.field),
        result=closure.result, ground=closure.ground, note=closure.note, closed_by=user.username))
    await uow.commit()
    return case

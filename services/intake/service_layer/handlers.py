"""Intake's handlers: one per inbound message or event. Plain functions, registered in bootstrap."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from services.intake.domain.cases import Case, register_no
from services.intake.domain.notices import (
    Rejection,
    RevisionOutcome,
    deadline_hours,
    is_late,
    read_notice,
    revision_outcome,
)
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from services.runtime.consumers import Delivery
from shared import events as ev
from shared.external import NoticeRejection
from shared.subjects import INBOUND_REJECTED

PRODUCER = "intake"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


async def receive_referral(uow: IntakeUnitOfWork, data: bytes, delivery: Delivery) -> None:
    """Store a valid notice (opening a case when aid is wanted) or keep and answer a rejection."""
    trace = {"producer": PRODUCER, "correlation_id": delivery.message_key, "causation_id": delivery.message_key}
    notice = read_notice(data, delivery.received_at)
    if isinstance(notice, Rejection):
        await _reject(uow, notice, data, delivery, trace)
        return

    outcome = revision_outcome(await uow.notices.stored_revision(notice.agency.code, notice.notice_id),
                               notice.revision)
    if outcome is RevisionOutcome.STALE:
        await uow.notices.record_stale(notice.agency.code, notice.notice_id)
        return

    agency_known = await uow.reference.agency_known(notice.agency.code)
    branch_code = await uow.reference.branch_of_commune(notice.person.commune_code)
    late = is_late(notice)
    await uow.notices.save(notice, received_at=delivery.received_at, late=late, agency_known=agency_known,
                           commune_known=branch_code is not None, new=outcome is RevisionOutcome.NEW)
    await uow.outbox.add_event(ev.NoticeReceived(
        occurred_at=notice.sent_at,
        notice_key=f"{notice.agency.code}:{notice.notice_id}",
        revision=notice.revision,
        agency_code=notice.agency.code,
        agency_kind=notice.agency.kind,
        agency_known=agency_known,
        sent_at=notice.sent_at,
        request_received_at=notice.request_received_at,
        procedural_status=notice.procedural_status,
        wants_legal_aid=notice.wants_legal_aid,
        field=notice.case.field,
        commune_code=notice.person.commune_code,
        commune_known=branch_code is not None,
        gender=notice.person.gender,
        claimed_groups=[g.value for g in notice.claimed_groups],
        late=late,
        deadline_hours=deadline_hours(notice.procedural_status) if notice.request_received_at else None,
        **trace,
    ))
    if outcome is RevisionOutcome.NEW and notice.wants_legal_aid:
        await _open_case(uow, notice, delivery, branch_code, trace)


async def _open_case(uow: IntakeUnitOfWork, notice, delivery: Delivery, branch_code: str | None, trace: dict) -> None:
    year = delivery.received_at.astimezone(LOCAL_TZ).year
    number = register_no(year, await uow.cases.next_register_number(year))
    case = Case.open_from_notice(notice, number=number, opened_at=delivery.received_at, branch_code=branch_code)
    await uow.cases.add(case)
    await uow.notices.link_case(notice.agency.code, notice.notice_id, case.case_id)
    await uow.outbox.add_event(ev.CaseOpened(
        occurred_at=case.opened_at,
        case_id=case.case_id,
        register_no=case.register_no,
        channel=case.channel,
        notice_key=f"{notice.agency.code}:{notice.notice_id}",
        agency_code=notice.agency.code,
        field=notice.case.field,
        commune_code=case.commune_code,
        branch_code=branch_code,
        gender=notice.person.gender,
        birth_date=case.birth_date,
        groups=case.groups,
        procedural_status=notice.procedural_status,
        urgent=case.urgent,
        **trace,
    ))


async def _reject(uow: IntakeUnitOfWork, rejection: Rejection, data: bytes, delivery: Delivery, trace: dict) -> None:
    rejection_id = str(uuid.uuid4())
    kept = await uow.notices.add_rejection(
        rejection_id=rejection_id, message_key=delivery.message_key, agency_code=rejection.agency_code,
        notice_id=rejection.notice_id, received_at=delivery.received_at,
        errors=[e.model_dump() for e in rejection.errors], payload=data,
    )
    if not kept:
        return
    answer = NoticeRejection(agency_code=rejection.agency_code, notice_id=rejection.notice_id,
                             received_at=delivery.received_at, errors=rejection.errors)
    await uow.outbox.add(INBOUND_REJECTED, answer, msg_id=f"rejected:{rejection_id}")
    await uow.outbox.add_event(ev.NoticeRejected(
        occurred_at=delivery.received_at, rejection_id=rejection_id, agency_code=rejection.agency_code,
        notice_id=rejection.notice_id, received_at=delivery.received_at, errors=rejection.errors, **trace,
    ))


async def record_assignment(uow: IntakeUnitOfWork, event: ev.CaseAssigned, _delivery: Delivery) -> None:
    """Learn assignment's decision into the case register's read model."""
    await uow.cases.record_assignment(event.case_id, event.officer_id, event.occurred_at, event.reason)


async def record_assignment_failure(uow: IntakeUnitOfWork, event: ev.CaseAssignmentFailed, _delivery: Delivery) -> None:
    """Show staff that no officer could be chosen, and why."""
    await uow.cases.record_assignment_failure(event.case_id, event.reason)


async def record_officer(uow: IntakeUnitOfWork, event: ev.OfficerRegistered, _delivery: Delivery) -> None:
    """Keep officers' names for the case register."""
    await uow.cases.upsert_officer(event.officer_id, event.full_name, event.branch_code, event.is_leader)


EVENT_HANDLERS = {
    ev.CaseAssigned: record_assignment,
    ev.CaseAssignmentFailed: record_assignment_failure,
    ev.OfficerRegistered: record_officer,
}

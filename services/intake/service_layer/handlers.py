"""Intake's handlers: one per inbound message or event. Plain functions, registered in bootstrap."""

from __future__ import annotations

import uuid
from typing import NamedTuple
from zoneinfo import ZoneInfo

from services.intake.domain.cases import Case, register_no
from services.intake.domain.eligibility import EligibilityAssessment, PersonFacts, assess
from services.intake.domain.matching import MatchDecision, PersonRecord, best_match
from services.intake.domain.matters import MatterRef, Stage, same_matter
from services.intake.domain.notices import Rejection, RevisionOutcome, read_notice, revision_outcome
from services.intake.domain.urgency import center_deadlines, is_notice_late
from services.intake.service_layer.policy import IntakePolicy
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from services.runtime.consumers import Delivery
from shared import events as ev
from shared.external import NoticeRejection, ReferralNotice
from shared.subjects import INBOUND_REJECTED, rejected_subject_for

PRODUCER = "intake"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


#: A notice from a procedural agency proves the person's procedural status (and, with the birth
#: date it states, their age) — the rules file lists it among the accepted proofs.
AGENCY_NOTICE_DOCUMENT = "procedural_agency_notice"


async def receive_referral(uow: IntakeUnitOfWork, data: bytes, delivery: Delivery, *, policy: IntakePolicy) -> None:
    """Keep the message as it arrived (for `tgpl republish`), then store a valid notice (opening or
    continuing a case when aid is wanted, recording a missed beneficiary when it is not) or keep and
    answer a rejection."""
    trace = {"producer": PRODUCER, "correlation_id": delivery.message_key, "causation_id": delivery.message_key}
    await uow.notices.keep_inbound(message_key=delivery.message_key, subject=delivery.subject,
                                   headers=delivery.headers, payload=data, received_at=delivery.received_at)
    notice = read_notice(data, delivery.received_at)
    if isinstance(notice, Rejection):
        await _reject(uow, notice, data, delivery, trace)
        return

    outcome = revision_outcome(await uow.notices.stored_revision(notice.agency.code, notice.notice_id),
                               notice.revision)
    if outcome is RevisionOutcome.STALE:
        await uow.notices.record_stale(notice.agency.code, notice.notice_id)
        return

    rules = policy.rules
    notice_key = f"{notice.agency.code}:{notice.notice_id}"
    person_id, new_person = await resolve_person(uow, PersonRecord.from_person(notice.person), notice_key, policy)
    assessment = _assess(notice, rules)
    agency_known = await uow.reference.agency_known(notice.agency.code)
    branch_code = await uow.reference.branch_of_commune(notice.person.commune_code)
    late = is_notice_late(notice.sent_at, notice.request_received_at, notice.procedural_status, rules)
    await uow.notices.save(notice, received_at=delivery.received_at, late=late, agency_known=agency_known,
                           commune_known=branch_code is not None, new=outcome is RevisionOutcome.NEW,
                           person_id=person_id, eligibility=eligibility_record(assessment, rules))
    await uow.outbox.add_event(ev.NoticeReceived(
        occurred_at=notice.sent_at,
        notice_key=notice_key,
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
        deadline_hours=rules.notice_deadline_hours(notice.procedural_status) if notice.request_received_at else None,
        person_id=person_id,
        established_groups=[g.value for g in assessment.established_groups],
        entitled=assessment.entitled,
        **trace,
    ))
    if outcome is not RevisionOutcome.NEW:
        await uow.cases.apply_revision(notice)  # a correction updates the case it opened
        return
    if notice.wants_legal_aid:
        await _open_or_continue_case(uow, notice, notice_key, person_id, assessment, delivery, branch_code, trace,
                                     policy, new_person=new_person)
    missed = _missed_reason(notice, assessment, late)
    if missed:
        await _record_missed(uow, notice, notice_key, person_id, assessment, missed, trace)


def _assess(notice: ReferralNotice, rules) -> EligibilityAssessment:
    # Age counts on the day the person asked (or, when they did not, the day the agency wrote).
    moment = notice.request_received_at or notice.sent_at
    facts = PersonFacts(birth_date=notice.person.birth_date, procedural_status=notice.procedural_status,
                        claimed_groups=notice.claimed_groups, documents={AGENCY_NOTICE_DOCUMENT},
                        ethnicity=notice.person.ethnicity)
    return assess(facts, moment.astimezone(rules.zone).date(), rules)


def eligibility_record(assessment: EligibilityAssessment, rules) -> dict:
    return {
        "on": assessment.on.isoformat(),
        "entitled": assessment.entitled,
        "established": [g.value for g in assessment.established_groups],
        "decided_by": assessment.decided_by,
        "findings": [{"group": f.group.value, "status": f.status.value, "rule": f.rule,
                      "explanation": f.explanation_vi, "missing": f.missing} for f in assessment.findings],
        "missing_documents": [{"code": c, "label": rules.document_label(c)} for c in assessment.missing_documents],
    }


class ResolvedPerson(NamedTuple):
    person_id: str
    new: bool  # stored just now: nobody known was the same person (so they have no matters yet)


async def resolve_person(uow: IntakeUnitOfWork, record: PersonRecord, notice_key: str,
                         policy: IntakePolicy) -> ResolvedPerson:
    """The same person across notices and requests: merge when sure, ask staff in the grey zone."""
    match = best_match(record, await uow.people.candidates(record), policy.matching)
    if match is not None and match.decision is MatchDecision.SAME:
        await uow.people.index(match.existing.person_id, record)
        return ResolvedPerson(match.existing.person_id, new=False)
    person_id = await uow.people.add(record)
    if match is not None and match.decision is MatchDecision.ASK_STAFF:
        await uow.reviews.add(person_id=person_id, candidate_person_id=match.existing.person_id,
                              notice_key=notice_key, score=match.score, rule=match.rule, reasons=match.reasons_vi)
    return ResolvedPerson(person_id, new=True)


async def _open_or_continue_case(uow: IntakeUnitOfWork, notice: ReferralNotice, notice_key: str, person_id: str,
                                 assessment: EligibilityAssessment, delivery: Delivery, branch_code: str | None,
                                 trace: dict, policy: IntakePolicy, *, new_person: bool) -> None:
    ref = MatterRef(agency_kind=notice.agency.kind, agency_code=notice.agency.code,
                    agency_case_ref=notice.case.agency_case_ref, notice_key=notice_key, received_at=notice.sent_at,
                    summary=notice.case.summary or None)
    for matter in [] if new_person else await uow.matters.open_matters(person_id):
        link = same_matter(matter, True, notice.case.field.value, notice.agency.kind, notice.case.agency_case_ref,
                           notice.case.summary or None, notice.sent_at)
        case_id = await uow.matters.case_of(matter.matter_id)
        if link.continues and case_id:
            await uow.matters.add_ref(matter.matter_id, ref)
            await uow.notices.link_case(notice.agency.code, notice.notice_id, case_id)
            await uow.outbox.add_event(ev.CaseNoticeLinked(
                occurred_at=notice.sent_at, case_id=case_id, matter_id=matter.matter_id, notice_key=notice_key,
                agency_code=notice.agency.code, stage=Stage.of_agency(notice.agency.kind).value, rule=link.rule,
                agency_case_ref=notice.case.agency_case_ref, **trace))
            return
    matter_id = str(uuid.uuid4())
    case = await _open_case(uow, notice, notice_key, person_id, assessment, delivery, branch_code, trace, policy,
                            matter_id=matter_id)
    await uow.matters.add(person_id, notice.case.field.value, case.case_id, matter_id=matter_id)
    await uow.matters.add_ref(matter_id, ref)


async def _open_case(uow: IntakeUnitOfWork, notice: ReferralNotice, notice_key: str, person_id: str,
                     assessment: EligibilityAssessment, delivery: Delivery, branch_code: str | None,
                     trace: dict, policy: IntakePolicy, *, matter_id: str) -> Case:
    year = delivery.received_at.astimezone(LOCAL_TZ).year
    number = register_no(year, await uow.cases.next_register_number(year))
    case = Case.open_from_notice(notice, number=number, opened_at=delivery.received_at, branch_code=branch_code,
                                 groups=[g.value for g in assessment.established_groups])
    # A procedural agency's notice is accepted at once; the assignment clock starts now.
    case.assignment_due = center_deadlines(case.opened_at, policy.calendar, policy.rules, immediate=True,
                                           accepted_at=case.opened_at).assignment_due
    await uow.cases.add(case, person_id=person_id, matter_id=matter_id)  # the case's person and matter, at once
    await uow.notices.link_case(notice.agency.code, notice.notice_id, case.case_id)
    await uow.outbox.add_event(ev.CaseOpened(
        occurred_at=case.opened_at,
        case_id=case.case_id,
        register_no=case.register_no,
        channel=case.channel,
        notice_key=notice_key,
        agency_code=notice.agency.code,
        field=notice.case.field,
        commune_code=case.commune_code,
        branch_code=branch_code,
        gender=notice.person.gender,
        birth_date=case.birth_date,
        groups=case.groups,
        procedural_status=notice.procedural_status,
        urgent=case.urgent,
        stage=Stage.of_agency(notice.agency.kind).value,
        agency_case_ref=notice.case.agency_case_ref,
        person_id=person_id,
        beneficiary=ev.PartyRef(full_name=notice.person.full_name, national_id=notice.person.national_id),
        **trace,
    ))
    return case


def _missed_reason(notice: ReferralNotice, assessment: EligibilityAssessment, late: bool) -> str | None:
    """Why this notice reveals a missed beneficiary, if it does."""
    if not notice.wants_legal_aid and (assessment.entitled or notice.claimed_groups):
        return "did_not_ask"
    if notice.wants_legal_aid and late:
        return "request_passed_late"
    return None


_MISSED_TEXT = {
    "did_not_ask": "Người thuộc diện được trợ giúp pháp lý nhưng chưa yêu cầu: cần gặp, giải thích quyền "
                   "và ghi nhận kết quả.",
    "request_passed_late": "Cơ quan tố tụng chuyển yêu cầu trợ giúp pháp lý quá thời hạn luật định.",
    # "not_accepted_in_time" comes from the center's own clock (service_layer/requests.py).
}


async def _record_missed(uow: IntakeUnitOfWork, notice: ReferralNotice, notice_key: str, person_id: str,
                         assessment: EligibilityAssessment, reason: str, trace: dict) -> None:
    groups = [g.value for g in assessment.established_groups] or [g.value for g in notice.claimed_groups]
    basis = "; ".join(f.explanation_vi for f in assessment.findings if f.group.value in groups)
    explanation = _MISSED_TEXT[reason] + (f" Căn cứ: {basis}" if basis else "")
    missed_id = str(uuid.uuid4())
    if not await uow.missed.add(missed_id=missed_id, notice_key=notice_key, person_id=person_id,
                                agency_code=notice.agency.code, reason=reason, explanation=explanation,
                                groups=groups, detected_at=notice.sent_at):
        return
    await uow.outbox.add_event(ev.MissedBeneficiaryDetected(
        occurred_at=notice.sent_at, missed_id=missed_id, notice_key=notice_key, person_id=person_id,
        agency_code=notice.agency.code, reason=reason, groups=groups, explanation=explanation, **trace))


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
    if own_subject := rejected_subject_for(rejection.agency_code):  # the copy the agency's identity may read
        await uow.outbox.add(own_subject, answer, msg_id=f"rejected:{rejection_id}:agency")
    await uow.outbox.add_event(ev.NoticeRejected(
        occurred_at=delivery.received_at, rejection_id=rejection_id, agency_code=rejection.agency_code,
        notice_id=rejection.notice_id, received_at=delivery.received_at, errors=rejection.errors, **trace,
    ))


async def record_assignment(uow: IntakeUnitOfWork, event: ev.CaseAssigned, _delivery: Delivery) -> None:
    """Learn assignment's decision into the case register's read model."""
    await uow.cases.record_assignment(event.case_id, event.officer_id, event.occurred_at, event.reason)
    # Who performs or performed the case: they see its person data (StaffUser.sees_person_in).
    await uow.cases.add_performers(event.case_id, [event.officer_id, event.previous_officer_id], event.occurred_at)


async def record_assignment_failure(uow: IntakeUnitOfWork, event: ev.CaseAssignmentFailed, _delivery: Delivery) -> None:
    """Show staff that no officer could be chosen, and why."""
    await uow.cases.record_assignment_failure(event.case_id, event.reason, event.occurred_at)


async def record_officer(uow: IntakeUnitOfWork, event: ev.OfficerRegistered, _delivery: Delivery) -> None:
    """Keep officers' names for the case register."""
    await uow.cases.upsert_officer(event.officer_id, event.full_name, event.branch_code, event.is_leader)


EVENT_HANDLERS = {
    ev.CaseAssigned: record_assignment,
    ev.CaseAssignmentFailed: record_assignment_failure,
    ev.OfficerRegistered: record_officer,
}

"""Handlers for requests registered by staff: register, accept (open a case), refuse, wait for papers.

Each handler runs in one unit of work and commits it: the request, the case, the person and the
outbox rows change together or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime

from services.intake.adapters.requests import RequestStale
from services.intake.domain.cases import Case, register_no
from services.intake.domain.eligibility import (
    EligibilityAssessment,
    PersonFacts,
    RequestOutcome,
    assess,
    decide_request,
)
from services.intake.domain.matching import PersonRecord
from services.intake.domain.requests import (
    AidRequest,
    RequestAlreadyDecided,
    RequestError,
    StaffRequest,
    document_choices,
)
from services.intake.domain.staff import StaffUser
from services.intake.domain.urgency import center_deadlines, is_immediate_acceptance
from services.intake.service_layer.handlers import LOCAL_TZ, PRODUCER, eligibility_record, resolve_person
from services.intake.service_layer.policy import IntakePolicy
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from shared import events as ev
from shared.vocabulary import CaseField, Gender


class RequestNotFound(RequestError):
    """No request has this id."""

    def __init__(self) -> None:
        super().__init__("Không tìm thấy yêu cầu trợ giúp pháp lý này.")


def _trace(request_id: str) -> dict:
    return {"producer": PRODUCER, "correlation_id": f"request:{request_id}"}


def assessment_record(facts: PersonFacts, on: date, policy: IntakePolicy, *, immediate: bool,
                      immediate_reasons: list[str], mandatory_defence: bool,
                      defence_facts: dict[str, bool]) -> dict:
    """Assess eligibility and suggest a decision; the JSON kept on the request and shown to staff."""
    rules = policy.rules
    assessment: EligibilityAssessment = assess(facts, on, rules)
    decision = decide_request(assessment, facts.documents, rules, immediate=immediate)
    record = eligibility_record(assessment, rules)
    record.update(
        facts={"lives_in_hardship_area": facts.lives_in_hardship_area, **defence_facts},
        mandatory_defence=mandatory_defence,
        immediate=immediate,
        immediate_reasons=immediate_reasons,
        suggestion={
            "outcome": decision.outcome.value,
            "missing": [{"code": c, "label": rules.document_label(c)} for c in decision.missing],
            "reasons": list(decision.reasons_vi),
            "ground": decision.ground.value if decision.ground else None,
            "decided_by": list(decision.decided_by),
        },
    )
    return record


async def register_request(uow: IntakeUnitOfWork, form: StaffRequest, user: StaffUser, policy: IntakePolicy,
                           now: datetime) -> str:
    """Register a request staff received: assess it, start the center's clock, find the person; its id."""
    rules, calendar = policy.rules, policy.calendar
    request_id = str(uuid.uuid4())
    today = now.astimezone(rules.zone).date()
    defence = form.mandatory_defence(today)
    immediate, reasons = is_immediate_acceptance(False, defence, form.trial_date, form.limitation_date, today,
                                                 calendar, rules)
    record = assessment_record(form.facts(), today, policy, immediate=immediate, immediate_reasons=reasons,
                               mandatory_defence=defence,
                               defence_facts={"disability_limits_defence": form.disability_limits_defence,
                                              "max_penalty_severe": form.max_penalty_severe})
    papers_missing = record["suggestion"]["outcome"] == RequestOutcome.PAPERS_MISSING
    # The clock runs on a complete file; an immediate case must be accepted today whatever is missing.
    due = center_deadlines(now, calendar, rules, immediate=immediate).acceptance_due \
        if immediate or not papers_missing else None
    person_id = (await resolve_person(uow, PersonRecord(
        person_id=None, full_name=form.full_name, birth_date=form.birth_date, national_id=form.national_id,
        commune_code=form.commune_code, gender=form.gender.value), f"request:{request_id}", policy)).person_id
    await uow.requests.add(AidRequest.register(
        form, request_id=request_id, received_at=now, received_by=user.username, person_id=person_id,
        eligibility=record, papers_missing=papers_missing, acceptance_due=due))
    await uow.commit()
    return request_id


async def _load(uow: IntakeUnitOfWork, request_id: str) -> AidRequest:
    request = await uow.requests.get(request_id, for_update=True)
    if request is None:
        raise RequestNotFound()
    return request


async def _save(uow: IntakeUnitOfWork, request: AidRequest, previous) -> None:
    try:
        await uow.requests.record_decision(request, previous)
    except RequestStale:
        current = await uow.requests.get(request.request_id)
        raise RequestAlreadyDecided(current.status if current else previous) from None


async def accept_request(uow: IntakeUnitOfWork, request_id: str, user: StaffUser, policy: IntakePolicy,
                         now: datetime, documents_added: Iterable[str] = ()) -> Case:
    """Accept (thụ lý): papers brought later are added first; the case enters the register and goes
    to assignment (urgent when immediate)."""
    rules = policy.rules
    request = await _load(uow, request_id)
    previous = request.status
    added = [code for code in dict.fromkeys(documents_added) if code not in request.documents]
    if unknown := [code for code in added if code not in document_choices(rules)]:
        raise RequestError(f"Giấy tờ không có trong danh mục: {', '.join(unknown)}.", "documents_added")
    if added:
        old = request.eligibility
        request.supplement(added, assessment_record(
            replace(request.facts(), documents=[*request.documents, *added]), date.fromisoformat(old["on"]),
            policy, immediate=request.immediate, immediate_reasons=old.get("immediate_reasons", []),
            mandatory_defence=old.get("mandatory_defence", False),
            defence_facts={k: v for k, v in old.get("facts", {}).items() if k != "lives_in_hardship_area"}))
    request.check_acceptable([m["label"] for m in request.eligibility.get("missing_documents", [])])
    year = now.astimezone(rules.zone).year
    branch_code = await uow.reference.branch_of_commune(request.commune_code)
    case = Case.open_from_request(request, number=register_no(year, await uow.cases.next_register_number(year)),
                                  opened_at=now, branch_code=branch_code)
    request.accept(case_id=case.case_id, by=user.username, at=now)
    await _save(uow, request, previous)
    case.assignment_due = center_deadlines(now, policy.calendar, rules, accepted_at=now).assignment_due
    await uow.cases.add(case)
    matter_id = await uow.matters.add(request.person_id, request.field, case.case_id)
    await uow.cases.link_matter(case.case_id, request.person_id, matter_id)
    await uow.outbox.add_event(ev.CaseOpened(
        occurred_at=now,
        case_id=case.case_id,
        register_no=case.register_no,
        channel=case.channel,
        field=CaseField(request.field),
        commune_code=case.commune_code,
        branch_code=branch_code,
        gender=Gender(request.gender),
        birth_date=case.birth_date,
        groups=case.groups,
        procedural_status=request.procedural_status,
        urgent=case.urgent,
        person_id=request.person_id,
        beneficiary=ev.PartyRef(full_name=request.full_name, national_id=request.national_id),
        opposing_parties=[ev.PartyRef(**p) for p in request.opposing_parties],
        form=case.form,
        **_trace(request_id),
    ))
    await uow.commit()
    return case


async def refuse_request(uow: IntakeUnitOfWork, request_id: str, ground: str, reason: str, user: StaffUser,
                         now: datetime) -> None:
    """Refuse in writing on one of the four legal grounds, with the reason."""
    request = await _load(uow, request_id)
    previous = request.status
    request.refuse(ground, reason, by=user.username, at=now)
    await _save(uow, request, previous)
    await uow.outbox.add_event(ev.RequestRefused(
        occurred_at=now, request_id=request_id, ground=request.refusal_ground.value,
        reason=request.decision_reason, **_trace(request_id)))
    await uow.commit()


async def mark_papers_missing(uow: IntakeUnitOfWork, request_id: str, note: str, user: StaffUser,
                              now: datetime) -> None:
    """Tell the person which papers to bring, and wait for them."""
    request = await _load(uow, request_id)
    previous = request.status
    request.mark_papers_missing(note, by=user.username, at=now)
    await _save(uow, request, previous)
    await uow.commit()


async def flag_overdue_acceptances(uow: IntakeUnitOfWork, now: datetime) -> int:
    """A request still undecided after its acceptance deadline is a person the center is missing:
    record it once, with an event, so it shows with the other missed beneficiaries."""
    flagged = 0
    for request in await uow.requests.overdue_undecided(now):
        missed_id = str(uuid.uuid4())
        explanation = ("Yêu cầu trợ giúp pháp lý chưa được thụ lý trong thời hạn "
                       f"(hạn {request.acceptance_due.astimezone(LOCAL_TZ).strftime('%d/%m/%Y')}).")
        if not await uow.missed.add(missed_id=missed_id, notice_key=f"request:{request.request_id}",
                                    person_id=request.person_id, agency_code="", reason="not_accepted_in_time",
                                    explanation=explanation, groups=list(request.claimed_groups), detected_at=now):
            continue
        await uow.outbox.add_event(ev.MissedBeneficiaryDetected(
            producer=PRODUCER, correlation_id=f"request:{request.request_id}", occurred_at=now, missed_id=missed_id,
            notice_key=f"request:{request.request_id}", person_id=request.person_id, agency_code="",
            reason="not_accepted_in_time", groups=list(request.claimed_groups), explanation=explanation))
        flagged += 1
    return flagged

"""Staff pages for requests received in person, by phone, by post or electronically: register one,
see what the rules found, accept, refuse in writing or wait for papers, print the refusal."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.intake.adapters import register_queries
from services.intake.adapters.accounts import Accounts, Session
from services.intake.domain.eligibility import RefusalReasonMissing
from services.intake.domain.requests import (
    STAFF_CHANNELS,
    AidRequest,
    InvalidStaffRequest,
    RequestAlreadyDecided,
    RequestError,
    RequestStatus,
    document_choices,
    parse_staff_request,
)
from services.intake.domain.staff import Permission
from services.intake.entrypoints import auth, labels
# The module, not its TEMPLATES: web.py includes this router, so either may be imported first.
from services.intake.entrypoints import web as pages
from services.intake.service_layer.policy import IntakePolicy
from services.intake.service_layer.requests import (
    RequestNotFound,
    accept_request,
    mark_papers_missing,
    refuse_request,
)
from services.intake.service_layer.requests import register_request as register_handler
from services.runtime.unit_of_work import utcnow
from shared.vocabulary import AidForm, BeneficiaryGroup, CaseField, Gender, ProceduralStatus

router = APIRouter(include_in_schema=False)

DEFAULT_CENTER_NAME = "Trung tâm Trợ giúp pháp lý Nhà nước"
LIST_FIELDS = ("claimed_groups", "documents", "documents_added")

REQUEST_STATUS_LABELS = {
    "registered": "Chờ quyết định thụ lý",
    "papers_missing": "Chờ bổ sung giấy tờ",
    "accepted": "Đã thụ lý",
    "refused": "Đã từ chối",
}
PROCEDURAL_STATUS_LABELS = {
    "arrested": "Người bị bắt",
    "held_in_custody": "Người bị tạm giữ",
    "suspect": "Bị can",
    "defendant": "Bị cáo",
    "victim": "Bị hại",
    "involved_party": "Đương sự",
    "witness": "Người làm chứng",
    "other": "Tư cách khác",
}
FINDING_LABELS = {"established": "Đủ căn cứ", "claimed_unproven": "Chưa đủ căn cứ", "not_met": "Không thuộc nhóm"}
OUTCOME_LABELS = {
    "accept": "Thụ lý",
    "papers_missing": "Chờ bổ sung giấy tờ",
    "refuse_not_eligible": "Từ chối theo căn cứ (a) — cán bộ phải xem xét và xác nhận",
}


def _policy(request: Request) -> IntakePolicy:
    return request.app.state.policy


def _accounts(request: Request) -> Accounts:
    return request.app.state.accounts


def _local(dt: datetime | None, policy: IntakePolicy, fmt: str = "%d/%m/%Y %H:%M") -> str:
    return dt.astimezone(policy.rules.zone).strftime(fmt) if dt else ""


def _render(request: Request, template: str, context: dict, status_code: int = 200) -> Response:
    return pages.TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)


def _message(request: Request, title: str, message: str, status_code: int) -> Response:
    return _render(request, "message.html", {"title": title, "message": message}, status_code)


def _no_part(request: Request) -> Response:
    return _message(request, "Không có quyền xem yêu cầu này",
                    "Yêu cầu này chứa thông tin cá nhân của người được trợ giúp; bạn chỉ xem được yêu cầu của "
                    "vụ việc mà bạn thực hiện hoặc đã thực hiện.", 403)


async def _form_values(request: Request) -> dict:
    form = await request.form()
    values: dict = {key: form.get(key, "") for key in form.keys() if key != "csrf_token"}
    values.update({key: form.getlist(key) for key in LIST_FIELDS})
    return values


def _choices(policy: IntakePolicy) -> dict:
    """Everything the forms offer, labelled in Vietnamese from the rules and the label tables."""
    rules = policy.rules
    file_items = [item for item in rules.request_file if not item.eligibility]
    file_codes = {item.code for item in file_items}
    return {
        "file_documents": [(item.code, item.label_vi, item.required) for item in file_items],
        "eligibility_heading": next(item.label_vi for item in rules.request_file if item.eligibility),
        "proof_documents": [(code, rules.document_label(code)) for code in document_choices(rules)
                            if code not in file_codes],
        "groups": [(g.value, rules.groups[g].label_vi, rules.groups[g].needs_financial_difficulty)
                   for g in BeneficiaryGroup],
        "channels": [(c.value, labels.CHANNEL_LABELS[c.value]) for c in STAFF_CHANNELS],
        "genders": [(g.value, labels.GENDER_LABELS[g.value]) for g in Gender],
        "fields": [(f.value, labels.FIELD_LABELS[f.value]) for f in CaseField],
        "aid_forms": [(f.value, labels.AID_FORM_LABELS[f.value]) for f in AidForm],
        "statuses": [(s.value, PROCEDURAL_STATUS_LABELS[s.value]) for s in ProceduralStatus],
    }


@router.get("/requests/new", response_class=HTMLResponse)
async def new_request(request: Request, _session: Session = Depends(auth.require(Permission.REGISTER_REQUEST))):
    return _render(request, "request_new.html", {
        **_choices(_policy(request)), "values": {"channel": "walk_in", "gender": ""}, "errors": {}})


@router.post("/requests", dependencies=[Depends(auth.csrf_checked)])
async def register_request(request: Request,
                           session: Session = Depends(auth.require(Permission.REGISTER_REQUEST))) -> Response:
    policy, now = _policy(request), utcnow()
    values = await _form_values(request)
    try:
        form = parse_staff_request(values, policy.rules, now.astimezone(policy.rules.zone).date())
    except InvalidStaffRequest as exc:
        return _render(request, "request_new.html", {**_choices(policy), "values": values, "errors": exc.errors},
                       status_code=422)
    async with request.app.state.uow() as uow:
        request_id = await register_handler(uow, form, session.user, policy, now)
    await _accounts(request).audit(session.user, "register_request", subject=request_id, channel=form.channel.value)
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


@router.get("/requests", response_class=HTMLResponse)
async def list_requests(request: Request, status: str = "",
                        session: Session = Depends(auth.require(Permission.VIEW_PERSON))):
    policy, now = _policy(request), utcnow()
    chosen = RequestStatus(status) if status in REQUEST_STATUS_LABELS else None
    async with request.app.state.uow() as uow:
        found = await uow.requests.by_status(chosen)
        numbers = await uow.requests.register_numbers([r.case_id for r in found if r.case_id])
    if not session.user.may(Permission.VIEW_EVERY_PERSON):
        # An officer sees the requests behind the cases they have a part in, and no one else's.
        performers = await register_queries.performers_of(request.app.state.engine, [r.case_id for r in found])
        found = [r for r in found if r.case_id and session.user.sees_person_in(performers.get(r.case_id, ()))]
    await _accounts(request).audit(session.user, "list_requests", None, status=status,
                                   requests=[r.request_id for r in found])
    rows = [{"r": r, "received": _local(r.received_at, policy), "due": _local(r.acceptance_due, policy),
             "overdue": r.is_overdue(now), "register_no": numbers.get(r.case_id or "")} for r in found]
    return _render(request, "requests.html", {
        "rows": rows, "status": status if chosen else "", "status_labels": REQUEST_STATUS_LABELS,
        "channel_labels": labels.CHANNEL_LABELS, "field_labels": labels.FIELD_LABELS,
        "may_register": session.user.may(Permission.REGISTER_REQUEST)})


async def _detail(request: Request, session: Session, request_id: str, *, errors: dict | None = None,
                  values: dict | None = None, message: str | None = None, status_code: int = 200) -> Response:
    """The request page; also the answer to a decision that failed, with the message where it belongs."""
    policy, now = _policy(request), utcnow()
    rules = policy.rules
    async with request.app.state.uow() as uow:
        found = await uow.requests.get(request_id)
        if found is None:
            return _message(request, "Không tìm thấy", RequestNotFound().message_vi, 404)
        places = await uow.requests.place_names(found.commune_code)
        # Other open cases of the same person: the same matter may already be handled (ground d).
        other_cases = []
        for matter in await uow.matters.open_matters(found.person_id) if found.person_id else []:
            case_id = await uow.matters.case_of(matter.matter_id)
            if case_id and case_id != found.case_id:
                other_cases.append((case_id, matter.field))
        numbers = await uow.requests.register_numbers([c for c, _ in other_cases] + [found.case_id or ""])
    if not await pages.sees_person_of_case(request, session.user, found.case_id):
        return _no_part(request)
    await _accounts(request).audit(session.user, "view_request", subject=request_id)
    record = found.eligibility
    missing_codes = list(dict.fromkeys(
        [m["code"] for m in record.get("suggestion", {}).get("missing", [])]
        + [m["code"] for m in record.get("missing_documents", [])]))
    return _render(request, "request.html", {
        "r": found, "record": record, "places": places, "register_no": numbers.get(found.case_id or ""),
        "other_cases": [(numbers.get(c, c), field) for c, field in other_cases],
        "received": _local(found.received_at, policy), "due": _local(found.acceptance_due, policy),
        "decided": _local(found.decided_at, policy), "overdue": found.is_overdue(now),
        "findings": record.get("findings", []), "suggestion": record.get("suggestion", {}),
        "missing_choices": [(code, rules.document_label(code)) for code in missing_codes
                            if code not in found.documents],
        "document_labels": [rules.document_label(code) for code in found.documents],
        "group_label": lambda code: rules.groups[BeneficiaryGroup(code)].label_vi, "doc_label": rules.document_label,
        "grounds": [(g.value, text) for g, text in rules.refusal_grounds.items()],
        "may_decide": session.user.may(Permission.DECIDE_REQUEST),
        "status_labels": REQUEST_STATUS_LABELS, "channel_labels": labels.CHANNEL_LABELS,
        "field_labels": labels.FIELD_LABELS, "gender_labels": labels.GENDER_LABELS,
        "aid_form_labels": labels.AID_FORM_LABELS,
        "procedural_labels": PROCEDURAL_STATUS_LABELS, "finding_labels": FINDING_LABELS,
        "outcome_labels": OUTCOME_LABELS, "errors": errors or {}, "values": values or {}, "message": message,
    }, status_code)


@router.get("/requests/{request_id}", response_class=HTMLResponse)
async def request_page(request: Request, request_id: str,
                       session: Session = Depends(auth.require(Permission.VIEW_PERSON))):
    return await _detail(request, session, request_id)


async def _decide(request: Request, session: Session, request_id: str, action: str, decide) -> Response:
    """Run one decision; on a refusal by the rules, show the request again with the reason."""
    values = await _form_values(request)
    try:
        detail = await decide(values)
    except RequestNotFound as exc:
        return _message(request, "Không tìm thấy", exc.message_vi, 404)
    except RequestAlreadyDecided as exc:
        return await _detail(request, session, request_id, message=exc.message_vi, status_code=409)
    except RefusalReasonMissing as exc:
        return await _detail(request, session, request_id, errors={"reason": str(exc)}, values=values,
                             status_code=422)
    except RequestError as exc:
        errors = {exc.field: exc.message_vi} if exc.field else {}
        return await _detail(request, session, request_id, errors=errors, values=values,
                             message=None if exc.field else exc.message_vi, status_code=422)
    await _accounts(request).audit(session.user, action, subject=request_id, **detail)
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


@router.post("/requests/{request_id}/accept", dependencies=[Depends(auth.csrf_checked)])
async def accept(request: Request, request_id: str,
                 session: Session = Depends(auth.require(Permission.DECIDE_REQUEST))) -> Response:
    async def decide(values: dict) -> dict:
        async with request.app.state.uow() as uow:
            case = await accept_request(uow, request_id, session.user, _policy(request), utcnow(),
                                        documents_added=values["documents_added"])
        return {"case_id": case.case_id, "register_no": case.register_no, "documents_added": values["documents_added"]}

    return await _decide(request, session, request_id, "accept_request", decide)


@router.post("/requests/{request_id}/papers-missing", dependencies=[Depends(auth.csrf_checked)])
async def papers_missing(request: Request, request_id: str,
                         session: Session = Depends(auth.require(Permission.DECIDE_REQUEST))) -> Response:
    async def decide(values: dict) -> dict:
        async with request.app.state.uow() as uow:
            await mark_papers_missing(uow, request_id, values.get("note", ""), session.user, utcnow())
        return {}

    return await _decide(request, session, request_id, "mark_papers_missing", decide)


@router.post("/requests/{request_id}/refuse", dependencies=[Depends(auth.csrf_checked)])
async def refuse(request: Request, request_id: str,
                 session: Session = Depends(auth.require(Permission.DECIDE_REQUEST))) -> Response:
    async def decide(values: dict) -> dict:
        async with request.app.state.uow() as uow:
            await refuse_request(uow, request_id, values.get("ground", ""), values.get("reason", ""),
                                 session.user, utcnow())
        return {"ground": values.get("ground")}

    return await _decide(request, session, request_id, "refuse_request", decide)


@router.get("/requests/{request_id}/refusal", response_class=HTMLResponse)
async def refusal_letter(request: Request, request_id: str,
                         session: Session = Depends(auth.require(Permission.VIEW_PERSON))):
    policy = _policy(request)
    async with request.app.state.uow() as uow:
        found: AidRequest | None = await uow.requests.get(request_id)
        places = await uow.requests.place_names(found.commune_code) if found else {}
    if found is None:
        return _message(request, "Không tìm thấy", RequestNotFound().message_vi, 404)
    if not await pages.sees_person_of_case(request, session.user, found.case_id):
        return _no_part(request)
    if found.status is not RequestStatus.REFUSED:
        return _message(request, "Chưa có văn bản từ chối",
                        "Yêu cầu này chưa bị từ chối nên không có văn bản từ chối để in.", 409)
    await _accounts(request).audit(session.user, "print_refusal", subject=request_id)
    decided = found.decided_at.astimezone(policy.rules.zone)
    return _render(request, "refusal.html", {
        "r": found, "places": places, "center_name": getattr(request.app.state, "center_name", DEFAULT_CENTER_NAME),
        "ground_text": policy.rules.refusal_grounds[found.refusal_ground], "decided": decided,
        "received": _local(found.received_at, policy, "%d/%m/%Y"), "channel_labels": labels.CHANNEL_LABELS,
        "gender_labels": labels.GENDER_LABELS})

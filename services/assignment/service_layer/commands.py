"""Staff actions on assignment, arriving over the HTTP API from the staff UI.

A leader may override the rule's choice with a written reason; an officer may decline a case
(conflict of interest) or ask to take one, which only a leader's approval with a reason makes an
assignment. Nobody assigns a case to themself, and no action breaks a hard rule.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.assignment.domain.policy import check
from services.assignment.domain.roster import Officer
from services.assignment.service_layer import decisions as d
from services.assignment.service_layer.handlers import register_officer
from services.assignment.service_layer.unit_of_work import AssignmentUnitOfWork
from services.runtime.errors import ActionRefused
from shared import events as ev

#: The shortest written reason accepted for an override, a decline or a request (characters).
MIN_REASON = 10

RULE_LABELS = {
    "inactive": "không còn hoạt động",
    "absent": "đang nghỉ (phép, đào tạo, thai sản) vào ngày này",
    "declined_or_replaced": "đã từ chối hoặc đã bị thay đổi trong vụ việc này",
    "declared_relationship": "đã kê khai quan hệ với một bên của vụ việc",
    "opposing_party": "đã hoặc đang trợ giúp bên có quyền lợi đối lập trong cùng vụ việc",
    "outside_locality": "không phụ trách địa bàn của vụ việc",
    "does_not_handle_field": "không nhận lĩnh vực của vụ việc",
    "not_on_duty": "không trực vào thời điểm này",
}


class AssignmentError(ActionRefused):
    """A staff action on assignment that cannot be done."""


@dataclass(frozen=True)
class Actor:
    """Who acts: the staff user's name, and their own roster entry when they are an officer."""

    username: str
    officer_id: str | None = None
    is_leader: bool = False


def _reason(text: str) -> str:
    text = " ".join(text.split()).rstrip(". ")
    if len(text) < MIN_REASON:
        raise AssignmentError(f"Cần ghi rõ lý do (ít nhất {MIN_REASON} ký tự).", "reason")
    return text


async def _case(uow: AssignmentUnitOfWork, case_id: str):
    row = await uow.assignments.case(case_id)
    if row is None:
        raise AssignmentError("Không tìm thấy vụ việc trong dữ liệu phân công.", "case_id", 404)
    if row.closed_at is not None:
        raise AssignmentError("Vụ việc đã kết thúc; không thể thay đổi phân công.", "case_id", 409)
    return row


async def _officer(uow: AssignmentUnitOfWork, officer_id: str) -> Officer:
    found = await uow.roster.get(officer_id)
    if found is None:
        raise AssignmentError("Không có người thực hiện này trong danh sách.", "officer_id", 404)
    return found[0]


async def _assign_chosen(uow: AssignmentUnitOfWork, row, officer: Officer, *, kind: str, by: str, reason: str,
                         now: datetime) -> None:
    """Give the case to an officer a leader chose, if no hard rule stops it, and keep the reasons."""
    if row.officer_id == officer.officer_id:
        raise AssignmentError("Vụ việc đã do người này thực hiện.", "officer_id", 409)
    case, parties = d.stored_case(row)
    moment = await d.moment_for(uow, case.case_id, parties, now)
    stop = check(case, officer, moment.standing, at=moment.at, head_office=moment.head_office)
    if stop:
        raise AssignmentError(f"Không thể giao cho {officer.full_name}: {RULE_LABELS.get(stop, stop)}.",
                              "officer_id", 409)
    suggested = d.run_rule(case, moment)
    candidates = d.candidate_scores(suggested)
    text = {"override": "Lãnh đạo quyết định giao khác đề xuất", "approved_request": "Lãnh đạo duyệt đề nghị nhận vụ việc"}
    advice = f" Đề xuất theo quy tắc: {suggested.officer.full_name}." if suggested.officer else ""
    full = f"{text[kind]} ({by}): {reason}.{advice}"
    await uow.assignments.change_officer(
        case_id=case.case_id, officer_id=officer.officer_id, decided_at=now, rule=uow.rules.rule_name, reason=full,
        candidates=[c.model_dump() for c in candidates], kind=kind, decided_by=by)
    await d.publish(uow, None, case, officer, officer.branch_code, candidates, full, now, kind=kind, decided_by=by,
                    previous=row.officer_id)


async def override(uow: AssignmentUnitOfWork, case_id: str, officer_id: str, reason: str, actor: Actor,
                   now: datetime) -> None:
    """A leader gives the case to another officer than the rule chose, with a written reason."""
    if not actor.is_leader:
        raise AssignmentError("Chỉ lãnh đạo Trung tâm được quyết định giao khác đề xuất.", None, 403)
    if actor.officer_id and actor.officer_id == officer_id:
        raise AssignmentError("Không được tự giao vụ việc cho chính mình; hãy gửi đề nghị để lãnh đạo khác duyệt.",
                              "officer_id", 403)
    reason = _reason(reason)
    row = await _case(uow, case_id)
    await _assign_chosen(uow, row, await _officer(uow, officer_id), kind="override", by=actor.username,
                         reason=reason, now=now)
    await uow.commit()


async def decline(uow: AssignmentUnitOfWork, case_id: str, reason: str, actor: Actor, now: datetime) -> None:
    """The performer declines the case (Art. 25(2)): never offered it again; the rule chooses anew."""
    row = await _case(uow, case_id)
    if not actor.officer_id or row.officer_id != actor.officer_id:
        raise AssignmentError("Chỉ người đang thực hiện vụ việc mới có thể từ chối.", None, 403)
    reason = _reason(reason)
    await d.reassign(uow, row, exclusion="declined", preamble=f"{actor.username} từ chối thực hiện: {reason}. ",
                     when=now, decided_at=now, by=actor.username)
    await uow.commit()


async def request_take(uow: AssignmentUnitOfWork, case_id: str, reason: str, actor: Actor, now: datetime) -> str:
    """An officer asks to take a case; recorded and published, assigned only once a leader approves."""
    if not actor.officer_id:
        raise AssignmentError("Tài khoản chưa gắn với người thực hiện trong danh sách.", None, 403)
    reason = _reason(reason)
    row = await _case(uow, case_id)
    if row.officer_id == actor.officer_id:
        raise AssignmentError("Vụ việc đã do bạn thực hiện.", None, 409)
    case, parties = d.stored_case(row)
    moment = await d.moment_for(uow, case_id, parties, now)
    stop = check(case, await _officer(uow, actor.officer_id), moment.standing, at=moment.at,
                 head_office=moment.head_office)
    if stop:
        raise AssignmentError(f"Không thể đề nghị nhận vụ việc này: bạn {RULE_LABELS.get(stop, stop)}.", None, 409)
    if await uow.assignments.pending_take_request(case_id, actor.officer_id):
        raise AssignmentError("Bạn đã có đề nghị nhận vụ việc này đang chờ duyệt.", None, 409)
    request_id = str(uuid.uuid4())
    await uow.assignments.add_take_request(request_id=request_id, case_id=case_id, officer_id=actor.officer_id,
                                           reason=reason, requested_by=actor.username, requested_at=now)
    await uow.outbox.add_event(ev.CaseTakeRequested(
        producer=d.PRODUCER, occurred_at=now, request_id=request_id, case_id=case_id, officer_id=actor.officer_id,
        reason=reason))
    await uow.commit()
    return request_id


async def decide_take_request(uow: AssignmentUnitOfWork, request_id: str, approve: bool, reason: str, actor: Actor,
                              now: datetime) -> None:
    """A leader approves or rejects an officer's request to take a case, with a reason."""
    if not actor.is_leader:
        raise AssignmentError("Chỉ lãnh đạo Trung tâm được duyệt đề nghị nhận vụ việc.", None, 403)
    reason = _reason(reason)
    request = await uow.assignments.take_request(request_id)
    if request is None:
        raise AssignmentError("Không tìm thấy đề nghị.", "request_id", 404)
    if actor.officer_id and actor.officer_id == request.officer_id:
        raise AssignmentError("Không được tự duyệt đề nghị của chính mình.", None, 403)
    if not await uow.assignments.decide_take_request(request_id, approved=approve, by=actor.username, at=now,
                                                     reason=reason):
        raise AssignmentError("Đề nghị này đã được xử lý.", None, 409)
    if approve:
        row = await _case(uow, request.case_id)
        await _assign_chosen(uow, row, await _officer(uow, request.officer_id), kind="approved_request",
                             by=actor.username, reason=reason, now=now)
    await uow.outbox.add_event(ev.CaseTakeRequestDecided(
        producer=d.PRODUCER, occurred_at=now, request_id=request_id, case_id=request.case_id,
        officer_id=request.officer_id, approved=approve, decided_by=actor.username, reason=reason))
    await uow.commit()




async def save_officer(uow: AssignmentUnitOfWork, officer: Officer, *, changed_by: str, note: str | None,
                       expected_version: int | None, now: datetime) -> int | None:
    """An administrator adds or changes a roster entry: a new version and an event, or None if nothing changed.

    `expected_version` guards against two people editing at once: the later save is refused.
    """
    if officer.branch_code not in await uow.roster.branch_names():
        raise AssignmentError(f"Chi nhánh {officer.branch_code} không có trong danh mục.", "branch_code")
    current = await uow.roster.get(officer.officer_id)
    if expected_version == 0 and current is not None:
        raise AssignmentError(f"Mã {officer.officer_id} đã có trong danh sách người thực hiện; hãy chọn mã khác.",
                              "officer_id", 409)
    if expected_version is not None and (current[1] if current else 0) != expected_version:
        raise AssignmentError(
            f"Hồ sơ đã được sửa bởi người khác (phiên bản hiện tại {current[1] if current else 0}); hãy tải lại trang.",
            "expected_version", 409)
    version = await register_officer(uow, officer, changed_by=changed_by, at=now, note=note)
    await uow.commit()
    return version

"""The case register: a request accepted (thụ lý) becomes a case with a register number; its
performer records progress on it and closes it with an outcome.

Progress notes and the closing record are read from what staff typed, field by field, and every
problem is reported in Vietnamese against the field it concerns (like a registered request).
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from services.intake.domain.matching import normalise_name
from services.intake.domain.requests import AidRequest
from services.intake.domain.requests import _parse_date as parse_date
from services.intake.domain.rules import IntakeRules
from services.intake.domain.staff import Permission, Role, StaffUser
from shared.external import ReferralNotice
from shared.vocabulary import AidForm, CaseOutcome, RequestChannel

NOTE_MAX = 2000
ORGANISATION_MAX = 255


class CaseStatus:
    OPEN = "open"
    ASSIGNED = "assigned"
    CLOSED = "closed"


def register_no(year: int, number: int) -> str:
    """The register number shown on the case register (sổ thụ lý), numbered per year."""
    return f"{number:05d}/{year}/TL"


def keeps_case_file(user: StaffUser, officer_id: str | None) -> bool:
    """Whether the user may record progress on a case and close it: its performer, or a leader."""
    if not user.may(Permission.PERFORM_CASE):
        return False
    return Role.LEADER in user.roles or (user.officer_id is not None and user.officer_id == officer_id)


class CaseFileError(Exception):
    """Something staff cannot record on a case; the message is for staff, in Vietnamese."""

    def __init__(self, message_vi: str) -> None:
        super().__init__(message_vi)
        self.message_vi = message_vi


class CaseAlreadyClosed(CaseFileError):
    """The case was closed already: it is closed once, and nothing more is recorded on it."""

    def __init__(self, closed_on: date | None, *, closing: bool = True) -> None:
        when = f" ngày {closed_on.strftime('%d/%m/%Y')}" if closed_on else ""
        then = "không thể kết thúc lại" if closing else "không ghi nhận thêm tiến độ"
        super().__init__(f"Vụ việc này đã kết thúc{when}; {then}.")
        self.closed_on = closed_on


class InvalidCaseFileEntry(ValueError):
    """The form has errors; `errors` maps each field to its Vietnamese message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class ProgressEntry:
    """What the performer did on a day, as typed and checked."""

    done_on: date
    text: str


@dataclass(frozen=True)
class ProgressNote:
    """A dated progress note kept in the case file."""

    note_id: str
    case_id: str
    done_on: date
    text: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class Closure:
    """How a case ended, as typed and checked: only the part its outcome needs is set."""

    outcome: CaseOutcome
    closed_on: date
    note: str
    result: str | None = None  # completed: a result code of the case's form of aid
    ground: str | None = None  # terminated: a termination ground code (Art. 37)
    transferred_to: str | None = None  # transferred: the organisation that took the case


def read_progress(data: Mapping[str, Any], *, opened_on: date, today: date) -> ProgressEntry:
    """The checked progress note from the submitted form, or InvalidCaseFileEntry naming every wrong field."""
    errors: dict[str, str] = {}
    done_on = _day(data, "done_on", "Ngày thực hiện", opened_on=opened_on, today=today, errors=errors)
    text = _text(data, "text")
    if not text:
        errors["text"] = "Ghi rõ công việc đã thực hiện (ví dụ: gặp người được trợ giúp, tham gia phiên tòa)."
    elif len(text) > NOTE_MAX:
        errors["text"] = f"Nội dung dài quá {NOTE_MAX} ký tự (hiện có {len(text)} ký tự)."
    if errors:
        raise InvalidCaseFileEntry(errors)
    assert done_on is not None
    return ProgressEntry(done_on=done_on, text=text)


def read_closure(data: Mapping[str, Any], *, form: AidForm, opened_on: date, today: date,
                 rules: IntakeRules) -> Closure:
    """The checked closing record from the submitted form, or InvalidCaseFileEntry naming every wrong field.

    Only the part the chosen outcome needs is read: a result of the case's form of aid when completed,
    a termination ground when terminated, the receiving organisation when transferred.
    """
    errors: dict[str, str] = {}
    raw_outcome = _text(data, "outcome")
    outcome = CaseOutcome(raw_outcome) if raw_outcome in {o.value for o in CaseOutcome} else None
    if outcome is None:
        errors["outcome"] = ("Chọn cách kết thúc vụ việc: có kết quả, chấm dứt hoặc chuyển." if not raw_outcome
                             else "Cách kết thúc vụ việc không thuộc danh mục.")
    result = ground = transferred_to = None
    if outcome is CaseOutcome.COMPLETED:
        result = _text(data, "result") or None
        if result is None:
            errors["result"] = "Chọn kết quả của vụ việc."
        elif rules.case_result(form, result) is None:
            errors["result"] = "Kết quả này không dùng cho hình thức trợ giúp pháp lý của vụ việc."
    elif outcome is CaseOutcome.TERMINATED:
        ground = _text(data, "ground") or None
        if ground is None:
            errors["ground"] = "Chọn căn cứ chấm dứt thực hiện trợ giúp pháp lý (Điều 37 Luật Trợ giúp pháp lý)."
        elif ground not in rules.termination_grounds:
            errors["ground"] = "Căn cứ chấm dứt không thuộc danh mục."
    elif outcome is CaseOutcome.TRANSFERRED:
        transferred_to = " ".join(_text(data, "transferred_to").split()) or None
        if transferred_to is None:
            errors["transferred_to"] = "Nhập tên tổ chức nhận vụ việc."
        elif len(transferred_to) > ORGANISATION_MAX:
            errors["transferred_to"] = f"Tên tổ chức dài quá {ORGANISATION_MAX} ký tự."
    note = _text(data, "note")
    if not note:
        errors["note"] = "Ghi nội dung kết thúc vụ việc (kết quả cụ thể, lý do chấm dứt hoặc chuyển)."
    elif len(note) > NOTE_MAX:
        errors["note"] = f"Nội dung dài quá {NOTE_MAX} ký tự (hiện có {len(note)} ký tự)."
    closed_on = _day(data, "closed_on", "Ngày kết thúc", opened_on=opened_on, today=today, errors=errors)
    if errors:
        raise InvalidCaseFileEntry(errors)
    assert outcome is not None and closed_on is not None
    return Closure(outcome=outcome, closed_on=closed_on, note=note, result=result, ground=ground,
                   transferred_to=transferred_to)


def closing_moment(closed_on: date, now: datetime, zone: ZoneInfo) -> datetime:
    """When the case ended, as events carry it: now when closed today, else the end of that local day
    (never before the case was opened, which was on that day or earlier)."""
    if closed_on >= now.astimezone(zone).date():
        return now
    return datetime.combine(closed_on, time(23, 59, 59), tzinfo=zone)


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return unicodedata.normalize("NFC", str(value or "")).strip()


def _day(data: Mapping[str, Any], name: str, label: str, *, opened_on: date, today: date,
         errors: dict[str, str]) -> date | None:
    """A required day between the case's opening and today, both included."""
    raw = _text(data, name)
    parsed = parse_date(raw) if raw else None
    if not raw:
        errors[name] = f"Nhập {label.lower()}."
    elif parsed is None:
        errors[name] = f"{label} không hợp lệ: nhập theo dạng ngày/tháng/năm, ví dụ {today.strftime('%d/%m/%Y')}."
    elif parsed > today:
        errors[name] = f"{label} không được sau ngày hôm nay ({today.strftime('%d/%m/%Y')})."
    elif parsed < opened_on:
        errors[name] = f"{label} không được trước ngày thụ lý vụ việc ({opened_on.strftime('%d/%m/%Y')})."
    return parsed if name not in errors else None


@dataclass
class Case:
    case_id: str
    register_no: str
    channel: RequestChannel
    opened_at: datetime
    full_name: str
    birth_date: date | None
    gender: str
    national_id: str | None
    commune_code: str | None
    branch_code: str | None
    field: str
    summary: str
    groups: list[str] = field(default_factory=list)
    urgent: bool = False
    status: str = CaseStatus.OPEN
    notice_agency_code: str | None = None
    notice_id: str | None = None
    assignment_due: datetime | None = None
    name_key: str = ""
    form: AidForm = AidForm.PROCEEDINGS
    officer_id: str | None = None  # the current performer, learnt from assignment
    closure: Closure | None = None
    closed_by: str | None = None
    closed_at: datetime | None = None

    def __post_init__(self) -> None:
        # The register is searched without diacritics and in any word order (normalised once here).
        self.name_key = normalise_name(self.full_name)

    @classmethod
    def open_from_notice(cls, notice: ReferralNotice, *, number: str, opened_at: datetime, branch_code: str | None,
                         groups: list[str] | None = None) -> Case:
        """Accept an agency notice: a procedural agency's notice is accepted at once and is urgent.

        `groups` are the Article 7 groups established from facts; without them, the claimed ones.
        """
        return cls(
            case_id=str(uuid.uuid4()),
            register_no=number,
            channel=RequestChannel.AGENCY_NOTICE,
            opened_at=opened_at,
            full_name=notice.person.full_name,
            birth_date=notice.person.birth_date,
            gender=notice.person.gender.value,
            national_id=notice.person.national_id,
            commune_code=notice.person.commune_code,
            branch_code=branch_code,
            field=notice.case.field.value,
            summary=notice.case.summary,
            groups=groups if groups is not None else [g.value for g in notice.claimed_groups],
            urgent=True,
            notice_agency_code=notice.agency.code,
            notice_id=notice.notice_id,
        )

    @classmethod
    def open_from_request(cls, request: AidRequest, *, number: str, opened_at: datetime,
                          branch_code: str | None) -> Case:
        """Accept a request registered by staff: its channel, its established groups, urgent when immediate."""
        return cls(
            case_id=str(uuid.uuid4()),
            register_no=number,
            channel=RequestChannel(request.channel),
            opened_at=opened_at,
            full_name=request.full_name,
            birth_date=request.birth_date,
            gender=request.gender,
            national_id=request.national_id,
            commune_code=request.commune_code,
            branch_code=branch_code,
            field=request.field,
            summary=request.summary,
            groups=request.established_groups,
            urgent=request.immediate,
            form=AidForm(request.form),
        )

    @property
    def closed(self) -> bool:
        """Whether the case has ended (completed, terminated or transferred)."""
        return self.status == CaseStatus.CLOSED

    def opened_on(self, zone: ZoneInfo) -> date:
        """The local day the case entered the register."""
        return self.opened_at.astimezone(zone).date()

    def kept_by(self, user: StaffUser) -> bool:
        """Whether the user may record progress on this case and close it (its performer, or a leader)."""
        return keeps_case_file(user, self.officer_id)

    def check_open(self, *, closing: bool) -> None:
        """Raise CaseAlreadyClosed once the case is closed (the message says what cannot be done)."""
        if self.closed:
            raise CaseAlreadyClosed(self.closure.closed_on if self.closure else None, closing=closing)

    def record_progress(self, entry: ProgressEntry, *, by: str, at: datetime) -> ProgressNote:
        """A progress note for the case file; none once the case is closed."""
        self.check_open(closing=False)
        return ProgressNote(note_id=str(uuid.uuid4()), case_id=self.case_id, done_on=entry.done_on,
                            text=entry.text, recorded_by=by, recorded_at=at)

    def close(self, closure: Closure, *, by: str, now: datetime, zone: ZoneInfo) -> None:
        """End the case with its outcome, once; it is then closed in the register."""
        self.check_open(closing=True)
        if closure.closed_on < self.opened_on(zone):
            raise InvalidCaseFileEntry({"closed_on": "Ngày kết thúc không được trước ngày thụ lý vụ việc "
                                                     f"({self.opened_on(zone).strftime('%d/%m/%Y')})."})
        self.status, self.closure, self.closed_by = CaseStatus.CLOSED, closure, by
        self.closed_at = closing_moment(closure.closed_on, now, zone)

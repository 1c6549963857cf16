"""Requests registered by staff (walk-in, phone, postal, electronic): the form, its checks, the decision.

The form is read from what staff typed, field by field, and every problem is reported in Vietnamese
against the field it concerns, so the page can show it next to the input and keep the typed values.
A registered request is decided once: accepted (a case is opened) or refused in writing; waiting
for missing papers is not a final decision.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from services.intake.domain.eligibility import PersonFacts, RefusalReasonMissing, age_on
from services.intake.domain.rules import IntakeRules, RefusalGround
from services.intake.domain.urgency import is_overdue, mandatory_defence
from shared.vocabulary import AidForm, BeneficiaryGroup, CaseField, Gender, ProceduralStatus, RequestChannel

SUMMARY_MAX = 2000
REASON_MAX = 2000
#: Channels staff register by hand; agency notices arrive as messages, never through this form.
STAFF_CHANNELS = (RequestChannel.WALK_IN, RequestChannel.PHONE, RequestChannel.POSTAL, RequestChannel.ELECTRONIC)
#: "Người bị buộc tội" (Criminal Procedure Code Art. 4): the only people defence counsel is for.
ACCUSED = frozenset({ProceduralStatus.ARRESTED, ProceduralStatus.HELD_IN_CUSTODY, ProceduralStatus.SUSPECT,
                     ProceduralStatus.DEFENDANT})

# The same letter rules as shared.external.Person, so a name typed here matches a name sent by an agency.
_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ '\-.][^\W\d_]+)*\.?$")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})
_DATE_FORMATS = (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"))
_TRUE = {"on", "true", "1", "yes"}


def document_choices(rules: IntakeRules) -> list[str]:
    """Codes staff may tick as received: the request-file papers, then every proof any rule accepts."""
    codes = [item.code for item in rules.request_file if not item.eligibility]
    for rule in rules.groups.values():
        codes.extend(code for alternatives in rule.proofs for code in alternatives)
    codes.extend(rules.financial_difficulty.proof_any_of)
    codes.extend(rules.procedural_status_proof_any_of)
    return list(dict.fromkeys(codes))


@dataclass(frozen=True)
class StaffRequest:
    """A request as staff registered it, every field checked."""

    full_name: str
    gender: Gender
    channel: RequestChannel
    field: CaseField
    summary: str
    form: AidForm  # the form of legal aid asked for (Law on Legal Aid Art. 27)
    birth_date: date | None = None
    national_id: str | None = None
    commune_code: str | None = None
    ethnicity: str | None = None
    lives_in_hardship_area: bool | None = None
    procedural_status: ProceduralStatus | None = None
    trial_date: date | None = None
    limitation_date: date | None = None
    claimed_groups: tuple[BeneficiaryGroup, ...] = ()
    documents: tuple[str, ...] = ()
    disability_limits_defence: bool = False
    max_penalty_severe: bool = False  # highest bracket 20 years or more, life imprisonment or death
    opposing_parties: tuple[dict, ...] = ()  # {full_name, national_id}: for the conflict-of-interest check

    def facts(self) -> PersonFacts:
        """What the eligibility assessment decides from."""
        return PersonFacts(birth_date=self.birth_date, procedural_status=self.procedural_status,
                           claimed_groups=self.claimed_groups, documents=self.documents, ethnicity=self.ethnicity,
                           lives_in_hardship_area=self.lives_in_hardship_area)

    def mandatory_defence(self, on: date) -> bool:
        """Whether defence counsel is mandatory for this person on `on` (CPC Art. 76)."""
        if self.procedural_status not in ACCUSED:
            return False
        under_18 = self.birth_date is not None and age_on(self.birth_date, on) < 18
        return mandatory_defence(under_18, self.disability_limits_defence, self.max_penalty_severe)


class InvalidStaffRequest(ValueError):
    """The form has errors; `errors` maps each field to its Vietnamese message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def parse_staff_request(data: Mapping[str, Any], rules: IntakeRules, today: date) -> StaffRequest:
    """The checked request from the submitted form, or InvalidStaffRequest naming every wrong field."""
    request, errors = _read(data, rules, today)
    if errors:
        raise InvalidStaffRequest(errors)
    assert request is not None
    return request


def staff_request_errors(data: Mapping[str, Any], rules: IntakeRules, today: date) -> dict[str, str]:
    """Every wrong field of the submitted form with its Vietnamese message; empty when valid."""
    return _read(data, rules, today)[1]


def _read(data: Mapping[str, Any], rules: IntakeRules, today: date) -> tuple[StaffRequest | None, dict[str, str]]:
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        value = data.get(name)
        if isinstance(value, (list, tuple)):
            value = value[0] if value else ""
        return unicodedata.normalize("NFC", str(value or "")).strip()

    def many(name: str) -> list[str]:
        value = data.get(name) or []
        return [str(v).strip() for v in ([value] if isinstance(value, str) else value) if str(v).strip()]

    def choice(name: str, kind: type[StrEnum], allowed: Iterable[StrEnum], missing: str | None, wrong: str):
        raw = text(name)
        if not raw:
            if missing:
                errors[name] = missing
            return None
        if raw not in {a.value for a in allowed}:
            errors[name] = wrong
            return None
        return kind(raw)

    def day(name: str, label: str, *, not_future: bool = False) -> date | None:
        raw = text(name)
        if not raw:
            return None
        parsed = _parse_date(raw)
        if parsed is None:
            errors[name] = f"{label} không hợp lệ: nhập theo dạng ngày/tháng/năm, ví dụ 05/09/1980."
        elif not_future and parsed > today:
            errors[name] = f"{label} không được sau ngày hôm nay ({today.strftime('%d/%m/%Y')})."
        return parsed if name not in errors else None

    full_name = " ".join(text("full_name").translate(_APOSTROPHES).split())
    if not full_name:
        errors["full_name"] = "Nhập họ và tên người yêu cầu trợ giúp pháp lý."
    elif len(full_name) > 200:
        errors["full_name"] = "Họ và tên dài quá 200 ký tự."
    elif not _NAME_CHARS.match(full_name):
        errors["full_name"] = "Họ và tên chỉ gồm chữ cái (có dấu), khoảng trắng, dấu gạch nối hoặc dấu nháy."

    birth_date = day("birth_date", "Ngày sinh", not_future=True)
    if birth_date is not None and birth_date.year < 1900:
        errors["birth_date"] = "Ngày sinh không hợp lệ: năm sinh phải từ 1900 trở đi."
        birth_date = None
    gender = choice("gender", Gender, Gender, "Chọn giới tính.", "Giới tính không thuộc danh mục.")
    national_id = re.sub(r"[\s.]", "", text("national_id")) or None
    if national_id is not None and not re.fullmatch(r"\d{12}", national_id):
        errors["national_id"] = "Số định danh cá nhân (CCCD) phải gồm đúng 12 chữ số."
    commune_code = text("commune_code") or None
    if commune_code is not None and not re.fullmatch(r"\d{5}", commune_code):
        errors["commune_code"] = "Mã xã/phường phải gồm đúng 5 chữ số (mã hành chính sau sắp xếp năm 2025)."
    ethnicity = text("ethnicity") or None
    if ethnicity is not None and len(ethnicity) > 64:
        errors["ethnicity"] = "Tên dân tộc dài quá 64 ký tự."
    hardship_raw = text("lives_in_hardship_area")
    hardship = {"yes": True, "no": False}.get(hardship_raw)
    if hardship_raw not in ("", "yes", "no"):
        errors["lives_in_hardship_area"] = "Chọn Có, Không hoặc Chưa rõ."

    channel = choice("channel", RequestChannel, STAFF_CHANNELS, "Chọn hình thức tiếp nhận yêu cầu.",
                     "Hình thức tiếp nhận phải là trực tiếp, điện thoại, bưu chính hoặc điện tử.")
    status = choice("procedural_status", ProceduralStatus, ProceduralStatus, None,
                    "Tư cách tố tụng không thuộc danh mục.")
    case_field = choice("field", CaseField, CaseField, "Chọn lĩnh vực của vụ việc.",
                        "Lĩnh vực không thuộc danh mục.")
    aid_form = choice("form", AidForm, AidForm, "Chọn hình thức trợ giúp pháp lý.",
                      "Hình thức trợ giúp pháp lý không thuộc danh mục.")
    summary = text("summary")
    if not summary:
        errors["summary"] = "Nhập tóm tắt nội dung vụ việc."
    elif len(summary) > SUMMARY_MAX:
        errors["summary"] = f"Tóm tắt dài quá {SUMMARY_MAX} ký tự (hiện có {len(summary)} ký tự)."
    trial_date = day("trial_date", "Ngày xét xử")
    limitation_date = day("limitation_date", "Ngày hết thời hiệu")

    groups = many("claimed_groups")
    if unknown_groups := [code for code in groups if code not in {g.value for g in BeneficiaryGroup}]:
        errors["claimed_groups"] = f"Nhóm không thuộc Điều 7 Luật Trợ giúp pháp lý: {', '.join(unknown_groups)}."
    allowed_documents = document_choices(rules)
    documents = list(dict.fromkeys(many("documents")))
    if unknown := [code for code in documents if code not in allowed_documents]:
        errors["documents"] = f"Giấy tờ không có trong danh mục: {', '.join(unknown)}."

    opposing, opposing_error = _opposing_parties(text("opposing_parties"))
    if opposing_error:
        errors["opposing_parties"] = opposing_error

    disability = text("disability_limits_defence").lower() in _TRUE
    severe = text("max_penalty_severe").lower() in _TRUE
    if (disability or severe) and status not in ACCUSED and "procedural_status" not in errors:
        message = ("Chỉ áp dụng cho người bị buộc tội (người bị bắt, bị tạm giữ, bị can, bị cáo): "
                   "chọn tư cách tố tụng phù hợp hoặc bỏ chọn ô này.")
        for name, ticked in (("disability_limits_defence", disability), ("max_penalty_severe", severe)):
            if ticked:
                errors[name] = message

    if errors:
        return None, errors
    return StaffRequest(
        full_name=full_name, gender=gender, channel=channel, field=case_field, summary=summary, form=aid_form,
        birth_date=birth_date, national_id=national_id, commune_code=commune_code, ethnicity=ethnicity,
        lives_in_hardship_area=hardship, procedural_status=status, trial_date=trial_date,
        limitation_date=limitation_date,
        claimed_groups=tuple(g for g in BeneficiaryGroup if g.value in groups),
        documents=tuple(code for code in allowed_documents if code in documents),
        disability_limits_defence=disability, max_penalty_severe=severe, opposing_parties=opposing,
    ), {}


#: At most this many opposing parties on one request.
OPPOSING_MAX = 10


def _opposing_parties(raw: str) -> tuple[tuple[dict, ...], str | None]:
    """Parties with opposing interests, one per line: "Họ và tên" or "Họ và tên, CCCD"."""
    parties = []
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    if len(lines) > OPPOSING_MAX:
        return (), f"Nhập tối đa {OPPOSING_MAX} bên có quyền lợi đối lập, mỗi bên một dòng."
    for number, line in enumerate(lines, 1):
        name, _, id_part = line.partition(",")
        name = " ".join(name.translate(_APOSTROPHES).split())
        national_id = re.sub(r"[\s.]", "", id_part) or None
        if not name or len(name) > 200 or not _NAME_CHARS.match(name):
            return (), f"Dòng {number}: họ và tên chỉ gồm chữ cái (có dấu), khoảng trắng, dấu gạch nối hoặc dấu nháy."
        if national_id is not None and not re.fullmatch(r"\d{12}", national_id):
            return (), f"Dòng {number}: số CCCD sau dấu phẩy phải gồm đúng 12 chữ số."
        parties.append({"full_name": name, "national_id": national_id})
    return tuple(parties), None


def _parse_date(raw: str) -> date | None:
    iso, local = _DATE_FORMATS
    if match := iso.match(raw):
        year, month, day_ = (int(x) for x in match.groups())
    elif match := local.match(raw):
        day_, month, year = (int(x) for x in match.groups())
    else:
        return None
    try:
        return date(year, month, day_)
    except ValueError:
        return None


# --- the request once registered ----------------------------------------------------------------------


class RequestStatus(StrEnum):
    REGISTERED = "registered"  # the file is complete enough to decide
    PAPERS_MISSING = "papers_missing"  # waiting for papers; not a final decision
    ACCEPTED = "accepted"  # entered the case register
    REFUSED = "refused"  # refused in writing


FINAL = frozenset({RequestStatus.ACCEPTED, RequestStatus.REFUSED})


class RequestError(Exception):
    """A decision staff cannot make on this request; the message is for staff, in Vietnamese."""

    def __init__(self, message_vi: str, field: str | None = None) -> None:
        super().__init__(message_vi)
        self.message_vi = message_vi
        self.field = field  # the form field the message belongs next to, if any


class RequestAlreadyDecided(RequestError):
    """The request was already accepted or refused (or is already waiting for papers)."""

    def __init__(self, status: RequestStatus) -> None:
        said = {RequestStatus.ACCEPTED: "đã được thụ lý", RequestStatus.REFUSED: "đã bị từ chối",
                RequestStatus.PAPERS_MISSING: "đang chờ bổ sung giấy tờ"}.get(status, "đã được quyết định")
        super().__init__(f"Yêu cầu này {said}; không thể quyết định lại.")
        self.status = status


class RequestNotEntitled(RequestError):
    """Acceptance needs at least one Article 7 group established from facts and papers."""

    def __init__(self, missing_labels: Sequence[str]) -> None:
        tail = f" Giấy tờ còn thiếu: {', '.join(missing_labels)}." if missing_labels else ""
        super().__init__("Chưa xác định được người yêu cầu thuộc diện được trợ giúp pháp lý (Điều 7 Luật Trợ giúp "
                         f"pháp lý), nên chưa thể thụ lý.{tail}")


class RequestNoteMissing(RequestError):
    """Marking papers missing needs a note of what to bring."""

    def __init__(self) -> None:
        super().__init__("Ghi rõ giấy tờ người yêu cầu cần bổ sung.", "note")


@dataclass
class AidRequest:
    """A request registered by staff, with its eligibility record and its decision."""

    request_id: str
    channel: RequestChannel
    received_at: datetime
    received_by: str
    full_name: str
    gender: str
    field: str
    summary: str
    status: RequestStatus
    birth_date: date | None = None
    national_id: str | None = None
    commune_code: str | None = None
    ethnicity: str | None = None
    procedural_status: ProceduralStatus | None = None
    trial_date: date | None = None
    limitation_date: date | None = None
    claimed_groups: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    eligibility: dict = field(default_factory=dict)  # the assessment record, see service_layer.requests
    acceptance_due: datetime | None = None
    refusal_ground: RefusalGround | None = None
    decision_reason: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    person_id: str | None = None
    case_id: str | None = None
    opposing_parties: list[dict] = field(default_factory=list)
    form: AidForm = AidForm.PROCEEDINGS

    @classmethod
    def register(cls, form: StaffRequest, *, request_id: str, received_at: datetime, received_by: str,
                 person_id: str, eligibility: dict, papers_missing: bool,
                 acceptance_due: datetime | None) -> AidRequest:
        """A request as staff registered it, waiting for a decision (or for papers)."""
        return cls(
            request_id=request_id, channel=form.channel, received_at=received_at, received_by=received_by,
            full_name=form.full_name, gender=form.gender.value, field=form.field.value, summary=form.summary,
            status=RequestStatus.PAPERS_MISSING if papers_missing else RequestStatus.REGISTERED,
            birth_date=form.birth_date, national_id=form.national_id, commune_code=form.commune_code,
            ethnicity=form.ethnicity, procedural_status=form.procedural_status, trial_date=form.trial_date,
            limitation_date=form.limitation_date, claimed_groups=[g.value for g in form.claimed_groups],
            documents=list(form.documents), eligibility=eligibility, acceptance_due=acceptance_due,
            person_id=person_id, opposing_parties=list(form.opposing_parties), form=form.form)

    @property
    def decided(self) -> bool:
        """Whether the request was accepted or refused (final)."""
        return self.status in FINAL

    @property
    def immediate(self) -> bool:
        """Whether the request must be accepted at once (and its case is urgent)."""
        return bool(self.eligibility.get("immediate"))

    @property
    def entitled(self) -> bool:
        """Whether at least one Article 7 group was established."""
        return bool(self.eligibility.get("entitled"))

    @property
    def established_groups(self) -> list[str]:
        """The Article 7 groups established from facts and papers."""
        return list(self.eligibility.get("established", []))

    def facts(self) -> PersonFacts:
        """The facts the request was assessed on, for a new assessment when papers arrive."""
        return PersonFacts(birth_date=self.birth_date, procedural_status=self.procedural_status,
                           claimed_groups=self.claimed_groups, documents=self.documents, ethnicity=self.ethnicity,
                           lives_in_hardship_area=self.eligibility.get("facts", {}).get("lives_in_hardship_area"))

    def is_overdue(self, now: datetime) -> bool:
        """Whether the center's acceptance deadline passed while the request waits for a decision."""
        return not self.decided and self.acceptance_due is not None and is_overdue(self.acceptance_due, now)

    @property
    def accepted_late(self) -> bool:
        """Whether it was accepted after the center's acceptance deadline."""
        return (self.status is RequestStatus.ACCEPTED and self.acceptance_due is not None
                and self.decided_at is not None and is_overdue(self.acceptance_due, self.decided_at))

    def _ensure_undecided(self) -> None:
        if self.decided:
            raise RequestAlreadyDecided(self.status)

    def supplement(self, documents: Iterable[str], eligibility: dict) -> None:
        """Papers brought later: add them and keep the assessment made with them."""
        self._ensure_undecided()
        self.documents = list(dict.fromkeys([*self.documents, *documents]))
        self.eligibility = eligibility

    def check_acceptable(self, missing_labels: Sequence[str] = ()) -> None:
        """Raise unless the request may be accepted now: not yet decided, and the person entitled."""
        self._ensure_undecided()
        if not self.entitled:
            raise RequestNotEntitled(missing_labels)

    def accept(self, *, case_id: str, by: str, at: datetime, missing_labels: Sequence[str] = ()) -> None:
        """Enter the request in the case register; only for an entitled person, and only once."""
        self.check_acceptable(missing_labels)
        self.status, self.case_id, self.decided_by, self.decided_at = RequestStatus.ACCEPTED, case_id, by, at

    def refuse(self, ground: str, reason: str, *, by: str, at: datetime) -> None:
        """Refuse in writing on one of the four legal grounds, with the reason."""
        self._ensure_undecided()
        try:
            chosen = RefusalGround(ground)
        except ValueError:
            raise RequestError("Chọn một trong bốn căn cứ từ chối (a, b, c hoặc d).", "ground") from None
        reason = (reason or "").strip()
        if not reason:
            raise RefusalReasonMissing()
        if len(reason) > REASON_MAX:
            raise RequestError(f"Lý do từ chối dài quá {REASON_MAX} ký tự.", "reason")
        self.status, self.refusal_ground, self.decision_reason = RequestStatus.REFUSED, chosen, reason
        self.decided_by, self.decided_at = by, at

    def mark_papers_missing(self, note: str, *, by: str, at: datetime) -> None:
        """Tell the person which papers to bring and wait; the acceptance clock stops unless immediate."""
        if self.status is not RequestStatus.REGISTERED:
            raise RequestAlreadyDecided(self.status)
        note = (note or "").strip()
        if not note:
            raise RequestNoteMissing()
        if len(note) > REASON_MAX:
            raise RequestError(f"Ghi chú dài quá {REASON_MAX} ký tự.", "note")
        self.status, self.decision_reason, self.decided_by, self.decided_at = (
            RequestStatus.PAPERS_MISSING, note, by, at)
        if not self.immediate:
            self.acceptance_due = None

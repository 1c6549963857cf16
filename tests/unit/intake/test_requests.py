"""Requests registered by staff: the form's checks in Vietnamese, the decision made once, the case opened."""

from datetime import date, datetime, timedelta, timezone

import pytest

from services.intake.domain.cases import Case
from services.intake.domain.eligibility import RefusalReasonMissing, assess
from services.intake.domain.requests import (
    AidRequest,
    InvalidStaffRequest,
    RequestAlreadyDecided,
    RequestError,
    RequestNoteMissing,
    RequestNotEntitled,
    RequestStatus,
    document_choices,
    parse_staff_request,
    staff_request_errors,
)
from services.intake.domain.rules import load_rules
from shared.vocabulary import BeneficiaryGroup, CaseField, Gender, ProceduralStatus, RequestChannel

RULES = load_rules()
TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)
VALID = {
    "full_name": "  Nguyễn   Thị Ánh  ", "birth_date": "12/04/1950", "gender": "female",
    "national_id": "052 150 001 234",
    "commune_code": "21583", "ethnicity": "Kinh", "channel": "walk_in", "field": "civil", "form": "advice",
    "summary": "Tranh chấp đất với hàng xóm", "claimed_groups": ["elderly"],
    "documents": ["request_form", "citizen_id", "social_allowance_decision"],
}


def _errors(**changes) -> dict[str, str]:
    return staff_request_errors({**VALID, **changes}, RULES, TODAY)


def test_a_valid_form_is_read_into_typed_values():
    form = parse_staff_request(VALID, RULES, TODAY)
    assert form.full_name == "Nguyễn Thị Ánh"
    assert form.birth_date == date(1950, 4, 12) and form.gender is Gender.FEMALE
    assert form.national_id == "052150001234" and form.commune_code == "21583"
    assert form.channel is RequestChannel.WALK_IN and form.field is CaseField.CIVIL
    assert form.claimed_groups == (BeneficiaryGroup.ELDERLY,)
    assert form.documents == ("request_form", "citizen_id", "social_allowance_decision")  # checklist order
    assert form.procedural_status is None and form.lives_in_hardship_area is None
    assert assess(form.facts(), TODAY, RULES).established_groups == [BeneficiaryGroup.ELDERLY]


def test_iso_dates_from_a_date_picker_are_read_too():
    form = parse_staff_request({**VALID, "birth_date": "1950-04-12", "trial_date": "2026-12-01"}, RULES, TODAY)
    assert form.birth_date == date(1950, 4, 12) and form.trial_date == date(2026, 12, 1)


@pytest.mark.parametrize("field, value, expected", [
    ("full_name", "", "Nhập họ và tên"),
    ("full_name", "Nguyễn Văn 2", "chỉ gồm chữ cái"),
    ("full_name", "A" * 201, "dài quá 200"),
    ("birth_date", "31/02/1990", "Ngày sinh không hợp lệ"),
    ("birth_date", "hôm qua", "Ngày sinh không hợp lệ"),
    ("birth_date", "27/11/2026", "không được sau ngày hôm nay (26/11/2026)"),
    ("birth_date", "01/01/1850", "năm sinh phải từ 1900"),
    ("gender", "", "Chọn giới tính"),
    ("gender", "robot", "Giới tính không thuộc danh mục"),
    ("national_id", "12345", "đúng 12 chữ số"),
    ("commune_code", "2158", "đúng 5 chữ số"),
    ("channel", "", "Chọn hình thức tiếp nhận"),
    ("channel", "agency_notice", "trực tiếp, điện thoại, bưu chính hoặc điện tử"),
    ("procedural_status", "boss", "Tư cách tố tụng không thuộc danh mục"),
    ("field", "", "Chọn lĩnh vực"),
    ("field", "commerce", "Lĩnh vực không thuộc danh mục"),
    ("summary", "   ", "Nhập tóm tắt"),
    ("summary", "x" * 2001, "dài quá 2000 ký tự (hiện có 2001 ký tự)"),
    ("trial_date", "2026-13-01", "Ngày xét xử không hợp lệ"),
    ("limitation_date", "mai", "Ngày hết thời hiệu không hợp lệ"),
    ("claimed_groups", ["elderly", "rich"], "rich"),
    ("documents", ["request_form", "bribe"], "Giấy tờ không có trong danh mục: bribe"),
    ("lives_in_hardship_area", "maybe", "Chọn Có, Không hoặc Chưa rõ"),
    ("ethnicity", "x" * 65, "dài quá 64"),
])
def test_each_wrong_field_gets_its_own_vietnamese_message(field, value, expected):
    errors = _errors(**{field: value})
    assert list(errors) == [field]
    assert expected in errors[field]


def test_every_error_is_reported_at_once_and_parse_raises_them():
    data = {"full_name": "", "gender": "", "channel": "", "field": "", "summary": "", "form": ""}
    with pytest.raises(InvalidStaffRequest) as raised:
        parse_staff_request(data, RULES, TODAY)
    assert set(raised.value.errors) == {"full_name", "gender", "channel", "field", "summary", "form"}


def test_names_follow_the_notice_contract_rules():
    assert parse_staff_request({**VALID, "full_name": "H\u2019Hen Niê"}, RULES, TODAY).full_name == "H'Hen Niê"
    decomposed = "Nguye\u0302\u0303n Va\u0306n A"  # diacritics typed as combining marks
    assert parse_staff_request({**VALID, "full_name": decomposed}, RULES, TODAY).full_name == "Nguyễn Văn A"


def test_mandatory_defence_facts_only_for_an_accused_person():
    errors = _errors(max_penalty_severe="on", disability_limits_defence="on")
    assert set(errors) == {"max_penalty_severe", "disability_limits_defence"}
    assert "người bị buộc tội" in errors["max_penalty_severe"]
    form = parse_staff_request({**VALID, "procedural_status": "defendant", "field": "criminal",
                                "max_penalty_severe": "on"}, RULES, TODAY)
    assert form.mandatory_defence(TODAY)


def test_an_accused_minor_needs_defence_counsel_from_the_birth_date():
    minor = parse_staff_request({**VALID, "birth_date": "01/01/2010", "procedural_status": "suspect"}, RULES, TODAY)
    assert minor.mandatory_defence(TODAY)
    victim = parse_staff_request({**VALID, "birth_date": "01/01/2010", "procedural_status": "victim"}, RULES, TODAY)
    assert not victim.mandatory_defence(TODAY)
    adult = parse_staff_request({**VALID, "procedural_status": "suspect"}, RULES, TODAY)
    assert not adult.mandatory_defence(TODAY)


def test_the_checklist_offers_the_request_file_and_every_proof_but_not_the_abstract_item():
    codes = document_choices(RULES)
    assert codes[:2] == ["request_form", "case_papers"]
    assert "eligibility_proof" not in codes
    for code in ("poor_household_certificate", "near_poor_certificate", "procedural_agency_notice", "hiv_certificate"):
        assert code in codes
    assert len(codes) == len(set(codes))


# --- the registered request ---------------------------------------------------------------------------


def _request(entitled=True, immediate=False, status=RequestStatus.REGISTERED) -> AidRequest:
    form = parse_staff_request({**VALID, "procedural_status": "victim"}, RULES, TODAY)
    request = AidRequest.register(
        form, request_id="r-1", received_at=NOW, received_by="clerk", person_id="p-1",
        eligibility={"entitled": entitled, "established": ["elderly"] if entitled else [], "immediate": immediate},
        papers_missing=status is RequestStatus.PAPERS_MISSING, acceptance_due=NOW + timedelta(days=2))
    return request


def test_a_request_is_accepted_once():
    request = _request()
    request.accept(case_id="c-1", by="clerk", at=NOW)
    assert (request.status, request.case_id, request.decided_by) == (RequestStatus.ACCEPTED, "c-1", "clerk")
    with pytest.raises(RequestAlreadyDecided) as again:
        request.accept(case_id="c-2", by="clerk", at=NOW)
    assert "đã được thụ lý" in again.value.message_vi
    with pytest.raises(RequestAlreadyDecided):
        request.refuse("a", "Lý do", by="clerk", at=NOW)


def test_a_refused_request_cannot_be_accepted_or_refused_again():
    request = _request()
    request.refuse("d", "  Đã được Trung tâm khác thụ lý.  ", by="leader", at=NOW)
    assert request.refusal_ground == "d" and request.decision_reason == "Đã được Trung tâm khác thụ lý."
    with pytest.raises(RequestAlreadyDecided) as again:
        request.accept(case_id="c", by="clerk", at=NOW)
    assert "đã bị từ chối" in str(again.value)


def test_a_refusal_needs_one_of_the_four_grounds_and_a_reason():
    request = _request()
    with pytest.raises(RefusalReasonMissing):
        request.refuse("b", "   ", by="clerk", at=NOW)
    with pytest.raises(RequestError) as bad_ground:
        request.refuse("e", "Lý do", by="clerk", at=NOW)
    assert bad_ground.value.field == "ground"
    assert request.status is RequestStatus.REGISTERED


def test_only_an_entitled_person_is_accepted():
    request = _request(entitled=False)
    with pytest.raises(RequestNotEntitled) as refused:
        request.accept(case_id="c", by="clerk", at=NOW, missing_labels=["Giấy chứng nhận hộ nghèo"])
    assert "Giấy chứng nhận hộ nghèo" in refused.value.message_vi
    assert request.status is RequestStatus.REGISTERED


def test_waiting_for_papers_stops_the_clock_and_is_not_final():
    request = _request()
    with pytest.raises(RequestNoteMissing):
        request.mark_papers_missing("", by="clerk", at=NOW)
    request.mark_papers_missing("Mang bản sao CCCD", by="clerk", at=NOW)
    assert request.status is RequestStatus.PAPERS_MISSING and request.acceptance_due is None
    with pytest.raises(RequestAlreadyDecided):
        request.mark_papers_missing("Lần nữa", by="clerk", at=NOW)
    request.accept(case_id="c-1", by="clerk", at=NOW)
    assert request.status is RequestStatus.ACCEPTED


def test_an_immediate_request_keeps_its_clock_while_waiting_for_papers():
    request = _request(immediate=True)
    request.mark_papers_missing("Mang đơn", by="clerk", at=NOW)
    assert request.acceptance_due == NOW + timedelta(days=2)


def test_overdue_while_waiting_and_late_once_accepted():
    request = _request()
    assert not request.is_overdue(NOW + timedelta(days=1))
    assert request.is_overdue(NOW + timedelta(days=3))
    request.accept(case_id="c-1", by="clerk", at=NOW + timedelta(days=3))
    assert not request.is_overdue(NOW + timedelta(days=5)) and request.accepted_late


def test_a_case_opened_from_a_request_keeps_its_channel_groups_and_urgency():
    request = _request(immediate=True)
    request.channel = RequestChannel.POSTAL
    case = Case.open_from_request(request, number="00003/2026/TL", opened_at=NOW, branch_code="HQ")
    assert case.channel is RequestChannel.POSTAL and case.urgent is True and case.groups == ["elderly"]
    assert (case.full_name, case.birth_date, case.gender, case.field) == ("Nguyễn Thị Ánh", date(1950, 4, 12),
                                                                         "female", "civil")
    assert case.notice_id is None and case.register_no == "00003/2026/TL" and case.branch_code == "HQ"
    assert not Case.open_from_request(_request(), number="1", opened_at=NOW, branch_code=None).urgent
    assert request.procedural_status is ProceduralStatus.VICTIM


def test_opposing_parties_are_read_one_per_line_with_an_optional_cccd():
    form = parse_staff_request({**VALID, "opposing_parties": "Phạm  Thị Dung, 052 201 000 004\n\n  Lê Văn Cường  "},
                               RULES, TODAY)
    assert form.opposing_parties == ({"full_name": "Phạm Thị Dung", "national_id": "052201000004"},
                                     {"full_name": "Lê Văn Cường", "national_id": None})
    assert parse_staff_request(VALID, RULES, TODAY).opposing_parties == ()


@pytest.mark.parametrize(("raw", "message"), [
    ("Phạm Thị Dung, 12345", "Dòng 1: số CCCD sau dấu phẩy phải gồm đúng 12 chữ số."),
    ("Lê Văn Cường\n123, 052201000004", "Dòng 2: họ và tên chỉ gồm chữ cái"),
    ("\n".join(f"Người Thứ {chr(65 + i)}" for i in range(11)), "Nhập tối đa 10 bên"),
])
def test_opposing_parties_say_which_line_is_wrong(raw, message):
    assert _errors(opposing_parties=raw)["opposing_parties"].startswith(message)

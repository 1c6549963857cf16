"""The case file: progress notes and closing a case, checked field by field in Vietnamese; closed once;
kept only by the performer and the center's leaders."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from services.intake.domain.cases import (
    Case,
    CaseAlreadyClosed,
    CaseStatus,
    Closure,
    InvalidCaseFileEntry,
    closing_moment,
    keeps_case_file,
    read_closure,
    read_progress,
)
from services.intake.domain.requests import AidRequest, parse_staff_request, staff_request_errors
from services.intake.domain.rules import load_rules
from services.intake.domain.staff import Role, StaffUser
from shared.vocabulary import AidForm, CaseOutcome, RequestChannel

RULES = load_rules()
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
OPENED_ON = date(2026, 11, 2)
TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 9, 30, tzinfo=ZONE)
COMPLETED = {"outcome": "completed", "result": "charge_reduced", "note": "Tòa chấp nhận tình tiết giảm nhẹ",
             "closed_on": "2026-11-20"}


def _closure(form: AidForm = AidForm.PROCEEDINGS, **changes) -> Closure:
    return read_closure({**COMPLETED, **changes}, form=form, opened_on=OPENED_ON, today=TODAY, rules=RULES)


def _closure_errors(form: AidForm = AidForm.PROCEEDINGS, **changes) -> dict[str, str]:
    with pytest.raises(InvalidCaseFileEntry) as raised:
        _closure(form, **changes)
    return raised.value.errors


def _case(**changes) -> Case:
    values = dict(case_id="c-1", register_no="00001/2026/TL", channel=RequestChannel.AGENCY_NOTICE,
                  opened_at=datetime(2026, 11, 2, 8, 0, tzinfo=ZONE), full_name="Nguyễn Văn An", birth_date=None,
                  gender="male", national_id=None, commune_code="21583", branch_code="HQ", field="criminal",
                  summary="Trộm cắp tài sản", status=CaseStatus.ASSIGNED, officer_id="TGV-004")
    values.update(changes)
    return Case(**values)


def _user(*roles: Role, officer_id: str | None = None, active: bool = True) -> StaffUser:
    return StaffUser(username="u", full_name="Cán bộ", roles=frozenset(roles), active=active, officer_id=officer_id)


# --- closing: each outcome and its required part -------------------------------------------------------


def test_a_completed_case_carries_a_result_of_its_form_and_nothing_else():
    closure = _closure(ground="request_withdrawn", transferred_to="Đoàn luật sư tỉnh")
    assert closure == Closure(outcome=CaseOutcome.COMPLETED, closed_on=date(2026, 11, 20),
                              note="Tòa chấp nhận tình tiết giảm nhẹ", result="charge_reduced")
    assert _closure(AidForm.ADVICE, result="advice_given").result == "advice_given"


def test_a_completed_case_needs_a_result_offered_for_its_form():
    assert _closure_errors(result="") == {"result": "Chọn kết quả của vụ việc."}
    wrong = "Kết quả này không dùng cho hình thức trợ giúp pháp lý của vụ việc."
    assert _closure_errors(AidForm.ADVICE, result="charge_reduced") == {"result": wrong}
    assert _closure_errors(AidForm.REPRESENTATION, result="acquitted") == {"result": wrong}
    assert _closure_errors(result="won_everything") == {"result": wrong}


def test_a_terminated_case_needs_a_legal_ground():
    closure = _closure(outcome="terminated", ground="request_withdrawn", result="charge_reduced")
    assert (closure.outcome, closure.ground, closure.result, closure.transferred_to) == (
        CaseOutcome.TERMINATED, "request_withdrawn", None, None)
    assert _closure_errors(outcome="terminated", ground="") == {
        "ground": "Chọn căn cứ chấm dứt thực hiện trợ giúp pháp lý (Điều 37 Luật Trợ giúp pháp lý)."}
    assert _closure_errors(outcome="terminated", ground="bored") == {"ground": "Căn cứ chấm dứt không thuộc danh mục."}


def test_a_transferred_case_names_the_organisation_that_took_it():
    closure = _closure(outcome="transferred", transferred_to="  Đoàn   luật sư tỉnh Gia Lai ", result="")
    assert (closure.outcome, closure.transferred_to, closure.result, closure.ground) == (
        CaseOutcome.TRANSFERRED, "Đoàn luật sư tỉnh Gia Lai", None, None)
    assert _closure_errors(outcome="transferred", transferred_to="   ") == {
        "transferred_to": "Nhập tên tổ chức nhận vụ việc."}
    assert "dài quá 255" in _closure_errors(outcome="transferred", transferred_to="T" * 256)["transferred_to"]


def test_the_outcome_must_be_chosen_from_the_three():
    assert _closure_errors(outcome="") == {"outcome": "Chọn cách kết thúc vụ việc: có kết quả, chấm dứt hoặc chuyển."}
    assert _closure_errors(outcome="closed") == {"outcome": "Cách kết thúc vụ việc không thuộc danh mục."}


def test_the_closing_note_is_required_and_bounded():
    assert _closure_errors(note="  ") == {
        "note": "Ghi nội dung kết thúc vụ việc (kết quả cụ thể, lý do chấm dứt hoặc chuyển)."}
    assert _closure_errors(note="x" * 2001)["note"] == "Nội dung dài quá 2000 ký tự (hiện có 2001 ký tự)."
    decomposed = "Đa\u0303 hoa\u0300 gia\u0309i tha\u0300nh"  # typed with combining marks
    assert _closure(note=decomposed).note == "Đã hoà giải thành"


def test_the_closing_date_is_between_the_opening_and_today():
    assert _closure(closed_on="26/11/2026").closed_on == TODAY
    assert _closure(closed_on="2026-11-02").closed_on == OPENED_ON
    assert _closure_errors(closed_on="") == {"closed_on": "Nhập ngày kết thúc."}
    assert _closure_errors(closed_on="31/02/2026")["closed_on"].startswith("Ngày kết thúc không hợp lệ")
    assert _closure_errors(closed_on="2026-11-27") == {
        "closed_on": "Ngày kết thúc không được sau ngày hôm nay (26/11/2026)."}
    assert _closure_errors(closed_on="01/11/2026") == {
        "closed_on": "Ngày kết thúc không được trước ngày thụ lý vụ việc (02/11/2026)."}


def test_every_wrong_field_is_reported_at_once():
    errors = _closure_errors(outcome="completed", result="", note="", closed_on="2027-01-01")
    assert set(errors) == {"result", "note", "closed_on"}


# --- progress notes ----------------------------------------------------------------------------------


def test_a_progress_note_has_a_day_and_what_was_done():
    entry = read_progress({"done_on": "25/11/2026", "text": "  Gặp bị can tại nhà tạm giữ  "},
                          opened_on=OPENED_ON, today=TODAY)
    assert (entry.done_on, entry.text) == (date(2026, 11, 25), "Gặp bị can tại nhà tạm giữ")


@pytest.mark.parametrize("data, field, message", [
    ({"done_on": "", "text": "Gặp"}, "done_on", "Nhập ngày thực hiện."),
    ({"done_on": "hôm qua", "text": "Gặp"}, "done_on", "Ngày thực hiện không hợp lệ"),
    ({"done_on": "2026-11-27", "text": "Gặp"}, "done_on", "Ngày thực hiện không được sau ngày hôm nay (26/11/2026)."),
    ({"done_on": "2026-10-30", "text": "Gặp"}, "done_on",
     "Ngày thực hiện không được trước ngày thụ lý vụ việc (02/11/2026)."),
    ({"done_on": "2026-11-20", "text": " "}, "text", "Ghi rõ công việc đã thực hiện"),
    ({"done_on": "2026-11-20", "text": "x" * 2001}, "text", "Nội dung dài quá 2000 ký tự"),
])
def test_a_wrong_progress_note_says_which_field(data, field, message):
    with pytest.raises(InvalidCaseFileEntry) as raised:
        read_progress(data, opened_on=OPENED_ON, today=TODAY)
    assert list(raised.value.errors) == [field]
    assert raised.value.errors[field].startswith(message)


# --- the case: closed once, then nothing more --------------------------------------------------------------


def test_closing_a_case_records_the_outcome_who_and_when():
    case = _case()
    case.close(_closure(closed_on="2026-11-26"), by="tgv004", now=NOW, zone=ZONE)
    assert case.closed and case.status == CaseStatus.CLOSED
    assert case.closure.result == "charge_reduced" and case.closed_by == "tgv004" and case.closed_at == NOW


def test_a_case_is_closed_once_and_takes_no_progress_afterwards():
    case = _case()
    case.close(_closure(), by="tgv004", now=NOW, zone=ZONE)
    with pytest.raises(CaseAlreadyClosed) as again:
        case.close(_closure(outcome="terminated", ground="request_withdrawn"), by="leader", now=NOW, zone=ZONE)
    assert again.value.message_vi == "Vụ việc này đã kết thúc ngày 20/11/2026; không thể kết thúc lại."
    assert case.closure.outcome is CaseOutcome.COMPLETED and case.closed_by == "tgv004"
    entry = read_progress({"done_on": "2026-11-26", "text": "Nhận bản án"}, opened_on=OPENED_ON, today=TODAY)
    with pytest.raises(CaseAlreadyClosed) as late:
        case.record_progress(entry, by="tgv004", at=NOW)
    assert late.value.message_vi == "Vụ việc này đã kết thúc ngày 20/11/2026; không ghi nhận thêm tiến độ."


def test_a_case_cannot_close_before_it_was_opened():
    case = _case(opened_at=datetime(2026, 11, 21, 8, 0, tzinfo=ZONE))
    with pytest.raises(InvalidCaseFileEntry) as raised:
        case.close(_closure(closed_on="2026-11-20"), by="leader", now=NOW, zone=ZONE)
    assert raised.value.errors == {"closed_on": "Ngày kết thúc không được trước ngày thụ lý vụ việc (21/11/2026)."}
    assert not case.closed


def test_a_progress_note_of_an_open_case():
    entry = read_progress({"done_on": "2026-11-24", "text": "Tham gia phiên tòa sơ thẩm"}, opened_on=OPENED_ON,
                          today=TODAY)
    note = _case().record_progress(entry, by="tgv004", at=NOW)
    assert (note.case_id, note.done_on, note.text, note.recorded_by, note.recorded_at) == (
        "c-1", date(2026, 11, 24), "Tham gia phiên tòa sơ thẩm", "tgv004", NOW)
    assert len(note.note_id) == 36


def test_the_closing_moment_is_now_today_or_the_end_of_an_earlier_local_day():
    assert closing_moment(TODAY, NOW, ZONE) == NOW
    earlier = closing_moment(date(2026, 11, 20), NOW, ZONE)
    assert earlier == datetime(2026, 11, 20, 23, 59, 59, tzinfo=ZONE)
    assert earlier.astimezone(timezone.utc).date() == date(2026, 11, 20)
    late_utc = datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)  # already 27/11 in Vietnam
    assert closing_moment(date(2026, 11, 27), late_utc, ZONE) == late_utc
    assert closing_moment(date(2026, 11, 26), late_utc, ZONE) < late_utc - timedelta(minutes=1)


# --- who keeps the case file -----------------------------------------------------------------------


def test_the_performer_and_leaders_keep_the_case_file_and_nobody_else():
    case = _case(officer_id="TGV-004")
    assert case.kept_by(_user(Role.OFFICER, officer_id="TGV-004"))
    assert case.kept_by(_user(Role.LEADER, officer_id="TGV-001"))
    assert case.kept_by(_user(Role.LEADER, Role.CLERK))
    assert not case.kept_by(_user(Role.OFFICER, officer_id="TGV-005"))
    assert not case.kept_by(_user(Role.OFFICER))
    assert not case.kept_by(_user(Role.CLERK, officer_id="TGV-004"))  # a clerk performs no case
    assert not case.kept_by(_user(Role.EVALUATOR, Role.ADMINISTRATOR))
    assert not case.kept_by(_user(Role.OFFICER, officer_id="TGV-004", active=False))
    assert not case.kept_by(_user(Role.LEADER, active=False))


def test_an_unassigned_case_is_kept_by_leaders_only():
    assert not keeps_case_file(_user(Role.OFFICER), None)  # no officer id is not a match
    assert not keeps_case_file(_user(Role.OFFICER, officer_id="TGV-004"), None)
    assert keeps_case_file(_user(Role.LEADER), None)


# --- the form of aid on a case --------------------------------------------------------------------------


def test_a_case_takes_the_form_of_aid_of_its_request():
    valid = {"full_name": "Trần Thị Bình", "gender": "female", "channel": "walk_in", "field": "civil",
             "form": "advice", "summary": "Hỏi về chia thừa kế", "birth_date": "12/04/1950"}
    form = parse_staff_request(valid, RULES, TODAY)
    assert form.form is AidForm.ADVICE
    request = AidRequest.register(form, request_id="r-1", received_at=NOW, received_by="clerk", person_id="p-1",
                                  eligibility={"entitled": True, "established": ["elderly"]}, papers_missing=False,
                                  acceptance_due=None)
    assert request.form is AidForm.ADVICE
    assert Case.open_from_request(request, number="1", opened_at=NOW, branch_code=None).form is AidForm.ADVICE
    assert _case().form is AidForm.PROCEEDINGS  # a notice's case, and every case before forms were recorded
    wrong = staff_request_errors({**valid, "form": "mediation"}, RULES, TODAY)
    assert wrong == {"form": "Hình thức trợ giúp pháp lý không thuộc danh mục."}
    assert staff_request_errors({**valid, "form": ""}, RULES, TODAY) == {"form": "Chọn hình thức trợ giúp pháp lý."}

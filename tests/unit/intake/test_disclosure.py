"""What of a person's data each staff user sees: a case's person only with a part in it (officers), national
ID numbers masked unless the role needs them, names and ID numbers hidden in raw messages."""

import json

from services.intake.domain.disclosure import (
    CASE_PERSON_FIELDS,
    HIDDEN,
    case_as_seen,
    hide_names_in,
    mask_national_ids_in,
    message_text_as_seen,
)
from services.intake.domain.staff import Permission, Role, StaffUser


def user(*roles: Role, officer_id: str | None = None) -> StaffUser:
    return StaffUser("u", "Người dùng", frozenset(roles), officer_id=officer_id)


CASE = {"case_id": "c1", "register_no": "00012/2026/TL", "field": "criminal", "officer_id": "TGV-002",
        "full_name": "Nguyễn Văn An", "name_key": "nguyen van an", "birth_date": "2009-04-12", "gender": "male",
        "national_id": "052209001234", "commune_code": "21583", "commune_name": "Phường Quy Nhơn",
        "summary": "Trộm cắp tài sản", "groups": ["accused_aged_16_18"], "person_id": "p1",
        "performer_change_reason": "Không liên lạc được", "closure_note": "Đã gặp bị can"}


def test_an_officer_sees_a_person_only_in_the_cases_they_perform_or_performed():
    officer = user(Role.OFFICER, officer_id="TGV-002")
    assert officer.sees_person_in({"TGV-002"}) and officer.sees_person_in({"TGV-009", "TGV-002"})
    assert not officer.sees_person_in({"TGV-009"}) and not officer.sees_person_in(())
    assert not user(Role.OFFICER).sees_person_in({"TGV-002"}), "an officer account without a roster id"
    assert not user(Role.ADMINISTRATOR, officer_id="TGV-002").sees_person_in({"TGV-002"})
    assert not StaffUser("u", "x", frozenset({Role.OFFICER}), active=False, officer_id="TGV-002").sees_person_in(
        {"TGV-002"})


def test_clerks_leaders_and_evaluators_see_every_person_and_only_leaders_search_the_audit_log():
    for role in (Role.CLERK, Role.LEADER, Role.EVALUATOR):
        assert user(role).sees_person_in(()) and user(role).may(Permission.VIEW_EVERY_PERSON)
    assert not user(Role.OFFICER, officer_id="TGV-002").may(Permission.VIEW_EVERY_PERSON)
    assert [r for r in Role if user(r).may(Permission.SEARCH_AUDIT)] == [Role.LEADER]


def test_a_case_without_a_part_in_it_comes_without_its_person():
    stranger = case_as_seen(user(Role.OFFICER, officer_id="TGV-009"), CASE, {"TGV-002"})
    assert stranger["person_hidden"] is True
    assert all(stranger[k] is None for k in CASE_PERSON_FIELDS)
    assert (stranger["register_no"], stranger["field"], stranger["officer_id"]) == (
        "00012/2026/TL", "criminal", "TGV-002")
    assert "Nguyễn" not in json.dumps(stranger, ensure_ascii=False) and "052209001234" not in json.dumps(stranger)


def test_the_national_id_is_whole_for_clerks_and_leaders_and_masked_for_the_others_who_see_the_person():
    assert case_as_seen(user(Role.CLERK), CASE, ())["national_id"] == "052209001234"
    assert case_as_seen(user(Role.LEADER), CASE, ())["national_id"] == "052209001234"
    assert case_as_seen(user(Role.EVALUATOR), CASE, ())["national_id"] == "•••••••••234"
    performer = case_as_seen(user(Role.OFFICER, officer_id="TGV-002"), CASE, {"TGV-002"})
    assert performer["person_hidden"] is False and performer["full_name"] == "Nguyễn Văn An"
    assert performer["national_id"] == "•••••••••234"
    assert CASE["national_id"] == "052209001234", "the row itself is left alone"


def test_twelve_digit_runs_are_masked_and_other_numbers_kept():
    text = 'national_id "052209001234", seq 1234567890123, phone 0905123456, 052209001234.'
    assert mask_national_ids_in(text) == ('national_id "•••••••••234", seq 1234567890123, phone 0905123456, '
                                          '•••••••••234.')


def test_names_and_birth_dates_are_hidden_in_json_in_validation_errors_and_in_a_cut_message():
    notice = json.dumps({"agency": {"name": "Công an tỉnh Gia Lai"},
                         "person": {"full_name": "Nguyễn \"Bé\" An", "birth_date": "2009-04-12"}}, ensure_ascii=False)
    hidden = hide_names_in(notice)
    assert "Nguyễn" not in hidden and "2009-04-12" not in hidden and "Công an tỉnh Gia Lai" in hidden
    assert json.loads(hidden)["person"] == {"full_name": HIDDEN, "birth_date": HIDDEN}
    error = ("1 validation error for OfficerRegistered\nbranch_code\n  Field required [type=missing, "
             "input_value={'full_name': 'Trần Thị Bình', 'note': 'x'}, input_type=dict]")
    assert "Trần" not in hide_names_in(error) and "branch_code" in hide_names_in(error)
    assert hide_names_in('{"person": {"full_name": "Nguyễn Vă') == '{"person": {"full_name": "•••"'


def test_a_raw_message_as_each_role_sees_it():
    raw = '{"full_name": "Nguyễn Văn An", "national_id": "052209001234"}'
    assert message_text_as_seen(user(Role.LEADER), raw) == raw
    assert message_text_as_seen(user(Role.EVALUATOR), raw) == '{"full_name": "Nguyễn Văn An", "national_id": ' \
                                                             '"•••••••••234"}'
    assert message_text_as_seen(user(Role.ADMINISTRATOR), raw) == '{"full_name": "•••", "national_id": ' \
                                                                 '"•••••••••234"}'
    assert message_text_as_seen(user(Role.ADMINISTRATOR), None) is None

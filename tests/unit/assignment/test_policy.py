"""The assignment decision: hard rules, least load against the yearly target, and its explanation."""

from collections import Counter
from datetime import date, timedelta

from services.assignment.domain.policy import (
    EXCLUDED_FIELD,
    EXCLUDED_INACTIVE,
    EXCLUDED_LOCALITY,
    RULE,
    CaseToAssign,
    decide,
)
from services.assignment.domain.quota import QUOTA_2022
from services.assignment.domain.roster import Officer

ON = date(2026, 6, 1)
JUNIOR = date(2025, 1, 1)  # under 3 years on ON: target 6
MIDDLE = date(2022, 1, 1)  # 4 years on ON: target 10
SENIOR = date(2020, 1, 1)  # 6 years on ON: target 13

CRIMINAL_IN_A = CaseToAssign(case_id="c-1", field="criminal", branch_code="CN-A", urgent=True)


def test_the_rule_is_named_and_versioned():
    assert RULE == "least-load-vs-target/v1"


def test_hard_rules_exclude_with_the_rule_that_applied():
    officers = [
        Officer("o-1", "Đào Văn Một", "CN-A", ("criminal",), JUNIOR),
        Officer("o-2", "Lê Thị Hai", "CN-A", ("criminal",), JUNIOR, active=False),
        Officer("o-3", "Phạm Văn Ba", "CN-A", ("civil", "land"), JUNIOR),
        Officer("o-4", "Võ Thị Bốn", "CN-B", ("criminal",), JUNIOR),
        Officer("o-5", "Hồ Văn Năm", "CN-B", ("civil",), JUNIOR, active=False),
    ]
    decision = decide(CRIMINAL_IN_A, officers, {}, head_office="HQ", quota=QUOTA_2022, on=ON)
    assert decision.officer.officer_id == "o-1"
    by_id = {c.officer_id: c for c in decision.candidates}
    assert (by_id["o-1"].eligible, by_id["o-1"].excluded_by) == (True, None)
    assert (by_id["o-2"].eligible, by_id["o-2"].excluded_by) == (False, EXCLUDED_INACTIVE)
    assert (by_id["o-3"].eligible, by_id["o-3"].excluded_by) == (False, EXCLUDED_FIELD)
    assert (by_id["o-4"].eligible, by_id["o-4"].excluded_by) == (False, EXCLUDED_LOCALITY)
    assert by_id["o-5"].excluded_by == EXCLUDED_INACTIVE  # inactive is checked first
    assert (EXCLUDED_INACTIVE, EXCLUDED_FIELD, EXCLUDED_LOCALITY) == (
        "inactive", "does_not_handle_field", "outside_locality")


def test_excluded_candidates_carry_no_score():
    officers = [Officer("o-1", "Một", "CN-A", ("criminal",), JUNIOR),
                Officer("o-2", "Hai", "CN-A", ("civil",), JUNIOR)]
    decision = decide(CRIMINAL_IN_A, officers, {"o-2": 0}, head_office=None, quota=QUOTA_2022, on=ON)
    excluded = next(c for c in decision.candidates if c.officer_id == "o-2")
    assert (excluded.load, excluded.target, excluded.score) == (None, None, None)


def test_eligible_candidates_carry_load_target_and_score():
    officers = [Officer("o-1", "Một", "CN-A", ("criminal",), JUNIOR),
                Officer("o-2", "Hai", "CN-A", ("criminal",), MIDDLE)]
    decision = decide(CRIMINAL_IN_A, officers, {"o-1": 2}, head_office=None, quota=QUOTA_2022, on=ON)
    by_id = {c.officer_id: c for c in decision.candidates}
    assert (by_id["o-1"].load, by_id["o-1"].target, by_id["o-1"].score) == (2, 6, 0.3333)
    assert (by_id["o-2"].load, by_id["o-2"].target, by_id["o-2"].score) == (0, 10, 0.0)  # no load given: 0


def test_the_lowest_load_to_target_ratio_wins_even_with_more_cases():
    officers = [Officer("o-1", "Một", "CN-A", ("criminal",), JUNIOR),   # 3 / 6 = 0.5
                Officer("o-2", "Hai", "CN-A", ("criminal",), SENIOR)]   # 5 / 13 = 0.385
    decision = decide(CRIMINAL_IN_A, officers, {"o-1": 3, "o-2": 5}, head_office="HQ", quota=QUOTA_2022, on=ON)
    assert decision.officer.officer_id == "o-2"
    assert decision.locality == "CN-A"


def test_a_leaders_reduced_target_raises_their_ratio():
    officers = [Officer("o-1", "Lãnh đạo", "CN-A", ("criminal",), JUNIOR, leader_role="director"),  # 2 / 3
                Officer("o-2", "Trợ giúp viên", "CN-A", ("criminal",), JUNIOR)]                     # 3 / 6
    decision = decide(CRIMINAL_IN_A, officers, {"o-1": 2, "o-2": 3}, head_office=None, quota=QUOTA_2022, on=ON)
    assert decision.officer.officer_id == "o-2"
    leader = next(c for c in decision.candidates if c.officer_id == "o-1")
    assert (leader.target, leader.score) == (3, 0.6667)


def test_an_equal_ratio_goes_to_the_officer_with_fewer_cases():
    officers = [Officer("o-1", "Nhiều", "CN-A", ("criminal",), MIDDLE),  # 5 / 10 = 0.5
                Officer("o-2", "Ít", "CN-A", ("criminal",), JUNIOR)]     # 3 / 6 = 0.5
    decision = decide(CRIMINAL_IN_A, officers, {"o-1": 5, "o-2": 3}, head_office=None, quota=QUOTA_2022, on=ON)
    assert decision.officer.officer_id == "o-2"


def test_an_equal_ratio_and_load_goes_to_the_longer_serving_officer():
    # Both in the third band (target 13); o-2 was appointed earlier, though its id sorts later.
    officers = [Officer("o-1", "Mới hơn", "CN-A", ("criminal",), date(2021, 6, 1)),
                Officer("o-2", "Lâu hơn", "CN-A", ("criminal",), date(2019, 6, 1))]
    decision = decide(CRIMINAL_IN_A, officers, {"o-1": 4, "o-2": 4}, head_office=None, quota=QUOTA_2022, on=ON)
    assert decision.officer.officer_id == "o-2"


def test_a_full_tie_goes_to_the_smallest_id_whatever_the_roster_order():
    officers = [Officer("o-b", "Bê", "CN-A", ("criminal",), JUNIOR),
                Officer("o-a", "A", "CN-A", ("criminal",), JUNIOR)]
    decision = decide(CRIMINAL_IN_A, officers, {}, head_office=None, quota=QUOTA_2022, on=ON)
    assert decision.officer.officer_id == "o-a"
    reversed_decision = decide(CRIMINAL_IN_A, officers[::-1], {}, head_office=None, quota=QUOTA_2022, on=ON)
    assert reversed_decision.officer.officer_id == "o-a"
    assert [c.officer_id for c in decision.candidates] == ["o-a", "o-b"]


def test_the_reason_explains_the_choice_in_vietnamese():
    officers = [Officer("o-1", "Nguyễn Thị Ánh Đào", "CN-A", ("criminal",), JUNIOR),
                Officer("o-2", "Hai", "CN-A", ("criminal",), JUNIOR),
                Officer("o-3", "Ba", "CN-A", ("civil",), JUNIOR)]
    decision = decide(CRIMINAL_IN_A, officers, {"o-1": 3, "o-2": 4}, head_office=None, quota=QUOTA_2022, on=ON)
    assert decision.officer.officer_id == "o-1"
    assert decision.reason.startswith("Nguyễn Thị Ánh Đào có mức tải thấp nhất")
    assert "2 người đủ điều kiện tại CN-A" in decision.reason
    assert "3 vụ việc / chỉ tiêu 6 (tỷ lệ 0.50)" in decision.reason


def test_a_branch_without_an_eligible_officer_falls_back_to_the_head_office():
    officers = [Officer("o-1", "Một", "CN-A", ("civil",), JUNIOR),
                Officer("o-2", "Hai", "CN-A", ("criminal",), JUNIOR, active=False),
                Officer("o-3", "Ba", "HQ", ("criminal",), SENIOR)]
    decision = decide(CRIMINAL_IN_A, officers, {}, head_office="HQ", quota=QUOTA_2022, on=ON)
    assert decision.officer.officer_id == "o-3"
    assert decision.locality == "HQ"
    assert decision.reason.startswith("Không có trợ giúp viên phù hợp tại CN-A; chuyển về HQ. ")
    assert "Ba có mức tải thấp nhất" in decision.reason
    by_id = {c.officer_id: c for c in decision.candidates}
    assert by_id["o-1"].excluded_by == EXCLUDED_LOCALITY  # judged against the head office now
    assert by_id["o-2"].excluded_by == EXCLUDED_INACTIVE
    assert by_id["o-3"].eligible is True


def test_the_branch_is_preferred_over_the_head_office():
    officers = [Officer("o-1", "Chi nhánh", "CN-A", ("criminal",), JUNIOR),
                Officer("o-2", "Trụ sở", "HQ", ("criminal",), SENIOR)]
    decision = decide(CRIMINAL_IN_A, officers, {"o-1": 5, "o-2": 0}, head_office="HQ", quota=QUOTA_2022, on=ON)
    assert decision.officer.officer_id == "o-1"
    assert decision.locality == "CN-A"
    assert "chuyển về" not in decision.reason


def test_a_case_without_a_branch_goes_to_the_head_office_and_says_so():
    case = CaseToAssign(case_id="c-2", field="criminal", branch_code=None, urgent=False)
    officers = [Officer("o-1", "Một", "HQ", ("criminal",), JUNIOR)]
    decision = decide(case, officers, {}, head_office="HQ", quota=QUOTA_2022, on=ON)
    assert decision.officer.officer_id == "o-1"
    assert decision.locality == "HQ"
    assert decision.reason.startswith("Chưa xác định được chi nhánh theo địa bàn; giao về HQ.")


def test_nobody_eligible_anywhere_is_explained():
    officers = [Officer("o-1", "Một", "CN-A", ("civil",), JUNIOR),
                Officer("o-2", "Hai", "HQ", ("criminal",), JUNIOR, active=False),
                Officer("o-3", "Ba", "CN-B", ("criminal",), JUNIOR)]
    decision = decide(CRIMINAL_IN_A, officers, {}, head_office="HQ", quota=QUOTA_2022, on=ON)
    assert decision.officer is None
    assert decision.locality == "HQ"
    assert decision.reason == "Không có trợ giúp viên đang làm việc tại HQ nhận lĩnh vực này."
    assert [(c.officer_id, c.excluded_by) for c in decision.candidates] == [
        ("o-1", EXCLUDED_LOCALITY), ("o-2", EXCLUDED_INACTIVE), ("o-3", EXCLUDED_LOCALITY)]
    assert not any(c.eligible for c in decision.candidates)


def test_nobody_eligible_in_the_branch_without_a_head_office():
    officers = [Officer("o-1", "Một", "CN-A", ("civil",), JUNIOR)]
    decision = decide(CRIMINAL_IN_A, officers, {}, head_office=None, quota=QUOTA_2022, on=ON)
    assert decision.officer is None
    assert decision.locality == "CN-A"
    assert decision.reason == "Không có trợ giúp viên đang làm việc tại CN-A nhận lĩnh vực này."
    assert [(c.officer_id, c.excluded_by) for c in decision.candidates] == [("o-1", EXCLUDED_FIELD)]


def test_no_branch_and_no_head_office_is_explained():
    case = CaseToAssign(case_id="c-3", field="criminal", branch_code=None, urgent=True)
    officers = [Officer("o-1", "Một", "HQ", ("criminal",), JUNIOR)]
    decision = decide(case, officers, {}, head_office=None, quota=QUOTA_2022, on=ON)
    assert decision.officer is None
    assert decision.candidates == []
    assert decision.locality == ""
    assert "chưa xác định được địa bàn" in decision.reason


def test_an_empty_roster_is_explained():
    decision = decide(CRIMINAL_IN_A, [], {}, head_office="HQ", quota=QUOTA_2022, on=ON)
    assert decision.officer is None
    assert decision.candidates == []
    assert "HQ" in decision.reason


def test_every_officer_appears_exactly_once_in_the_candidates():
    officers = [Officer(f"o-{i}", f"Người {i}", ("CN-A", "CN-B", "HQ")[i % 3],
                        ("criminal",) if i % 2 else ("civil",), JUNIOR, active=i % 5 != 0) for i in range(12)]
    ids = Counter(o.officer_id for o in officers)
    for case in (CRIMINAL_IN_A, CaseToAssign("c-4", "land", "CN-A", False),
                 CaseToAssign("c-5", "civil", None, False)):
        decision = decide(case, officers, {}, head_office="HQ", quota=QUOTA_2022, on=ON)
        assert Counter(c.officer_id for c in decision.candidates) == ids, case


def test_a_branch_that_is_the_head_office_is_considered_once():
    case = CaseToAssign(case_id="c-6", field="land", branch_code="HQ", urgent=False)
    officers = [Officer("o-1", "Một", "HQ", ("criminal",), JUNIOR)]
    decision = decide(case, officers, {}, head_office="HQ", quota=QUOTA_2022, on=ON)
    assert decision.officer is None
    assert [c.officer_id for c in decision.candidates] == ["o-1"]
    assert decision.reason == "Không có trợ giúp viên đang làm việc tại HQ nhận lĩnh vực này."


def test_reasons_name_branches_as_staff_know_them():
    officers = [Officer("o-3", "Ba", "HQ", ("criminal",), SENIOR)]
    names = {"CN-A": "Chi nhánh số 1", "HQ": "Trụ sở Trung tâm"}
    decision = decide(CRIMINAL_IN_A, officers, {}, head_office="HQ", quota=QUOTA_2022, on=ON, branch_names=names)
    assert decision.reason.startswith("Không có trợ giúp viên phù hợp tại Chi nhánh số 1; chuyển về Trụ sở Trung tâm. ")
    assert "đủ điều kiện tại Trụ sở Trung tâm" in decision.reason


def test_an_officer_who_declined_or_was_replaced_is_never_chosen_again():
    officers = [Officer("o-1", "Một", "CN-A", ("criminal",), SENIOR),
                Officer("o-2", "Hai", "CN-A", ("criminal",), JUNIOR)]
    decision = decide(CRIMINAL_IN_A, officers, {"o-1": 0, "o-2": 5}, head_office="HQ", quota=QUOTA_2022, on=ON,
                      excluded=frozenset({"o-1"}))
    assert decision.officer.officer_id == "o-2"
    assert {c.officer_id: c.excluded_by for c in decision.candidates}["o-1"] == "declined_or_replaced"


def test_an_officer_on_leave_training_or_maternity_takes_no_new_case_that_day():
    from services.assignment.domain.roster import Absence

    away = Officer("o-1", "Một", "CN-A", ("criminal",), SENIOR,
                   absences=(Absence(ON, ON, "training"),))
    back = Officer("o-2", "Hai", "CN-A", ("criminal",), JUNIOR)
    decision = decide(CRIMINAL_IN_A, [away, back], {"o-2": 9}, head_office="HQ", quota=QUOTA_2022, on=ON)
    assert decision.officer.officer_id == "o-2"
    assert {c.officer_id: c.excluded_by for c in decision.candidates}["o-1"] == "absent"
    tomorrow = decide(CRIMINAL_IN_A, [away, back], {"o-2": 9}, head_office="HQ", quota=QUOTA_2022,
                      on=ON + timedelta(days=1))
    assert tomorrow.officer.officer_id == "o-1"

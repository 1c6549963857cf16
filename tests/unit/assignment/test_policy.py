"""The assignment decision: hard rules, least weighted load against the target, and its explanation."""

from collections import Counter
from datetime import date, datetime, time, timedelta

from services.assignment.domain.policy import (
    EXCLUDED_FIELD,
    EXCLUDED_INACTIVE,
    EXCLUDED_LOCALITY,
    EXCLUDED_NOT_ON_DUTY,
    CaseToAssign,
    Standing,
    check,
    decide,
)
from services.assignment.domain.quota import yearly_target
from services.assignment.domain.roster import Absence, DutyShift, Officer
from services.assignment.domain.rules import LOCAL_TZ, load_rules

RULES = load_rules()
ON = date(2026, 6, 1)
JUNIOR = date(2025, 1, 1)  # under 3 years on ON: target 6
MIDDLE = date(2022, 1, 1)  # 4 years on ON: target 10
SENIOR = date(2020, 1, 1)  # 6 years on ON: target 13

CRIMINAL_IN_A = CaseToAssign(case_id="c-1", field="criminal", branch_code="CN-A", urgent=False)
URGENT_IN_A = CaseToAssign(case_id="c-9", field="criminal", branch_code="CN-A", urgent=True)
NOBODY = "Không có trợ giúp viên đang làm việc tại {} nhận lĩnh vực này mà không vướng xung đột lợi ích."


def run(case, officers, loads, *, head_office, on=ON, hour=9, branch_names=None, conflicts=None, group_balance=0.0):
    """The rule as the service runs it: yearly targets from the rules file, at a local moment."""
    standing = Standing({k: float(v) for k, v in loads.items()},
                        {o.officer_id: yearly_target(o, on.year, RULES).value for o in officers},
                        conflicts or {}, group_balance)
    return decide(case, officers, standing, at=datetime.combine(on, time(hour), LOCAL_TZ),
                  head_office=head_office, branch_names=branch_names)


def test_the_rule_is_named_and_versioned():
    assert RULES.rule_name == "least-weighted-load-vs-target/v2"
    assert RULES.version == "assignment-rules/v1"


def test_hard_rules_exclude_with_the_rule_that_applied():
    officers = [
        Officer("o-1", "Đào Văn Một", "CN-A", ("criminal",), JUNIOR),
        Officer("o-2", "Lê Thị Hai", "CN-A", ("criminal",), JUNIOR, active=False),
        Officer("o-3", "Phạm Văn Ba", "CN-A", ("civil", "land"), JUNIOR),
        Officer("o-4", "Võ Thị Bốn", "CN-B", ("criminal",), JUNIOR),
        Officer("o-5", "Hồ Văn Năm", "CN-B", ("civil",), JUNIOR, active=False),
    ]
    decision = run(CRIMINAL_IN_A, officers, {}, head_office="HQ")
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
    decision = run(CRIMINAL_IN_A, officers, {"o-2": 0}, head_office=None)
    excluded = next(c for c in decision.candidates if c.officer_id == "o-2")
    assert (excluded.load, excluded.target, excluded.score) == (None, None, None)


def test_eligible_candidates_carry_load_target_and_score():
    officers = [Officer("o-1", "Một", "CN-A", ("criminal",), JUNIOR),
                Officer("o-2", "Hai", "CN-A", ("criminal",), MIDDLE)]
    decision = run(CRIMINAL_IN_A, officers, {"o-1": 2}, head_office=None)
    by_id = {c.officer_id: c for c in decision.candidates}
    # The score counts the case itself: (load + weight) / target.
    assert (by_id["o-1"].load, by_id["o-1"].target, by_id["o-1"].score) == (2, 6, 0.5)
    assert (by_id["o-2"].load, by_id["o-2"].target, by_id["o-2"].score) == (0, 10, 0.1)  # no load given: 0


def test_the_lowest_load_to_target_ratio_wins_even_with_more_cases():
    officers = [Officer("o-1", "Một", "CN-A", ("criminal",), JUNIOR),   # 3 / 6 = 0.5
                Officer("o-2", "Hai", "CN-A", ("criminal",), SENIOR)]   # 5 / 13 = 0.385
    decision = run(CRIMINAL_IN_A, officers, {"o-1": 3, "o-2": 5}, head_office="HQ")
    assert decision.officer.officer_id == "o-2"
    assert decision.locality == "CN-A"


def test_a_leaders_reduced_target_raises_their_ratio():
    officers = [Officer("o-1", "Lãnh đạo", "CN-A", ("criminal",), JUNIOR, leader_role="director"),  # (2+1) / 3
                Officer("o-2", "Trợ giúp viên", "CN-A", ("criminal",), JUNIOR)]                     # (3+1) / 6
    decision = run(CRIMINAL_IN_A, officers, {"o-1": 2, "o-2": 3}, head_office=None)
    assert decision.officer.officer_id == "o-2"
    leader = next(c for c in decision.candidates if c.officer_id == "o-1")
    assert (leader.target, leader.score) == (3, 1.0)


def test_an_equal_ratio_goes_to_the_officer_with_fewer_cases():
    officers = [Officer("o-1", "Nhiều", "CN-A", ("criminal",), MIDDLE),  # (4+1) / 10 = 0.5
                Officer("o-2", "Ít", "CN-A", ("criminal",), JUNIOR)]     # (2+1) / 6 = 0.5
    decision = run(CRIMINAL_IN_A, officers, {"o-1": 4, "o-2": 2}, head_office=None)
    assert decision.officer.officer_id == "o-2"


def test_an_equal_ratio_and_load_goes_to_the_longer_serving_officer():
    # Both in the third band (target 13); o-2 was appointed earlier, though its id sorts later.
    officers = [Officer("o-1", "Mới hơn", "CN-A", ("criminal",), date(2021, 6, 1)),
                Officer("o-2", "Lâu hơn", "CN-A", ("criminal",), date(2019, 6, 1))]
    decision = run(CRIMINAL_IN_A, officers, {"o-1": 4, "o-2": 4}, head_office=None)
    assert decision.officer.officer_id == "o-2"


def test_a_full_tie_goes_to_the_smallest_id_whatever_the_roster_order():
    officers = [Officer("o-b", "Bê", "CN-A", ("criminal",), JUNIOR),
                Officer("o-a", "A", "CN-A", ("criminal",), JUNIOR)]
    decision = run(CRIMINAL_IN_A, officers, {}, head_office=None)
    assert decision.officer.officer_id == "o-a"
    reversed_decision = run(CRIMINAL_IN_A, officers[::-1], {}, head_office=None)
    assert reversed_decision.officer.officer_id == "o-a"
    assert [c.officer_id for c in decision.candidates] == ["o-a", "o-b"]


def test_the_reason_explains_the_choice_in_vietnamese():
    officers = [Officer("o-1", "Nguyễn Thị Ánh Đào", "CN-A", ("criminal",), JUNIOR),
                Officer("o-2", "Hai", "CN-A", ("criminal",), JUNIOR),
                Officer("o-3", "Ba", "CN-A", ("civil",), JUNIOR)]
    decision = run(CRIMINAL_IN_A, officers, {"o-1": 3, "o-2": 4}, head_office=None)
    assert decision.officer.officer_id == "o-1"
    assert decision.reason.startswith("Nguyễn Thị Ánh Đào có điểm thấp nhất")
    assert "2 người đủ điều kiện tại CN-A" in decision.reason
    assert "tải 3,00 + 1,00 (vụ này) trên chỉ tiêu 6,00, điểm 0,67" in decision.reason


def test_a_branch_without_an_eligible_officer_falls_back_to_the_head_office():
    officers = [Officer("o-1", "Một", "CN-A", ("civil",), JUNIOR),
                Officer("o-2", "Hai", "CN-A", ("criminal",), JUNIOR, active=False),
                Officer("o-3", "Ba", "HQ", ("criminal",), SENIOR)]
    decision = run(CRIMINAL_IN_A, officers, {}, head_office="HQ")
    assert decision.officer.officer_id == "o-3"
    assert decision.locality == "HQ"
    assert decision.reason.startswith("Không có trợ giúp viên phù hợp tại CN-A; chuyển về HQ. ")
    assert "Ba có điểm thấp nhất" in decision.reason
    by_id = {c.officer_id: c for c in decision.candidates}
    assert by_id["o-1"].excluded_by == EXCLUDED_LOCALITY  # judged against the head office now
    assert by_id["o-2"].excluded_by == EXCLUDED_INACTIVE
    assert by_id["o-3"].eligible is True


def test_the_branch_is_preferred_over_the_head_office():
    officers = [Officer("o-1", "Chi nhánh", "CN-A", ("criminal",), JUNIOR),
                Officer("o-2", "Trụ sở", "HQ", ("criminal",), SENIOR)]
    decision = run(CRIMINAL_IN_A, officers, {"o-1": 5, "o-2": 0}, head_office="HQ")
    assert decision.officer.officer_id == "o-1"
    assert decision.locality == "CN-A"
    assert "chuyển về" not in decision.reason


def test_a_case_without_a_branch_goes_to_the_head_office_and_says_so():
    case = CaseToAssign(case_id="c-2", field="criminal", branch_code=None, urgent=False)
    officers = [Officer("o-1", "Một", "HQ", ("criminal",), JUNIOR)]
    decision = run(case, officers, {}, head_office="HQ")
    assert decision.officer.officer_id == "o-1"
    assert decision.locality == "HQ"
    assert decision.reason.startswith("Chưa xác định được chi nhánh theo địa bàn; giao về HQ.")


def test_nobody_eligible_anywhere_is_explained():
    officers = [Officer("o-1", "Một", "CN-A", ("civil",), JUNIOR),
                Officer("o-2", "Hai", "HQ", ("criminal",), JUNIOR, active=False),
                Officer("o-3", "Ba", "CN-B", ("criminal",), JUNIOR)]
    decision = run(CRIMINAL_IN_A, officers, {}, head_office="HQ")
    assert decision.officer is None
    assert decision.locality == "HQ"
    assert decision.reason == NOBODY.format("HQ")
    assert [(c.officer_id, c.excluded_by) for c in decision.candidates] == [
        ("o-1", EXCLUDED_LOCALITY), ("o-2", EXCLUDED_INACTIVE), ("o-3", EXCLUDED_LOCALITY)]
    assert not any(c.eligible for c in decision.candidates)


def test_nobody_eligible_in_the_branch_without_a_head_office():
    officers = [Officer("o-1", "Một", "CN-A", ("civil",), JUNIOR)]
    decision = run(CRIMINAL_IN_A, officers, {}, head_office=None)
    assert decision.officer is None
    assert decision.locality == "CN-A"
    assert decision.reason == NOBODY.format("CN-A")
    assert [(c.officer_id, c.excluded_by) for c in decision.candidates] == [("o-1", EXCLUDED_FIELD)]


def test_no_branch_and_no_head_office_is_explained():
    case = CaseToAssign(case_id="c-3", field="criminal", branch_code=None, urgent=True)
    officers = [Officer("o-1", "Một", "HQ", ("criminal",), JUNIOR)]
    decision = run(case, officers, {}, head_office=None)
    assert decision.officer is None
    assert decision.candidates == []
    assert decision.locality == ""
    assert "chưa xác định được địa bàn" in decision.reason


def test_an_empty_roster_is_explained():
    decision = run(CRIMINAL_IN_A, [], {}, head_office="HQ")
    assert decision.officer is None
    assert decision.candidates == []
    assert "HQ" in decision.reason


def test_every_officer_appears_exactly_once_in_the_candidates():
    officers = [Officer(f"o-{i}", f"Người {i}", ("CN-A", "CN-B", "HQ")[i % 3],
                        ("criminal",) if i % 2 else ("civil",), JUNIOR, active=i % 5 != 0) for i in range(12)]
    ids = Counter(o.officer_id for o in officers)
    for case in (CRIMINAL_IN_A, CaseToAssign("c-4", "land", "CN-A", False),
                 CaseToAssign("c-5", "civil", None, False)):
        decision = run(case, officers, {}, head_office="HQ")
        assert Counter(c.officer_id for c in decision.candidates) == ids, case


def test_a_branch_that_is_the_head_office_is_considered_once():
    case = CaseToAssign(case_id="c-6", field="land", branch_code="HQ", urgent=False)
    officers = [Officer("o-1", "Một", "HQ", ("criminal",), JUNIOR)]
    decision = run(case, officers, {}, head_office="HQ")
    assert decision.officer is None
    assert [c.officer_id for c in decision.candidates] == ["o-1"]
    assert decision.reason == NOBODY.format("HQ")


def test_reasons_name_branches_as_staff_know_them():
    officers = [Officer("o-3", "Ba", "HQ", ("criminal",), SENIOR)]
    names = {"CN-A": "Chi nhánh số 1", "HQ": "Trụ sở Trung tâm"}
    decision = run(CRIMINAL_IN_A, officers, {}, head_office="HQ", branch_names=names)
    assert decision.reason.startswith("Không có trợ giúp viên phù hợp tại Chi nhánh số 1; chuyển về Trụ sở Trung tâm. ")
    assert "đủ điều kiện tại Trụ sở Trung tâm" in decision.reason


def test_an_officer_who_declined_or_was_replaced_is_never_chosen_again():
    officers = [Officer("o-1", "Một", "CN-A", ("criminal",), SENIOR),
                Officer("o-2", "Hai", "CN-A", ("criminal",), JUNIOR)]
    decision = run(CRIMINAL_IN_A, officers, {"o-1": 0, "o-2": 5}, head_office="HQ",
                   conflicts={"o-1": "declined_or_replaced"})
    assert decision.officer.officer_id == "o-2"
    assert {c.officer_id: c.excluded_by for c in decision.candidates}["o-1"] == "declined_or_replaced"


def test_an_officer_on_leave_training_or_maternity_takes_no_new_case_that_day():
    away = Officer("o-1", "Một", "CN-A", ("criminal",), SENIOR,
                   absences=(Absence(ON, ON, "training"),))
    back = Officer("o-2", "Hai", "CN-A", ("criminal",), JUNIOR)
    decision = run(CRIMINAL_IN_A, [away, back], {"o-2": 9}, head_office="HQ")
    assert decision.officer.officer_id == "o-2"
    assert {c.officer_id: c.excluded_by for c in decision.candidates}["o-1"] == "absent"
    tomorrow = run(CRIMINAL_IN_A, [away, back], {"o-2": 9}, head_office="HQ", on=ON + timedelta(days=1))
    assert tomorrow.officer.officer_id == "o-1"


def _on_duty_now(hours: int = 12) -> tuple[DutyShift, ...]:
    start = datetime.combine(ON, time(8), LOCAL_TZ)
    return (DutyShift(start, start + timedelta(hours=hours)),)


def test_an_urgent_case_goes_to_the_officer_on_duty_even_with_more_load():
    officers = [Officer("o-1", "Rảnh", "CN-A", ("criminal",), SENIOR),
                Officer("o-2", "Đang trực", "CN-A", ("criminal",), SENIOR, duty=_on_duty_now())]
    decision = run(URGENT_IN_A, officers, {"o-1": 0, "o-2": 6}, head_office="HQ")
    assert decision.officer.officer_id == "o-2" and decision.on_duty
    assert "lịch trực" in decision.reason
    by_id = {c.officer_id: c for c in decision.candidates}
    assert (by_id["o-1"].eligible, by_id["o-1"].excluded_by, by_id["o-1"].on_duty) == (False, EXCLUDED_NOT_ON_DUTY, False)
    # The same case outside the shift: nobody is on duty, the ordinary rule applies and says so.
    late = run(URGENT_IN_A, officers, {"o-1": 0, "o-2": 6}, head_office="HQ", hour=21)
    assert late.officer.officer_id == "o-1" and not late.on_duty
    assert "không có người trực phù hợp" in late.reason


def test_an_urgent_case_prefers_a_duty_officer_at_the_head_office_over_nobody_on_duty_in_the_branch():
    officers = [Officer("o-1", "Chi nhánh", "CN-A", ("criminal",), SENIOR),
                Officer("o-2", "Trực ở trụ sở", "HQ", ("criminal",), SENIOR, duty=_on_duty_now())]
    decision = run(URGENT_IN_A, officers, {}, head_office="HQ")
    assert (decision.officer.officer_id, decision.locality) == ("o-2", "HQ")


def test_a_duty_officer_is_still_bound_by_the_hard_rules():
    officers = [Officer("o-1", "Rảnh", "CN-A", ("criminal",), SENIOR),
                Officer("o-2", "Trực nhưng nghỉ", "CN-A", ("criminal",), SENIOR, duty=_on_duty_now(),
                        absences=(Absence(ON, ON, "sick"),))]
    decision = run(URGENT_IN_A, officers, {}, head_office="HQ")
    assert decision.officer.officer_id == "o-1"


def test_case_weight_counts_in_the_score():
    officers = [Officer("o-1", "Một", "CN-A", ("land",), SENIOR), Officer("o-2", "Hai", "CN-A", ("land",), SENIOR)]
    heavy = CaseToAssign("c-l", "land", "CN-A", False, weight=RULES.weight("land", None))
    decision = run(heavy, officers, {"o-1": 2.4, "o-2": 2.0}, head_office=None)
    assert RULES.weight("land", None) == 1.2
    assert decision.officer.officer_id == "o-2"
    assert {c.officer_id: c.score for c in decision.candidates}["o-2"] == round((2.0 + 1.2) / 13, 4)


def test_group_balance_moves_work_to_the_group_that_is_behind():
    # Equal individual scores; leaders as a group are far behind the others, so a leader gets the case.
    officers = [Officer("o-1", "Lãnh đạo", "CN-A", ("criminal",), SENIOR, leader_role="branch_head"),
                Officer("o-2", "Trợ giúp viên", "CN-A", ("criminal",), SENIOR),
                Officer("o-3", "Trợ giúp viên khác", "CN-B", ("criminal",), SENIOR)]
    loads = {"o-1": 2.64, "o-2": 3.3, "o-3": 12.0}   # o-1: (2.64+1)/10.4 = 0.35; o-2: (3.3+1)/13 = 0.33
    assert run(CRIMINAL_IN_A, officers, loads, head_office=None).officer.officer_id == "o-2"
    balanced = run(CRIMINAL_IN_A, officers, loads, head_office=None, group_balance=RULES.group_balance)
    assert balanced.officer.officer_id == "o-1"


def test_check_names_the_hard_rule_that_stops_a_chosen_officer():
    officers = [Officer("o-1", "Một", "CN-A", ("criminal",), SENIOR),
                Officer("o-2", "Hai", "CN-B", ("criminal",), SENIOR),
                Officer("o-3", "Ba", "HQ", ("criminal",), SENIOR),
                Officer("o-4", "Bốn", "CN-A", ("civil",), SENIOR)]
    standing = Standing({}, {o.officer_id: 13.0 for o in officers}, {"o-1": "opposing_party"})
    at = datetime.combine(ON, time(9), LOCAL_TZ)
    stops = {o.officer_id: check(CRIMINAL_IN_A, o, standing, at=at, head_office="HQ") for o in officers}
    assert stops == {"o-1": "opposing_party", "o-2": EXCLUDED_LOCALITY, "o-3": None, "o-4": EXCLUDED_FIELD}

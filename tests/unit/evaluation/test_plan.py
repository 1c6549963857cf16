"""The yearly plan: a reproducible sample per officer plus the cases that must be looked at."""

from collections import Counter
from datetime import date

import pytest

from services.evaluation.domain.plan import PlanCandidate, PlanItem, draw_plan, sample_size

START, END = date(2025, 11, 1), date(2026, 10, 31)
IN_YEAR = date(2026, 3, 15)


def cases(officer: str, n: int, **extra) -> list[PlanCandidate]:
    return [PlanCandidate(f"{officer}-case-{i:03d}", officer, IN_YEAR, evaluable=True, **extra) for i in range(n)]


def draw(candidates, seed="42", percent=10.0, minimum=1, failed=frozenset(), year=2026) -> list[PlanItem]:
    return draw_plan(candidates, year=year, start=START, end=END, seed=seed, sample_percent=percent,
                     min_per_officer=minimum, failed_officers=failed)


@pytest.mark.parametrize("n, percent, minimum, expected", [
    (0, 10, 1, 0), (1, 10, 1, 1), (10, 10, 1, 1), (11, 10, 1, 2), (30, 10, 1, 3), (7, 0, 1, 1), (7, 0, 0, 0),
    (3, 100, 1, 3), (5, 10, 9, 5), (20, 15, 1, 3),
])
def test_sample_size_is_the_ceiling_of_the_share_at_least_the_minimum(n, percent, minimum, expected):
    assert sample_size(n, percent, minimum) == expected


def test_each_officer_gets_their_share():
    plan = draw(cases("TGV-1", 30) + cases("TGV-2", 11) + cases("TGV-3", 1))
    assert Counter(i.officer_id for i in plan) == {"TGV-1": 3, "TGV-2": 2, "TGV-3": 1}
    assert {i.reason for i in plan} == {"sample"}


def test_an_officer_with_one_case_has_it_drawn():
    assert draw(cases("TGV-9", 1)) == [PlanItem("TGV-9-case-000", "TGV-9", "sample")]


def test_zero_percent_still_takes_the_minimum_per_officer():
    assert len(draw(cases("TGV-1", 20) + cases("TGV-2", 5), percent=0)) == 2
    assert draw(cases("TGV-1", 20), percent=0, minimum=0) == []


def test_the_same_seed_reproduces_the_same_draw_whatever_the_input_order():
    pool = cases("TGV-1", 40) + cases("TGV-2", 25)
    assert draw(pool, seed="2026-plan") == draw(list(reversed(pool)), seed="2026-plan")


def test_another_seed_or_year_draws_differently():
    pool = cases("TGV-1", 200)
    picked = {i.case_id for i in draw(pool, seed="a")}
    assert picked != {i.case_id for i in draw(pool, seed="b")}
    assert picked != {i.case_id for i in draw(pool, seed="a", year=2027)}


def test_the_draw_is_random_python_seeded_with_seed_and_year():
    import random

    pool = cases("TGV-1", 50)
    expected = random.Random("7:2026").sample(sorted(pool, key=lambda c: c.case_id), 5)
    assert {i.case_id for i in draw(pool, seed="7")} == {c.case_id for c in expected}


def test_a_case_evaluated_last_year_or_already_planned_is_never_drawn_again():
    done = PlanCandidate("x-evaluated", "TGV-1", IN_YEAR, evaluable=True, evaluated=True, complaints=2)
    planned = PlanCandidate("x-planned", "TGV-1", IN_YEAR, evaluable=True, planned=True, complaints=1)
    only = PlanCandidate("x-open", "TGV-1", IN_YEAR, evaluable=True)
    assert draw([done, planned, only], percent=100) == [PlanItem("x-open", "TGV-1", "sample")]


def test_only_evaluated_forms_and_outcomes_are_drawn():
    advice = PlanCandidate("advice", "TGV-1", IN_YEAR, evaluable=False, complaints=1)
    assert draw([advice], percent=100) == []


def test_a_complaint_brings_the_case_in_on_top_of_the_sample():
    pool = cases("TGV-1", 10)
    complained = PlanCandidate("TGV-1-zz-complained", "TGV-1", IN_YEAR, evaluable=True, complaints=1)
    plan = draw(pool + [complained])
    reasons = Counter(i.reason for i in plan)
    assert reasons == {"complaint": 1, "sample": 2}  # 11 cases: ceil(1.1) = 2 drawn among the other 10
    assert PlanItem(complained.case_id, "TGV-1", "complaint") in plan


def test_a_complaint_about_an_earlier_year_joins_this_plan_but_a_later_closure_does_not():
    earlier = PlanCandidate("old", "TGV-1", date(2024, 12, 1), evaluable=True, complaints=1)
    later = PlanCandidate("later", "TGV-1", date(2026, 11, 2), evaluable=True, complaints=1)
    earlier_no_complaint = PlanCandidate("old-quiet", "TGV-1", date(2024, 12, 1), evaluable=True)
    assert draw([earlier, later, earlier_no_complaint]) == [PlanItem("old", "TGV-1", "complaint")]


def test_an_officer_whose_case_failed_before_has_every_case_in_the_plan():
    plan = draw(cases("TGV-1", 12) + cases("TGV-2", 12), failed=frozenset({"TGV-2"}))
    assert Counter((i.officer_id, i.reason) for i in plan) == {("TGV-1", "sample"): 2, ("TGV-2", "failed_before"): 12}


def test_a_complaint_keeps_its_reason_for_an_officer_who_failed_before():
    complained = PlanCandidate("c", "TGV-2", IN_YEAR, evaluable=True, complaints=1)
    assert draw([complained], failed=frozenset({"TGV-2"})) == [PlanItem("c", "TGV-2", "complaint")]


def test_cases_without_a_known_performer_form_their_own_group():
    plan = draw(cases("TGV-1", 3) + [PlanCandidate("nobody", None, IN_YEAR, evaluable=True)])
    assert [i.officer_id for i in plan] == ["TGV-1", None]

"""Ratings from scores: thresholds of the maximum, and a failed critical criterion always fails."""

import pytest

from services.evaluation.domain.rules import load_rules
from services.evaluation.domain.scoring import MissingScores, missing_scores, rate, score_problem

RULES = load_rules()
APPRAISAL = RULES.methods["appraisal"]  # max 100


def full(**overrides) -> dict[str, int]:
    scores = {c.code: c.max_score for c in APPRAISAL.criteria}
    scores.update(overrides)
    return scores


def test_full_marks_are_very_good():
    result = rate(APPRAISAL, full(), RULES)
    assert (result.code, result.label_vi, result.total, result.max_total, result.share) == (
        "very_good", "Tốt", 100, 100, 1.0)
    assert result.failed == () and result.critical_failed == ()


def test_thresholds_are_shares_of_the_maximum_and_inclusive():
    # 85 of 100 exactly reaches very_good; 84 is meets.
    assert rate(APPRAISAL, full(client_meetings=5, result_recorded=5, research_evidence=10), RULES).code == "very_good"
    assert rate(APPRAISAL, full(client_meetings=5, result_recorded=5, research_evidence=9), RULES).code == "meets"


def test_below_the_meets_threshold_fails_even_with_every_critical_criterion_passed():
    scores = {"file_complete": 6, "deadlines_met": 9, "client_meetings": 0, "research_evidence": 0,
              "legal_argument": 10, "proceedings_attended": 0, "result_recorded": 0, "professional_ethics": 5}
    result = rate(APPRAISAL, scores, RULES)
    assert result.total == 30 and result.code == "fails" and result.critical_failed == ()
    assert "Dưới ngưỡng 50,0%" in result.lines[-1]


def test_a_failed_critical_criterion_fails_a_high_score():
    result = rate(APPRAISAL, full(professional_ethics=4), RULES)
    assert result.share == 0.99 and result.code == "fails"
    assert result.failed == result.critical_failed == ("professional_ethics",)
    assert "bắt buộc" in result.lines[-1] and "Không đạt chất lượng" in result.lines[-1]


def test_a_failed_ordinary_criterion_is_listed_but_does_not_fail_the_case():
    result = rate(APPRAISAL, full(client_meetings=4), RULES)
    assert result.code == "very_good" and result.failed == ("client_meetings",) and result.critical_failed == ()


def test_missing_scores_are_named_in_checklist_order():
    with pytest.raises(MissingScores) as refused:
        rate(APPRAISAL, {"file_complete": 10, "legal_argument": 20}, RULES)
    assert refused.value.codes[:2] == ["deadlines_met", "client_meetings"] and len(refused.value.codes) == 6
    assert missing_scores(APPRAISAL, full()) == []


@pytest.mark.parametrize("code, score, problem", [
    ("file_complete", 10, None), ("file_complete", 0, None), ("file_complete", 11, "từ 0 đến 10"),
    ("file_complete", -1, "từ 0 đến 10"), ("law_applied", 5, "không thuộc phương pháp"),
])
def test_a_score_must_fit_its_criterion(code, score, problem):
    found = score_problem(APPRAISAL, code, score)
    assert found is None if problem is None else problem in found

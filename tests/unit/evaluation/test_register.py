"""The evaluation register: a case awaits evaluation once closed with an evaluated outcome."""

from datetime import datetime, timedelta, timezone

import pytest

from services.evaluation.domain.register import EVALUATED_OUTCOMES, RegisterEntry, RegisterStatus

CLOSED_AT = datetime(2026, 11, 26, 9, 30, tzinfo=timezone(timedelta(hours=7)))


def test_the_statuses_and_evaluated_outcomes():
    assert (RegisterStatus.IN_PROGRESS, RegisterStatus.AWAITING_EVALUATION) == ("in_progress", "awaiting_evaluation")
    assert EVALUATED_OUTCOMES == {"closed", "terminated"}


def test_an_open_case_is_in_progress():
    assert RegisterEntry("c-1", None, None, None).status == RegisterStatus.IN_PROGRESS
    assert RegisterEntry("c-1", "o-1", None, None).status == RegisterStatus.IN_PROGRESS


def test_a_closed_or_terminated_case_awaits_evaluation():
    assert RegisterEntry("c-1", "o-1", CLOSED_AT, "closed").status == RegisterStatus.AWAITING_EVALUATION
    assert RegisterEntry("c-1", "o-1", CLOSED_AT, "terminated").status == RegisterStatus.AWAITING_EVALUATION


def test_an_outcome_with_a_detail_after_a_colon_counts_by_its_kind():
    assert RegisterEntry("c-1", "o-1", CLOSED_AT, "terminated:withdrawn").status == RegisterStatus.AWAITING_EVALUATION
    assert RegisterEntry("c-1", "o-1", CLOSED_AT, "closed:won").status == RegisterStatus.AWAITING_EVALUATION
    assert RegisterEntry("c-1", "o-1", CLOSED_AT, "transferred:closed").status == RegisterStatus.IN_PROGRESS


def test_a_transferred_case_is_evaluated_elsewhere():
    assert RegisterEntry("c-1", "o-1", CLOSED_AT, "transferred").status == RegisterStatus.IN_PROGRESS


def test_a_closure_needs_both_a_time_and_an_evaluated_outcome():
    assert RegisterEntry("c-1", "o-1", CLOSED_AT, None).status == RegisterStatus.IN_PROGRESS
    assert RegisterEntry("c-1", "o-1", CLOSED_AT, "").status == RegisterStatus.IN_PROGRESS
    assert RegisterEntry("c-1", "o-1", None, "closed").status == RegisterStatus.IN_PROGRESS


def test_outcomes_are_matched_exactly():
    for outcome in ("Closed", "closed ", "close", "closed_early", "unknown"):
        assert RegisterEntry("c-1", "o-1", CLOSED_AT, outcome).status == RegisterStatus.IN_PROGRESS, outcome


def test_a_case_without_a_known_performer_still_awaits_evaluation():
    assert RegisterEntry("c-1", None, CLOSED_AT, "closed").status == RegisterStatus.AWAITING_EVALUATION


def test_a_register_entry_is_frozen():
    entry = RegisterEntry("c-1", None, None, None)
    with pytest.raises(AttributeError):
        entry.outcome = "closed"

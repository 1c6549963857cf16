"""The evaluation register: a case as intake and assignment events describe it, in any order."""

from datetime import datetime, timedelta, timezone

import pytest

from services.evaluation.domain.register import CaseRecord
from services.evaluation.domain.rules import load_rules

RULES = load_rules()
VN = timezone(timedelta(hours=7))
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=VN)


def closed(case: CaseRecord, outcome: str = "completed", officer_id: str | None = None, form: str | None = None,
           at: datetime = T0 + timedelta(days=30)) -> CaseRecord:
    return case.closed(outcome=outcome, at=at, officer_id=officer_id, form=form, field=None, result=None,
                       ground=None, closed_by="tgv")


def test_an_open_case_is_not_evaluable_and_says_why():
    case = CaseRecord("c-1").opened(register_no="1/2026", field="criminal", form="proceedings", at=T0)
    assert not case.evaluable(RULES)
    assert case.not_evaluable_because(RULES) == "Vụ việc chưa kết thúc nên chưa thể đánh giá chất lượng."


@pytest.mark.parametrize("form, outcome, evaluable", [
    ("proceedings", "completed", True), ("proceedings", "terminated", True),
    ("representation", "completed", True), ("advice", "completed", False),
    ("proceedings", "transferred", False), (None, "completed", False),
])
def test_only_evaluated_forms_and_outcomes_are_evaluable(form, outcome, evaluable):
    case = closed(CaseRecord("c-1", form=form), outcome=outcome)
    assert case.evaluable(RULES) is evaluable
    assert (case.not_evaluable_because(RULES) is None) is evaluable


def test_a_refusal_names_the_form_in_vietnamese():
    case = closed(CaseRecord("c-1", form="advice"))
    assert "tư vấn pháp luật" in case.not_evaluable_because(RULES)
    assert "chuyển giao" in closed(CaseRecord("c-1", form="proceedings"), "transferred").not_evaluable_because(RULES)


def test_the_latest_assignment_wins_whatever_the_arrival_order():
    case = CaseRecord("c-1").assigned("TGV-2", T0 + timedelta(hours=2)).assigned("TGV-1", T0)
    assert case.officer_id == "TGV-2"


def test_an_assignment_before_the_opening_is_kept():
    case = CaseRecord("c-1").assigned("TGV-1", T0).opened(register_no="7/2026", field="civil", form="advice", at=T0)
    assert (case.officer_id, case.register_no, case.form) == ("TGV-1", "7/2026", "advice")


def test_the_closing_officer_is_the_performer_for_good():
    case = closed(CaseRecord("c-1").assigned("TGV-1", T0), officer_id="TGV-3")
    assert case.officer_id == "TGV-3"
    assert case.assigned("TGV-4", T0 + timedelta(days=60)).officer_id == "TGV-3"


def test_a_closure_without_an_officer_keeps_the_assigned_one_and_may_set_the_form():
    case = closed(CaseRecord("c-1", form="proceedings").assigned("TGV-1", T0), form="representation")
    assert (case.officer_id, case.form, case.is_closed) == ("TGV-1", "representation", True)


def test_the_form_from_the_opening_does_not_override_one_from_the_closure():
    case = closed(CaseRecord("c-1"), form="representation").opened(register_no="1", field="civil",
                                                                   form="proceedings", at=T0)
    assert case.form == "representation"


def test_a_record_is_frozen():
    with pytest.raises(AttributeError):
        CaseRecord("c-1").outcome = "completed"

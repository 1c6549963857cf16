"""An evaluator never judges a case they performed, held or declined, or an officer they declared a conflict with."""

from services.evaluation.domain.independence import independence_refusal


def test_an_outsider_may_evaluate():
    assert independence_refusal("TGV-9", "TGV-1", {"TGV-1"}, set()) is None


def test_an_evaluator_without_a_roster_entry_performed_nothing():
    assert independence_refusal(None, "TGV-1", {"TGV-1"}, set()) is None


def test_the_performer_may_not_evaluate_their_own_case():
    assert "chính mình" in independence_refusal("TGV-1", "TGV-1", {"TGV-1"}, set())


def test_an_officer_once_assigned_or_who_declined_may_not_evaluate():
    assert "đã từng được phân công" in independence_refusal("TGV-2", "TGV-1", {"TGV-1", "TGV-2"}, set())


def test_a_declared_conflict_with_the_performer_or_an_earlier_holder_refuses():
    assert "TGV-1" in independence_refusal("TGV-9", "TGV-1", {"TGV-1"}, {"TGV-1"})
    assert "TGV-3" in independence_refusal("TGV-9", "TGV-1", {"TGV-1", "TGV-3"}, {"TGV-3"})
    assert independence_refusal("TGV-9", "TGV-1", {"TGV-1"}, {"TGV-5"}) is None


def test_a_case_with_no_known_performer_can_still_be_refused_by_its_history():
    assert independence_refusal("TGV-2", None, {"TGV-2"}, set()) is not None
    assert independence_refusal("TGV-2", None, set(), set()) is None

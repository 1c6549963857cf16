"""One evaluation's life: scores, a question to the performer and its answer, then final for good."""

from datetime import datetime, timedelta, timezone

import pytest

from services.evaluation.domain.errors import Invalid, Refused
from services.evaluation.domain.evaluation import Evaluation, EvaluationStatus, Score
from services.evaluation.domain.rules import load_rules

RULES = load_rules()
COUNCIL = RULES.methods["council"]
AT = datetime(2026, 11, 20, 9, 0, tzinfo=timezone(timedelta(hours=7)))


def draft() -> Evaluation:
    return Evaluation("e-1", "c-1", "council", "danhgia", "TGV-9", AT, RULES.version)


def all_scores(**overrides) -> list[Score]:
    values = {c.code: c.max_score for c in COUNCIL.criteria} | overrides
    return [Score(code, value, f"ghi chú {code}") for code, value in values.items()]


def test_a_draft_scores_then_finalises_with_a_rating():
    e = draft()
    e.save_scores(COUNCIL, all_scores(timeliness=4), successful=True, effective=False)
    assert e.result(COUNCIL, RULES).code == "very_good"
    result = e.finalize(COUNCIL, RULES, at=AT, year=2026, officer_id="TGV-1")
    assert (e.status, e.rating, e.year, e.officer_id, e.finalized_at) == ("final", "very_good", 2026, "TGV-1", AT)
    assert result.failed == ("timeliness",)


def test_saving_replaces_the_scores():
    e = draft()
    e.save_scores(COUNCIL, all_scores(), True, True)
    e.save_scores(COUNCIL, [Score("law_applied", 3)], None, None)
    assert set(e.scores) == {"law_applied"} and e.successful is None
    assert e.result(COUNCIL, RULES) is None and len(e.missing(COUNCIL)) == 5


@pytest.mark.parametrize("scores, field", [
    ([Score("law_applied", 21)], "criteria[0].score"),
    ([Score("law_applied", 1), Score("nonsense", 1)], "criteria[1].code"),
    ([Score("law_applied", 1), Score("law_applied", 2)], "criteria[1].code"),
])
def test_a_bad_score_names_its_place(scores, field):
    with pytest.raises(Invalid) as refused:
        draft().save_scores(COUNCIL, scores, None, None)
    assert refused.value.field == field


def test_finalising_needs_every_score_and_both_flags():
    e = draft()
    e.save_scores(COUNCIL, all_scores()[:-1], True, True)
    with pytest.raises(Invalid) as missing:
        e.finalize(COUNCIL, RULES, at=AT, year=2026, officer_id="TGV-1")
    assert missing.value.field == "criteria" and "professional_conduct" in missing.value.message
    e.save_scores(COUNCIL, all_scores(), True, None)
    with pytest.raises(Invalid) as flag:
        e.finalize(COUNCIL, RULES, at=AT, year=2026, officer_id="TGV-1")
    assert flag.value.field == "effective"
    assert e.status == EvaluationStatus.DRAFT


def test_an_unanswered_question_holds_the_evaluation_open():
    e = draft()
    e.save_scores(COUNCIL, all_scores(), True, True)
    e.ask("Vì sao không gặp người được trợ giúp trước phiên tòa?", "danhgia", AT)
    assert e.status == "explanation_requested"
    with pytest.raises(Refused):
        e.ask("Câu hỏi thứ hai", "danhgia", AT)
    with pytest.raises(Refused):
        e.finalize(COUNCIL, RULES, at=AT, year=2026, officer_id="TGV-1")
    e.answer("Người được trợ giúp đang bị tạm giam ở trại khác.", "trogiupvien", AT + timedelta(days=1))
    assert e.status == "explained" and e.pending_question is None
    assert e.explanations[0].answered_by == "trogiupvien"
    e.finalize(COUNCIL, RULES, at=AT, year=2026, officer_id="TGV-1")


def test_a_new_question_after_an_answer_keeps_the_history():
    e = draft()
    e.ask("Câu hỏi một?", "danhgia", AT)
    e.answer("Trả lời một.", "tgv", AT)
    e.ask("Câu hỏi hai?", "danhgia", AT)
    assert [x.question for x in e.explanations] == ["Câu hỏi một?", "Câu hỏi hai?"]
    assert e.pending_question.question == "Câu hỏi hai?"


def test_nothing_to_answer_is_refused():
    with pytest.raises(Refused):
        draft().answer("Không có câu hỏi.", "tgv", AT)


def test_a_final_evaluation_never_changes():
    e = draft()
    e.save_scores(COUNCIL, all_scores(), True, True)
    e.finalize(COUNCIL, RULES, at=AT, year=2026, officer_id="TGV-1")
    for change in (lambda: e.save_scores(COUNCIL, all_scores(), True, True),
                   lambda: e.ask("Hỏi thêm?", "danhgia", AT),
                   lambda: e.finalize(COUNCIL, RULES, at=AT, year=2026, officer_id="TGV-1")):
        with pytest.raises(Refused):
            change()

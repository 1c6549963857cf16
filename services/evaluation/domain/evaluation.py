"""One evaluation of a case: a draft the evaluator scores, may ask the performer to explain, and
finalises; once final it never changes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from services.evaluation.domain.errors import Invalid, Refused
from services.evaluation.domain.rules import EvaluationRules, Method
from services.evaluation.domain.scoring import RatingResult, missing_scores, rate, score_problem


class EvaluationStatus:
    DRAFT = "draft"
    EXPLANATION_REQUESTED = "explanation_requested"
    EXPLAINED = "explained"
    FINAL = "final"


STATUS_LABELS = {EvaluationStatus.DRAFT: "đang chấm", EvaluationStatus.EXPLANATION_REQUESTED: "chờ giải trình",
                 EvaluationStatus.EXPLAINED: "đã giải trình", EvaluationStatus.FINAL: "đã hoàn thành"}


@dataclass(frozen=True)
class Score:
    code: str
    score: int
    note: str | None = None


@dataclass(frozen=True)
class Explanation:
    """A question to the performer and, once given, their answer."""

    question: str
    asked_by: str
    asked_at: datetime
    answer: str | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None


@dataclass
class Evaluation:
    evaluation_id: str
    case_id: str
    method: str
    evaluator: str
    evaluator_officer_id: str | None
    opened_at: datetime
    rules_version: str
    status: str = EvaluationStatus.DRAFT
    scores: dict[str, Score] = field(default_factory=dict)
    successful: bool | None = None
    effective: bool | None = None
    explanations: list[Explanation] = field(default_factory=list)
    rating: str | None = None
    finalized_at: datetime | None = None
    year: int | None = None
    officer_id: str | None = None

    @property
    def is_final(self) -> bool:
        return self.status == EvaluationStatus.FINAL

    @property
    def pending_question(self) -> Explanation | None:
        """The question the performer has not answered yet, if any."""
        last = self.explanations[-1] if self.explanations else None
        return last if last is not None and last.answer is None else None

    def _editable(self) -> None:
        if self.is_final:
            raise Refused("Đánh giá đã hoàn thành, không thể thay đổi.")

    def save_scores(self, method: Method, scores: list[Score], successful: bool | None,
                    effective: bool | None) -> None:
        """Replace the checklist's scores and the flags; a bad criterion or score names its place."""
        self._editable()
        seen: set[str] = set()
        for index, entry in enumerate(scores):
            if entry.code in seen:
                raise Invalid(f"Tiêu chí {entry.code} được chấm hai lần.", f"criteria[{index}].code")
            seen.add(entry.code)
            problem = score_problem(method, entry.code, entry.score)
            if problem:
                where = "score" if method.criterion(entry.code) else "code"
                raise Invalid(problem, f"criteria[{index}].{where}")
        self.scores = {entry.code: entry for entry in scores}
        self.successful, self.effective = successful, effective

    def ask(self, question: str, by: str, at: datetime) -> None:
        """Ask the performer to explain; one open question at a time."""
        self._editable()
        if self.pending_question is not None:
            raise Refused("Đã có câu hỏi đang chờ người thực hiện giải trình.")
        self.explanations.append(Explanation(question, by, at))
        self.status = EvaluationStatus.EXPLANATION_REQUESTED

    def answer(self, text: str, by: str, at: datetime) -> None:
        """The performer's explanation of the open question."""
        self._editable()
        pending = self.pending_question
        if pending is None:
            raise Refused("Không có câu hỏi nào đang chờ giải trình.")
        self.explanations[-1] = replace(pending, answer=text, answered_by=by, answered_at=at)
        self.status = EvaluationStatus.EXPLAINED

    def missing(self, method: Method) -> list[str]:
        """Criteria still without a score."""
        return missing_scores(method, {code: s.score for code, s in self.scores.items()})

    def result(self, method: Method, rules: EvaluationRules) -> RatingResult | None:
        """The rating the scores give now; None while the checklist is incomplete."""
        if self.missing(method):
            return None
        return rate(method, {code: s.score for code, s in self.scores.items()}, rules)

    def finalize(self, method: Method, rules: EvaluationRules, *, at: datetime, year: int,
                 officer_id: str | None) -> RatingResult:
        """Close the evaluation: every criterion scored, both flags given, no question unanswered."""
        self._editable()
        if self.pending_question is not None:
            raise Refused("Người thực hiện chưa giải trình câu hỏi đã gửi; chưa thể hoàn thành đánh giá.")
        missing = self.missing(method)
        if missing:
            raise Invalid(f"Chưa chấm điểm các tiêu chí: {', '.join(missing)}.", "criteria")
        if self.successful is None:
            raise Invalid("Cần ghi rõ vụ việc có thành công hay không.", "successful")
        if self.effective is None:
            raise Invalid("Cần ghi rõ vụ việc có hiệu quả hay không.", "effective")
        result = self.result(method, rules)
        assert result is not None
        self.rating, self.status, self.finalized_at = result.code, EvaluationStatus.FINAL, at
        self.year, self.officer_id = year, officer_id
        return result

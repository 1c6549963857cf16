"""The evaluation register: each case as evaluation learns it from intake and assignment events.

Intake and assignment publish on different streams, so a case's events may arrive in any order
between them; every step here accepts that (an assignment before the opening, a late assignment
after the closure).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from services.evaluation.domain.rules import EvaluationRules

FORM_LABELS = {"proceedings": "tham gia tố tụng", "advice": "tư vấn pháp luật",
               "representation": "đại diện ngoài tố tụng"}
OUTCOME_LABELS = {"completed": "kết thúc có kết quả", "terminated": "chấm dứt", "transferred": "chuyển giao"}


@dataclass(frozen=True)
class CaseRecord:
    """A case of the register, the performer who holds it and how it ended."""

    case_id: str
    register_no: str | None = None
    field: str | None = None
    form: str | None = None
    officer_id: str | None = None
    assigned_at: datetime | None = None
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: str | None = None
    result: str | None = None
    ground: str | None = None
    closed_by: str | None = None
    closing_officer_id: str | None = None

    def opened(self, *, register_no: str, field: str, form: str, at: datetime) -> CaseRecord:
        """Intake accepted the case into the register."""
        return replace(self, register_no=register_no, field=self.field or field, form=self.form or form, opened_at=at)

    def assigned(self, officer_id: str, at: datetime) -> CaseRecord:
        """Assignment chose an officer; an older decision arriving late, or one after the performer
        closed the case, does not replace the performer."""
        if self.closing_officer_id is not None or (self.assigned_at is not None and at < self.assigned_at):
            return self
        return replace(self, officer_id=officer_id, assigned_at=at)

    def closed(self, *, outcome: str, at: datetime, officer_id: str | None, form: str | None, field: str | None,
               result: str | None, ground: str | None, closed_by: str | None) -> CaseRecord:
        """The performer closed the case; the closing officer, when named, is the performer for good."""
        return replace(self, outcome=outcome, closed_at=at, result=result, ground=ground, closed_by=closed_by,
                       form=form or self.form, field=field or self.field,
                       officer_id=officer_id or self.officer_id, closing_officer_id=officer_id)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def not_evaluable_because(self, rules: EvaluationRules) -> str | None:
        """Why this case cannot be evaluated, in Vietnamese; None when it can."""
        if not self.is_closed:
            return "Vụ việc chưa kết thúc nên chưa thể đánh giá chất lượng."
        if self.outcome not in rules.evaluated_outcomes:
            return (f"Vụ việc kết thúc theo hình thức {OUTCOME_LABELS.get(self.outcome or '', self.outcome)}, "
                    "không thuộc diện đánh giá chất lượng.")
        if self.form not in rules.evaluated_forms:
            label = FORM_LABELS.get(self.form or "", self.form or "chưa rõ")
            return f"Hình thức trợ giúp pháp lý {label} không thuộc diện đánh giá chất lượng."
        return None

    def evaluable(self, rules: EvaluationRules) -> bool:
        """Closed with an evaluated outcome, in an evaluated form of aid."""
        return self.not_evaluable_because(rules) is None

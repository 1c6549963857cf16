"""Evaluations and corrective actions as table rows and JSON records: the tables and the API share them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.evaluation.domain.actions import ActionStep, CorrectiveAction
from services.evaluation.domain.evaluation import Evaluation, Explanation, Score
from services.evaluation.domain.register import CaseRecord


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def case_from_row(row: Any) -> CaseRecord:
    """A register row as the domain sees it."""
    m = row._mapping
    return CaseRecord(**{name: m[name] for name in CaseRecord.__dataclass_fields__})


def case_values(case: CaseRecord) -> dict[str, Any]:
    """A case record as column values."""
    return {name: getattr(case, name) for name in CaseRecord.__dataclass_fields__}


def explanation_record(e: Explanation) -> dict[str, Any]:
    return {"question": e.question, "asked_by": e.asked_by, "asked_at": e.asked_at.isoformat(),
            "answer": e.answer, "answered_by": e.answered_by,
            "answered_at": e.answered_at.isoformat() if e.answered_at else None}


def evaluation_values(e: Evaluation) -> dict[str, Any]:
    """An evaluation as column values (scores and explanations as JSON)."""
    return {
        "evaluation_id": e.evaluation_id, "case_id": e.case_id, "method": e.method, "evaluator": e.evaluator,
        "evaluator_officer_id": e.evaluator_officer_id, "opened_at": e.opened_at, "rules_version": e.rules_version,
        "status": e.status, "scores": {code: {"score": s.score, "note": s.note} for code, s in e.scores.items()},
        "successful": e.successful, "effective": e.effective,
        "explanations": [explanation_record(x) for x in e.explanations], "rating": e.rating,
        "finalized_at": e.finalized_at, "year": e.year, "officer_id": e.officer_id,
    }


def evaluation_from_row(row: Any) -> Evaluation:
    m = row._mapping
    return Evaluation(
        evaluation_id=m["evaluation_id"], case_id=m["case_id"], method=m["method"], evaluator=m["evaluator"],
        evaluator_officer_id=m["evaluator_officer_id"], opened_at=m["opened_at"], rules_version=m["rules_version"],
        status=m["status"],
        scores={code: Score(code, int(s["score"]), s.get("note")) for code, s in (m["scores"] or {}).items()},
        successful=m["successful"], effective=m["effective"],
        explanations=[Explanation(x["question"], x["asked_by"], _time(x["asked_at"]), x.get("answer"),
                                  x.get("answered_by"), _time(x.get("answered_at")))
                      for x in (m["explanations"] or [])],
        rating=m["rating"], finalized_at=m["finalized_at"], year=m["year"], officer_id=m["officer_id"])


def step_record(step: ActionStep) -> dict[str, Any]:
    return {"status": step.status, "by": step.by, "at": step.at.isoformat(), "note": step.note}


def action_values(a: CorrectiveAction) -> dict[str, Any]:
    """A corrective action as column values (its history as JSON)."""
    return {
        "action_id": a.action_id, "case_id": a.case_id, "evaluation_id": a.evaluation_id, "criterion": a.criterion,
        "owner_officer_id": a.owner_officer_id, "due_on": a.due_on, "required_evidence": a.required_evidence,
        "raised_by": a.raised_by, "raised_at": a.raised_at, "status": a.status, "evidence": a.evidence,
        "closed_at": a.closed_at, "closed_by": a.closed_by, "late": a.late,
        "history": [step_record(s) for s in a.history],
    }


def action_from_row(row: Any) -> CorrectiveAction:
    m = row._mapping
    return CorrectiveAction(
        action_id=m["action_id"], case_id=m["case_id"], evaluation_id=m["evaluation_id"], criterion=m["criterion"],
        owner_officer_id=m["owner_officer_id"], due_on=m["due_on"], required_evidence=m["required_evidence"],
        raised_by=m["raised_by"], raised_at=m["raised_at"], status=m["status"], evidence=m["evidence"],
        closed_at=m["closed_at"], closed_by=m["closed_by"], late=m["late"],
        history=[ActionStep(s["status"], s["by"], _time(s["at"]), s["note"]) for s in (m["history"] or [])])

"""What the staff UI reads: cases, plans, evaluations with their computed rating, corrective
actions with their counts. Read-only; computed from the stored facts and the rules in force."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.evaluation.adapters import queries
from services.evaluation.adapters.records import explanation_record, step_record
from services.evaluation.domain.actions import STATUS_LABELS as ACTION_STATUS_LABELS
from services.evaluation.domain.actions import CorrectiveAction, count_actions
from services.evaluation.domain.evaluation import STATUS_LABELS, Evaluation
from services.evaluation.domain.plan import REASON_LABELS
from services.evaluation.domain.register import CaseRecord
from services.evaluation.domain.years import evaluation_year_bounds, instant_bounds
from services.evaluation.service_layer.commands import EvaluationError
from services.evaluation.service_layer.unit_of_work import EvaluationUnitOfWork


def rules_view(uow: EvaluationUnitOfWork) -> dict[str, Any]:
    """The rules in force: scale, methods with their checklists, sampling."""
    rules = uow.rules
    return {
        "version": rules.version, "year_start": "%02d-%02d" % rules.year_start,
        "sample_percent": rules.sample_percent, "min_per_officer": rules.min_per_officer,
        "failed_lookback_years": rules.failed_lookback_years,
        "evaluated_forms": sorted(rules.evaluated_forms), "evaluated_outcomes": sorted(rules.evaluated_outcomes),
        "rating_scale": [{"code": r.code, "label_vi": r.label_vi, "min_share": r.min_share}
                         for r in rules.rating_scale],
        "corrective_action_days": rules.corrective_action_days,
        "methods": [{"code": m.code, "label_vi": m.label_vi, "max_total": m.max_total,
                     "criteria": [c.__dict__ for c in m.criteria]} for m in rules.methods.values()],
    }


def _case_record(case: CaseRecord) -> dict[str, Any]:
    return {"case_id": case.case_id, "register_no": case.register_no, "officer_id": case.officer_id,
            "field": case.field, "form": case.form, "outcome": case.outcome, "result": case.result,
            "ground": case.ground, "opened_at": case.opened_at, "closed_at": case.closed_at}


async def cases_view(uow: EvaluationUnitOfWork, *, year: int | None, officer_id: str | None,
                     evaluated: bool | None, limit: int) -> list[dict[str, Any]]:
    """Closed cases of the register (of an evaluation year by closing day), with what evaluation knows of each."""
    start = end = None
    if year is not None:
        start, end = instant_bounds(*evaluation_year_bounds(year, uow.rules.year_start), uow.tz)
    rows = await queries.closed_cases(uow.conn, start=start, end=end, officer_id=officer_id, evaluated=evaluated,
                                      limit=limit)
    return [{**_case_record(case), **extra, "evaluated": extra["evaluation_status"] == "final",
             "evaluable": case.evaluable(uow.rules), "not_evaluable_because": case.not_evaluable_because(uow.rules)}
            for case, extra in rows]


async def plan_view(uow: EvaluationUnitOfWork, year: int) -> dict[str, Any]:
    """A year's plan and each item's progress, or 404."""
    found = await queries.plan(uow.conn, year)
    if found is None:
        raise EvaluationError(f"Chưa có kế hoạch đánh giá năm {year}.", "year", 404)
    for item in found["items"]:
        item["reason_label"] = REASON_LABELS.get(item["reason"], item["reason"])
    return found


def action_record(action: CorrectiveAction, today: date) -> dict[str, Any]:
    """A corrective action as the API shows it, with whether it is overdue today."""
    return {"action_id": action.action_id, "case_id": action.case_id, "evaluation_id": action.evaluation_id,
            "criterion": action.criterion, "owner_officer_id": action.owner_officer_id, "due_on": action.due_on,
            "required_evidence": action.required_evidence, "raised_by": action.raised_by,
            "raised_at": action.raised_at, "status": action.status,
            "status_label": ACTION_STATUS_LABELS[action.status], "evidence": action.evidence,
            "closed_at": action.closed_at, "closed_by": action.closed_by, "late": action.late,
            "overdue": action.is_overdue(today), "history": [step_record(s) for s in action.history]}


async def evaluation_view(uow: EvaluationUnitOfWork, evaluation_id: str, today: date) -> dict[str, Any]:
    """An evaluation: its case, checklist with scores, flags, status, explanations, rating and actions."""
    evaluation: Evaluation | None = await uow.evaluations.get(evaluation_id)
    if evaluation is None:
        raise EvaluationError("Không tìm thấy phiếu đánh giá.", "evaluation_id", 404)
    case = await uow.register.get(evaluation.case_id) or CaseRecord(evaluation.case_id)
    method = uow.rules.methods.get(evaluation.method)
    checklist, result, missing = [], None, []
    if method is not None:
        for c in method.criteria:
            given = evaluation.scores.get(c.code)
            checklist.append({**c.__dict__, "score": given.score if given else None,
                              "note": given.note if given else None,
                              "passed": c.passed(given.score) if given else None})
        result = evaluation.result(method, uow.rules)
        missing = evaluation.missing(method)
    pending = evaluation.pending_question
    latest = evaluation.explanations[-1] if evaluation.explanations else None
    return {
        "evaluation_id": evaluation.evaluation_id, "case": _case_record(case),
        "method": {"code": evaluation.method, "label_vi": method.label_vi if method else None},
        "evaluator": evaluation.evaluator, "evaluator_officer_id": evaluation.evaluator_officer_id,
        "status": evaluation.status, "status_label": STATUS_LABELS[evaluation.status],
        "opened_at": evaluation.opened_at, "finalized_at": evaluation.finalized_at, "year": evaluation.year,
        "rules_version": evaluation.rules_version, "checklist": checklist, "missing": missing,
        "successful": evaluation.successful, "effective": evaluation.effective,
        "explanation": explanation_record(latest) if latest else None,
        "explanation_pending": pending is not None,
        "explanations": [explanation_record(x) for x in evaluation.explanations],
        "rating": None if result is None else {
            "code": evaluation.rating or result.code, "label_vi": uow.rules.label(evaluation.rating or result.code),
            "total": result.total, "max_total": result.max_total, "share": result.share,
            "failed_criteria": list(result.failed), "critical_failed": list(result.critical_failed),
            "lines": list(result.lines), "final": evaluation.is_final},
        "actions": [action_record(a, today) for a in await uow.actions.matching(evaluation_id=evaluation_id)],
    }


async def actions_view(uow: EvaluationUnitOfWork, *, status: str | None, officer_id: str | None,
                       criterion: str | None, as_of: date) -> dict[str, Any]:
    """Corrective actions (optionally by status, owner, criterion) and their counts as of a local day.

    `status=overdue` lists the actions not closed after their due day; the counts cover every
    status of the owner and criterion asked for.
    """
    actions = await uow.actions.matching(officer_id=officer_id, criterion=criterion)
    if status == "overdue":
        shown = [a for a in actions if a.is_overdue(as_of)]
    else:
        shown = [a for a in actions if status is None or a.status == status]
    return {"as_of": as_of, "actions": [action_record(a, as_of) for a in shown],
            "counts": count_actions(actions, as_of)}

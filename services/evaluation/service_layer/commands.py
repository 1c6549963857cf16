"""Staff actions on evaluation, arriving over the HTTP API from the staff UI.

A leader or an evaluator draws the year's plan; an evaluator who is independent of the case opens,
scores and finalises its evaluation, and may ask the performer to explain; finalising publishes
the result and the corrective actions its failed criteria raise. Each refusal is a typed error
with a message for staff in Vietnamese.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from services.evaluation.domain.actions import ActionRequest, CorrectiveAction, raise_actions
from services.evaluation.domain.errors import Invalid, Refused
from services.evaluation.domain.evaluation import Evaluation, Score
from services.evaluation.domain.independence import independence_refusal
from services.evaluation.domain.plan import PlanCandidate, draw_plan
from services.evaluation.domain.register import CaseRecord
from services.evaluation.domain.rules import Method
from services.evaluation.domain.scoring import RatingResult
from services.evaluation.domain.years import evaluation_year_bounds, evaluation_year_of, instant_bounds, local_day
from services.evaluation.service_layer.unit_of_work import EvaluationUnitOfWork
from services.runtime.errors import ActionRefused
from shared import events as ev

PRODUCER = "evaluation"


class Role:
    EVALUATOR = "evaluator"
    LEADER = "leader"
    OFFICER = "officer"
    ADMINISTRATOR = "administrator"
    CLERK = "clerk"


class EvaluationError(ActionRefused):
    """A staff action on evaluation that cannot be done."""


@dataclass(frozen=True)
class Actor:
    """Who acts: the staff user, their own roster entry when they are an officer, and their roles."""

    username: str
    officer_id: str | None = None
    roles: frozenset[str] = frozenset()

    def has(self, *roles: str) -> bool:
        """Whether the actor holds any of these roles."""
        return bool(self.roles & set(roles))


def require(actor: Actor, roles: tuple[str, ...], message: str) -> None:
    """Refuse (403) an actor who holds none of the roles."""
    if not actor.has(*roles):
        raise EvaluationError(message, None, 403)


async def case_of(uow: EvaluationUnitOfWork, case_id: str) -> CaseRecord:
    """A case of the register, or 404."""
    case = await uow.register.get(case_id)
    if case is None:
        raise EvaluationError("Không tìm thấy vụ việc trong sổ đánh giá.", "case_id", 404)
    return case


async def record_complaint(uow: EvaluationUnitOfWork, case_id: str, text: str, actor: Actor, now: datetime) -> str:
    """Record a complaint about a case: it joins the next plan unless it is evaluated already."""
    require(actor, (Role.CLERK, Role.LEADER, Role.EVALUATOR),
            "Chỉ cán bộ tiếp nhận, lãnh đạo hoặc người đánh giá được ghi nhận khiếu nại.")
    await case_of(uow, case_id)
    complaint_id = str(uuid.uuid4())
    await uow.register.add_complaint(complaint_id=complaint_id, case_id=case_id, text=text, by=actor.username,
                                     at=now)
    await uow.commit()
    return complaint_id


async def draw_year_plan(uow: EvaluationUnitOfWork, year: int, sample_percent: float | None, seed: str | None,
                         actor: Actor, now: datetime) -> str:
    """Draw the plan of evaluation year `year` once it has ended; the seed is kept so anyone can redo the draw."""
    require(actor, (Role.LEADER, Role.EVALUATOR), "Chỉ lãnh đạo hoặc người đánh giá được lập kế hoạch đánh giá.")
    rules, tz = uow.rules, uow.tz
    start, end = evaluation_year_bounds(year, rules.year_start)
    if local_day(now, tz) <= end:
        raise EvaluationError(f"Năm đánh giá {year} ({start:%d/%m/%Y}–{end:%d/%m/%Y}) chưa kết thúc; "
                              "chỉ lập kế hoạch khi đã có đủ vụ việc của năm.", "year", 409)
    seed = seed or str(secrets.randbelow(10**9))
    percent = rules.sample_percent if sample_percent is None else sample_percent
    await uow.plans.lock()
    if not await uow.plans.create(year=year, starts_on=start, ends_on=end, seed=seed, sample_percent=percent,
                                  min_per_officer=rules.min_per_officer, rules_version=rules.version,
                                  created_by=actor.username, created_at=now):
        raise EvaluationError(f"Kế hoạch đánh giá năm {year} đã được lập.", "year", 409)
    candidates = [
        PlanCandidate(case.case_id, case.officer_id, local_day(case.closed_at, tz), case.evaluable(rules),
                      complaints, evaluated, planned)
        for case, complaints, evaluated, planned in await uow.register.closed_until(instant_bounds(start, end, tz)[1])
    ]
    failed = await uow.evaluations.officers_rated(rules.failing.code, range(year - rules.failed_lookback_years, year))
    for item in draw_plan(candidates, year=year, start=start, end=end, seed=seed, sample_percent=percent,
                          min_per_officer=rules.min_per_officer, failed_officers=failed):
        await uow.plans.add_item(year, item.case_id, item.officer_id, item.reason)
    await uow.commit()
    return seed


async def declare_conflict(uow: EvaluationUnitOfWork, evaluator_officer_id: str, officer_id: str, reason: str,
                           actor: Actor, now: datetime) -> None:
    """Record that an evaluator may not evaluate the cases of an officer."""
    require(actor, (Role.LEADER, Role.ADMINISTRATOR), "Chỉ lãnh đạo hoặc quản trị được ghi nhận xung đột lợi ích.")
    if evaluator_officer_id == officer_id:
        raise EvaluationError("Người đánh giá và người thực hiện phải là hai người khác nhau.", "officer_id")
    if not await uow.conflicts.declare(evaluator_officer_id=evaluator_officer_id, officer_id=officer_id,
                                       reason=reason, declared_by=actor.username, declared_at=now):
        raise EvaluationError("Xung đột lợi ích này đã được ghi nhận.", "officer_id", 409)
    await uow.commit()


async def _check_independence(uow: EvaluationUnitOfWork, case: CaseRecord, evaluator_officer_id: str | None) -> None:
    conflicts = await uow.conflicts.of_evaluator(evaluator_officer_id) if evaluator_officer_id else frozenset()
    refusal = independence_refusal(evaluator_officer_id, case.officer_id, await uow.register.officers_of(case.case_id),
                                   conflicts)
    if refusal:
        raise EvaluationError(refusal, None, 403)


def _method(uow: EvaluationUnitOfWork, code: str, field: str = "method") -> Method:
    method = uow.rules.methods.get(code)
    if method is None:
        raise EvaluationError(f"Phương pháp đánh giá {code} không có trong quy định đang áp dụng "
                              f"({', '.join(uow.rules.methods)}).", field)
    return method


async def open_evaluation(uow: EvaluationUnitOfWork, case_id: str, method_code: str, actor: Actor,
                          now: datetime) -> str:
    """An independent evaluator opens the evaluation of a closed case; a case is evaluated once."""
    require(actor, (Role.EVALUATOR, Role.LEADER), "Chỉ người đánh giá hoặc lãnh đạo được đánh giá vụ việc.")
    method = _method(uow, method_code)
    case = await case_of(uow, case_id)
    reason = case.not_evaluable_because(uow.rules)
    if reason:
        raise EvaluationError(reason, "case_id", 409)
    await _check_independence(uow, case, actor.officer_id)
    evaluation = Evaluation(evaluation_id=str(uuid.uuid4()), case_id=case_id, method=method.code,
                            evaluator=actor.username, evaluator_officer_id=actor.officer_id, opened_at=now,
                            rules_version=uow.rules.version)
    if not await uow.evaluations.add(evaluation):
        raise EvaluationError("Vụ việc đã được đánh giá; mỗi vụ việc chỉ được đánh giá một lần.", "case_id", 409)
    await uow.commit()
    return evaluation.evaluation_id


async def _evaluation(uow: EvaluationUnitOfWork, evaluation_id: str) -> Evaluation:
    found = await uow.evaluations.get(evaluation_id, for_update=True)
    if found is None:
        raise EvaluationError("Không tìm thấy phiếu đánh giá.", "evaluation_id", 404)
    return found


async def _own_evaluation(uow: EvaluationUnitOfWork, evaluation_id: str, actor: Actor) -> Evaluation:
    evaluation = await _evaluation(uow, evaluation_id)
    if actor.username != evaluation.evaluator:
        raise EvaluationError("Chỉ người đã mở phiếu đánh giá này được thao tác trên phiếu.", None, 403)
    return evaluation


@contextmanager
def domain_rules() -> Iterator[None]:
    """Turn the domain's refusals into staff errors: 422 for bad input, 409 for the wrong state."""
    try:
        yield
    except Invalid as exc:
        raise EvaluationError(exc.message, exc.field, 422) from exc
    except Refused as exc:
        raise EvaluationError(exc.message, exc.field, 409) from exc


async def save_scores(uow: EvaluationUnitOfWork, evaluation_id: str, scores: list[Score], successful: bool | None,
                      effective: bool | None, actor: Actor) -> None:
    """The evaluator saves the checklist's scores and the successful/effective flags."""
    evaluation = await _own_evaluation(uow, evaluation_id, actor)
    method = _method(uow, evaluation.method, "evaluation_id")
    with domain_rules():
        evaluation.save_scores(method, scores, successful, effective)
    await uow.evaluations.save(evaluation)
    await uow.commit()


async def request_explanation(uow: EvaluationUnitOfWork, evaluation_id: str, question: str, actor: Actor,
                              now: datetime) -> None:
    """The evaluator asks the performer to explain; finalising waits for the answer."""
    evaluation = await _own_evaluation(uow, evaluation_id, actor)
    if (await case_of(uow, evaluation.case_id)).officer_id is None:
        raise EvaluationError("Vụ việc chưa rõ người thực hiện nên không thể yêu cầu giải trình.", None, 409)
    with domain_rules():
        evaluation.ask(question, actor.username, now)
    await uow.evaluations.save(evaluation)
    await uow.commit()


async def explain(uow: EvaluationUnitOfWork, evaluation_id: str, answer: str, actor: Actor, now: datetime) -> None:
    """The performer answers the evaluator's question."""
    evaluation = await _evaluation(uow, evaluation_id)
    case = await case_of(uow, evaluation.case_id)
    if actor.officer_id is None or actor.officer_id != case.officer_id:
        raise EvaluationError("Chỉ người thực hiện vụ việc được giải trình.", None, 403)
    with domain_rules():
        evaluation.answer(answer, actor.username, now)
    await uow.evaluations.save(evaluation)
    await uow.commit()


async def finalize(uow: EvaluationUnitOfWork, evaluation_id: str, requests: list[ActionRequest], actor: Actor,
                   now: datetime) -> tuple[RatingResult, list[CorrectiveAction]]:
    """Close the evaluation, publish its result and the corrective actions its failed criteria raise."""
    rules, tz = uow.rules, uow.tz
    evaluation = await _own_evaluation(uow, evaluation_id, actor)
    method = _method(uow, evaluation.method, "evaluation_id")
    case = await case_of(uow, evaluation.case_id)
    await _check_independence(uow, case, evaluation.evaluator_officer_id)  # an assignment may have come since
    names = await uow.officers.names()
    for index, request in enumerate(requests):
        if request.owner_officer_id and request.owner_officer_id not in names:
            raise EvaluationError("Không có người thực hiện này trong danh sách.", f"actions[{index}].owner_officer_id")
    year = await uow.plans.year_of(case.case_id) or evaluation_year_of(local_day(case.closed_at, tz), rules.year_start)
    with domain_rules():
        rating = evaluation.finalize(method, rules, at=now, year=year, officer_id=case.officer_id)
        actions = raise_actions(
            requests, rating=rating, case_id=case.case_id, evaluation_id=evaluation_id, performer_id=case.officer_id,
            today=local_day(now, tz), default_days=rules.corrective_action_days, by=actor.username, at=now,
            new_id=lambda: str(uuid.uuid4()))
    await uow.evaluations.save(evaluation)
    evaluated = ev.CaseEvaluated(
        producer=PRODUCER, occurred_at=now, case_id=case.case_id, officer_id=case.officer_id, method=method.code,
        rating=rating.code, successful=evaluation.successful, effective=evaluation.effective,
        evaluation_id=evaluation_id, year=year, evaluator=actor.username, rules_version=rules.version,
        criteria=[ev.CriterionScore(code=c.code, score=evaluation.scores[c.code].score, max_score=c.max_score,
                                    passed=c.passed(evaluation.scores[c.code].score),
                                    note=evaluation.scores[c.code].note) for c in method.criteria])
    await uow.outbox.add_event(evaluated)
    for action in actions:
        await uow.actions.add(action, correlation_id=evaluated.correlation_id)
        await uow.outbox.add_event(ev.CorrectiveActionRaised(
            producer=PRODUCER, occurred_at=now, correlation_id=evaluated.correlation_id,
            causation_id=evaluated.event_id, action_id=action.action_id, case_id=action.case_id,
            evaluation_id=evaluation_id, criterion=action.criterion, officer_id=action.owner_officer_id,
            due_on=action.due_on, required_evidence=action.required_evidence, raised_by=actor.username))
    await uow.commit()
    return rating, actions

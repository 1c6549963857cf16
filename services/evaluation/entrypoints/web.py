"""Evaluation's HTTP API (docs/evaluation.md): rules, cases, plans, evaluations, corrective actions,
conflicts and officers' reviews, for the staff UI served by intake.

Staff actions carry the acting user (`actor`), whom the staff UI has authenticated; the roles it
holds decide what it may do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, FastAPI, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.evaluation.domain.actions import ActionRequest
from services.evaluation.domain.evaluation import Score
from services.evaluation.domain.years import local_day
from services.evaluation.entrypoints.errors import install_error_handlers
from services.evaluation.service_layer import commands, corrective, reviews, views
from services.evaluation.service_layer.commands import Actor
from services.evaluation.service_layer.unit_of_work import EvaluationUnitOfWork
from services.runtime.unit_of_work import utcnow

#: Roster ids: letters, digits, dot, dash and underscore, as in `TGV-004`.
OFFICER_ID = r"^[A-Za-z0-9._-]{1,32}$"
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=4000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
OfficerId = Annotated[str, StringConstraints(pattern=OFFICER_ID)]
RoleName = Literal["evaluator", "leader", "officer", "administrator", "clerk"]

#: A year in a path: an evaluation or quota year this system can hold.
Year = Annotated[int, Path(ge=2000, le=2100)]


class StrictIn(BaseModel):
    """A request body that refuses fields it does not know, naming them."""

    model_config = ConfigDict(extra="forbid")


class ActorIn(StrictIn):
    username: str = Field(min_length=1, max_length=64)
    officer_id: OfficerId | None = None
    roles: list[RoleName] = Field(default_factory=list)

    def actor(self) -> Actor:
        return Actor(self.username, self.officer_id, frozenset(self.roles))


class ComplaintIn(StrictIn):
    text: Text
    actor: ActorIn


class PlanIn(StrictIn):
    year: int = Field(ge=2000, le=2100)
    sample_percent: float | None = Field(default=None, ge=0, le=100)
    seed: int | Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = None
    actor: ActorIn


class OpenEvaluationIn(StrictIn):
    case_id: str = Field(min_length=1, max_length=36)
    method: str = Field(min_length=1, max_length=32)
    actor: ActorIn


class ScoreIn(StrictIn):
    code: str = Field(min_length=1, max_length=64)
    score: int
    note: Note | None = None


class ScoresIn(StrictIn):
    criteria: list[ScoreIn] = Field(max_length=100)
    successful: bool | None = None
    effective: bool | None = None
    actor: ActorIn


class QuestionIn(StrictIn):
    question: Text
    actor: ActorIn


class AnswerIn(StrictIn):
    answer: Text
    actor: ActorIn


class ActionIn(StrictIn):
    criterion: str = Field(min_length=1, max_length=64)
    due_on: date | None = None
    required_evidence: Text
    owner_officer_id: OfficerId | None = None


class FinalizeIn(StrictIn):
    actions: list[ActionIn] = Field(default_factory=list, max_length=50)
    actor: ActorIn


class NoteIn(StrictIn):
    note: Text
    actor: ActorIn


class EvidenceIn(StrictIn):
    text: Text
    actor: ActorIn


class ConflictIn(StrictIn):
    evaluator_officer_id: OfficerId
    officer_id: OfficerId
    reason: Text
    actor: ActorIn


class ReviewIn(StrictIn):
    actor: ActorIn


def build_web(uow_factory: Callable[[], EvaluationUnitOfWork], clock: Callable[[], datetime] = utcnow) -> FastAPI:
    """The FastAPI app of evaluation; `uow_factory` opens a unit of work (with the rules and the time
    zone), `clock` tells the time (tests move it)."""
    tz = uow_factory().tz
    app = FastAPI(title="tgpl evaluation",
                  description="Đánh giá chất lượng vụ việc trợ giúp pháp lý: kế hoạch, phiếu đánh giá, "
                              "biện pháp khắc phục và kết quả đánh giá người thực hiện.")
    install_error_handlers(app)
    api = APIRouter(prefix="/api", tags=["evaluation"])

    def today() -> date:
        return local_day(clock(), tz)

    async def evaluation(evaluation_id: str) -> dict:
        async with uow_factory() as work:
            return await views.evaluation_view(work, evaluation_id, today())

    async def action(action_id: str) -> dict:
        async with uow_factory() as work:
            found = await work.actions.get(action_id)
        assert found is not None
        return views.action_record(found[0], today())

    @api.get("/rules", summary="The evaluation rules in force: scale, methods with criteria, sampling")
    async def rules() -> dict:
        return views.rules_view(uow_factory())

    @api.get("/cases", summary="Closed cases of the register, with complaints, plan and evaluation")
    async def cases(year: int | None = Query(None, ge=2000, le=2100), officer_id: str | None = None,
                    evaluated: bool | None = None, limit: int = Query(500, ge=1, le=5000)) -> list[dict]:
        async with uow_factory() as work:
            return await views.cases_view(work, year=year, officer_id=officer_id, evaluated=evaluated, limit=limit)

    @api.post("/cases/{case_id}/complaints", status_code=201,
              summary="Record a complaint: the case joins the next plan")
    async def complaint(case_id: str, body: ComplaintIn) -> dict:
        async with uow_factory() as work:
            complaint_id = await commands.record_complaint(work, case_id, body.text, body.actor.actor(), clock())
        return {"complaint_id": complaint_id, "case_id": case_id}

    @api.post("/plans", status_code=201, summary="Draw the plan of an evaluation year (once; the seed is kept)")
    async def draw_plan(body: PlanIn) -> dict:
        seed = None if body.seed is None else str(body.seed)
        async with uow_factory() as work:
            await commands.draw_year_plan(work, body.year, body.sample_percent, seed, body.actor.actor(), clock())
        async with uow_factory() as work:
            return await views.plan_view(work, body.year)

    @api.get("/plans/{year}", summary="A year's plan and the progress of each case in it")
    async def plan(year: Year) -> dict:
        async with uow_factory() as work:
            return await views.plan_view(work, year)

    @api.post("/evaluations", status_code=201, summary="An independent evaluator opens the evaluation of a case")
    async def open_evaluation(body: OpenEvaluationIn) -> dict:
        async with uow_factory() as work:
            evaluation_id = await commands.open_evaluation(work, body.case_id, body.method, body.actor.actor(),
                                                           clock())
        return {"evaluation_id": evaluation_id}

    @api.get("/evaluations/{evaluation_id}", summary="An evaluation with its checklist, rating and actions")
    async def get_evaluation(evaluation_id: str) -> dict:
        return await evaluation(evaluation_id)

    @api.put("/evaluations/{evaluation_id}/scores", summary="The evaluator saves the scores and the flags")
    async def save_scores(evaluation_id: str, body: ScoresIn) -> dict:
        scores = [Score(c.code, c.score, c.note or None) for c in body.criteria]
        async with uow_factory() as work:
            await commands.save_scores(work, evaluation_id, scores, body.successful, body.effective,
                                       body.actor.actor())
        return await evaluation(evaluation_id)

    @api.post("/evaluations/{evaluation_id}/explanation-request", summary="Ask the performer to explain")
    async def ask(evaluation_id: str, body: QuestionIn) -> dict:
        async with uow_factory() as work:
            await commands.request_explanation(work, evaluation_id, body.question, body.actor.actor(), clock())
        return await evaluation(evaluation_id)

    @api.post("/evaluations/{evaluation_id}/explanation", summary="The performer answers the question")
    async def answer(evaluation_id: str, body: AnswerIn) -> dict:
        async with uow_factory() as work:
            await commands.explain(work, evaluation_id, body.answer, body.actor.actor(), clock())
        return await evaluation(evaluation_id)

    @api.post("/evaluations/{evaluation_id}/finalize", summary="Finalise: rating, event, corrective actions")
    async def finalize(evaluation_id: str, body: FinalizeIn) -> dict:
        requests = [ActionRequest(a.criterion, a.required_evidence, a.due_on, a.owner_officer_id)
                    for a in body.actions]
        async with uow_factory() as work:
            await commands.finalize(work, evaluation_id, requests, body.actor.actor(), clock())
        return await evaluation(evaluation_id)

    @api.get("/actions", summary="Corrective actions and their counts (open, overdue, by officer, by criterion)")
    async def actions(status: Literal["open", "submitted", "overdue", "closed"] | None = None,
                      officer_id: str | None = None, criterion: str | None = None,
                      as_of: date | None = None) -> dict:
        async with uow_factory() as work:
            return await views.actions_view(work, status=status, officer_id=officer_id, criterion=criterion,
                                            as_of=as_of or today())

    @api.post("/actions/{action_id}/evidence", summary="The owner reports what was done")
    async def evidence(action_id: str, body: EvidenceIn) -> dict:
        async with uow_factory() as work:
            await corrective.submit_evidence(work, action_id, body.text, body.actor.actor(), clock())
        return await action(action_id)

    @api.post("/actions/{action_id}/close", summary="A leader verifies the correction and closes the action")
    async def close(action_id: str, body: NoteIn) -> dict:
        async with uow_factory() as work:
            await corrective.close_action(work, action_id, body.note, body.actor.actor(), clock())
        return await action(action_id)

    @api.post("/actions/{action_id}/reopen", summary="A leader sends the action back to its owner")
    async def reopen(action_id: str, body: NoteIn) -> dict:
        async with uow_factory() as work:
            await corrective.reopen_action(work, action_id, body.note, body.actor.actor(), clock())
        return await action(action_id)

    @api.post("/conflicts", status_code=201, summary="Declare that an evaluator may not evaluate an officer's cases")
    async def declare_conflict(body: ConflictIn) -> dict:
        async with uow_factory() as work:
            await commands.declare_conflict(work, body.evaluator_officer_id, body.officer_id, body.reason,
                                            body.actor.actor(), clock())
        return {"evaluator_officer_id": body.evaluator_officer_id, "officer_id": body.officer_id}

    @api.get("/conflicts", summary="Declared evaluator–officer conflicts")
    async def conflicts() -> list[dict]:
        async with uow_factory() as work:
            return await work.conflicts.all()

    @api.get("/reviews/{year}", summary="Every officer's review of a quota year, side by side (computed now)")
    async def all_reviews(year: Year) -> dict:
        async with uow_factory() as work:
            found = await reviews.all_reviews(work, year, today())
        return {"year": year, "as_of": today(), "reviews": [reviews.review_record(r) for r in found]}

    @api.get("/reviews/{year}/{officer_id}", summary="One officer's review with its explanation lines")
    async def one_review(year: Year, officer_id: str) -> dict:
        async with uow_factory() as work:
            if officer_id not in await work.officers.names():
                raise commands.EvaluationError("Không có người thực hiện này trong danh sách.", "officer_id", 404)
            review = await reviews.officer_review(work, year, officer_id, today())
            recorded = await work.reviews.recorded(officer_id, year)
        return {**reviews.review_record(review), "as_of": today(), "recorded": recorded}

    @api.post("/reviews/{year}/{officer_id}", status_code=201, summary="A leader records the review (published)")
    async def record_review(year: Year, officer_id: str, body: ReviewIn) -> dict:
        async with uow_factory() as work:
            review_id, review = await reviews.record_review(work, year, officer_id, body.actor.actor(), clock())
        return {**reviews.review_record(review), "review_id": review_id}

    app.include_router(api)
    return app

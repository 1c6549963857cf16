"""Officers' yearly reviews: computed on demand from the register, the evaluations and the
corrective actions; a leader records one, which publishes it."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date, datetime

from services.evaluation.domain.review import FinalRating, OfficerReview, ReviewCase, review_officer
from services.evaluation.domain.years import local_day
from services.evaluation.service_layer.commands import PRODUCER, Actor, EvaluationError, Role, require
from services.evaluation.service_layer.unit_of_work import EvaluationUnitOfWork
from shared import events as ev


async def officer_review(uow: EvaluationUnitOfWork, year: int, officer_id: str, today: date,
                         names: dict[str, str] | None = None) -> OfficerReview:
    """The review of one officer for a quota year, as of a local day."""
    tz = uow.tz
    names = names if names is not None else await uow.officers.names()
    cases = [ReviewCase(c.case_id, c.field, c.form, c.outcome, c.opened_at and local_day(c.opened_at, tz),
                        c.closed_at and local_day(c.closed_at, tz))
             for c in await uow.register.of_officer(officer_id)]
    ratings = [FinalRating(e.rating, local_day(e.finalized_at, tz))
               for e in await uow.evaluations.final_of_officer(officer_id) if e.rating and e.finalized_at]
    return review_officer(officer_id, names.get(officer_id), year, cases, await uow.officers.target(officer_id, year),
                          ratings, await uow.actions.matching(officer_id=officer_id), today, uow.rules, tz)


async def all_reviews(uow: EvaluationUnitOfWork, year: int, today: date) -> list[OfficerReview]:
    """Every officer of the roster side by side, by officer id."""
    names = await uow.officers.names()
    return [await officer_review(uow, year, officer_id, today, names) for officer_id in sorted(names)]


def review_record(review: OfficerReview) -> dict:
    """A review as a JSON-ready dict (the API's and the stored form)."""
    return {**asdict(review), "band_label": review.band_label, "explanation": list(review.explanation)}


async def record_review(uow: EvaluationUnitOfWork, year: int, officer_id: str, actor: Actor,
                        now: datetime) -> tuple[str, OfficerReview]:
    """A leader records an officer's review as computed now; it is published and kept."""
    require(actor, (Role.LEADER,), "Chỉ lãnh đạo Trung tâm được ghi nhận kết quả đánh giá người thực hiện.")
    if actor.officer_id is not None and actor.officer_id == officer_id:
        raise EvaluationError("Không được tự ghi nhận kết quả đánh giá của chính mình.", None, 403)
    if officer_id not in await uow.officers.names():
        raise EvaluationError("Không có người thực hiện này trong danh sách.", "officer_id", 404)
    review = await officer_review(uow, year, officer_id, local_day(now, uow.tz))
    if review.band is None:
        raise EvaluationError(f"Chưa có chỉ tiêu năm {year} của người thực hiện này nên chưa xếp được mức.",
                              "year", 409)
    review_id = str(uuid.uuid4())
    await uow.reviews.add(review_id=review_id, officer_id=officer_id, year=year, band=review.band,
                          body=review_record(review), recorded_by=actor.username, recorded_at=now)
    await uow.outbox.add_event(ev.OfficerReviewed(
        producer=PRODUCER, occurred_at=now, review_id=review_id, officer_id=officer_id, year=year, band=review.band,
        proceedings_cases=review.proceedings_cases, target=review.target,
        cases_by_field_form=review.cases_by_field_form, ratings=review.ratings,
        open_corrective_actions=review.open_actions, explanation=list(review.explanation)))
    await uow.commit()
    return review_id, review

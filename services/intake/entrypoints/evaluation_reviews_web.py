"""Officers' yearly reviews, computed by the evaluation service from all their cases: every officer side
by side for a leader, one review with the lines of its derivation, and a leader recording it (which
publishes it). An officer sees only their own."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.intake.adapters import evaluation_lookups
from services.intake.adapters.accounts import Session
from services.intake.domain.staff import Permission, StaffUser
from services.intake.entrypoints import auth, labels
from services.intake.entrypoints import evaluation_form as forms
from services.intake.entrypoints.evaluation_context import (
    API_ERRORS,
    FormOutcome,
    actor_of,
    api_of,
    message_page,
    rating_labels,
    render,
    status_of,
    today_of,
    together,
)
# The module, not its names: web.py includes the evaluation routers, so either may be imported first.
from services.intake.entrypoints import web as pages

router = APIRouter(include_in_schema=False)


def _review_url(officer_id: str, year: int, **query: str) -> str:
    return f"/evaluation/reviews/{quote(officer_id, safe='')}?{urlencode({'year': year, **query})}"


def _year(request: Request, raw: str) -> tuple[int, str | None]:
    """The quota (calendar) year asked for, this year by default, and a message when it was not a year."""
    current = today_of(request).year
    year = forms.parse_year(raw, current)
    return (current, "Năm không hợp lệ (ví dụ 2026).") if year is None else (year, None)


def _decorate(review: dict, names: dict[str, str], ratings: dict[str, str]) -> dict:
    """What the pages show of a review besides its own fields: name, band and ratings in words."""
    review["officer_label"] = review.get("full_name") or names.get(review["officer_id"]) or review["officer_id"]
    review["band_label"] = labels.BAND_LABELS.get(review["band"], "—") if review.get("band") else "Chưa xếp được"
    review["ratings_list"] = [(ratings.get(code, code), n) for code, n in review["ratings"].items() if n]
    return review


@router.get("/evaluation/reviews", response_class=HTMLResponse)
async def reviews_page(request: Request, year: str = "",
                       session: Session = Depends(auth.require(Permission.VIEW_EVALUATION))) -> Response:
    """Every officer's review of a year side by side (leaders); anyone else goes to their own."""
    user = session.user
    chosen, year_error = _year(request, year)
    if not user.may(Permission.REVIEW_OFFICERS):
        if user.officer_id:
            return RedirectResponse(_review_url(user.officer_id, chosen), status_code=303)
        raise auth.Forbidden()
    context: dict[str, Any] = {"year": chosen, "year_error": year_error, "reviews": [], "unavailable": None}
    try:
        body, rules = await together(api_of(request).reviews(chosen), api_of(request).rules())
    except API_ERRORS as exc:
        context["unavailable"] = exc.message
        return render(request, "evaluation_reviews.html", context)
    names = await evaluation_lookups.officer_names(request.app.state.engine)
    ratings = rating_labels(rules)
    reviews = [_decorate(r, names, ratings) for r in body["reviews"]]
    context.update(reviews=reviews, rating_labels=ratings)  # in the service's order: by officer id
    await request.app.state.accounts.audit(user, "view_officer_reviews", str(chosen))
    return render(request, "evaluation_reviews.html", context)


def _may_see(user: StaffUser, officer_id: str) -> bool:
    return user.may(Permission.REVIEW_OFFICERS) or (bool(user.officer_id) and user.officer_id == officer_id)


@router.get("/evaluation/reviews/{officer_id}", response_class=HTMLResponse)
async def review_page(request: Request, officer_id: str, year: str = "", recorded: str = "",
                      session: Session = Depends(auth.require(Permission.VIEW_EVALUATION))) -> Response:
    """One officer's review with the lines of its derivation (leaders, and the officer themself)."""
    if not _may_see(session.user, officer_id):
        raise auth.Forbidden()
    chosen, year_error = _year(request, year)
    notice = "Đã ghi nhận kết quả công tác năm và gửi đi." if recorded else None
    return await _review_page(request, session, officer_id, chosen, year_error=year_error, notice=notice)


async def _review_page(request: Request, session: Session, officer_id: str, year: int, *,
                       year_error: str | None = None, notice: str | None = None,
                       outcome: FormOutcome | None = None, status_code: int = 200) -> Response:
    context: dict[str, Any] = {"year": year, "year_error": year_error, "officer_id": officer_id, "review": None,
                               "unavailable": None, "notice": notice, "outcome": outcome,
                               "may_record": session.user.may(Permission.REVIEW_OFFICERS),
                               "may_list": session.user.may(Permission.REVIEW_OFFICERS)}
    try:
        review, rules = await together(api_of(request).review(year, officer_id), api_of(request).rules())
    except API_ERRORS as exc:
        context["unavailable"] = exc.message
        return render(request, "evaluation_review.html", context, 503 if outcome else status_code)
    if review is None:
        return message_page(request, "Không tìm thấy", "Không có người thực hiện này trong dữ liệu đánh giá.", 404)
    names = await evaluation_lookups.officer_names(request.app.state.engine)
    ratings = rating_labels(rules)
    review = _decorate(review, names, ratings)
    zone = request.app.state.zone
    review["recorded_list"] = [{**r, "recorded_local": pages.local_time(r["recorded_at"], zone),
                                "band_label": labels.BAND_LABELS.get(r["band"], r["band"])}
                               for r in review.get("recorded") or []]
    context.update(review=review, field_labels=labels.FIELD_LABELS, form_labels=labels.AID_FORM_LABELS,
                   cases_by=sorted((review.get("cases_by_field_form") or {}).items()))
    await request.app.state.accounts.audit(session.user, "view_officer_review", officer_id, year=year)
    return render(request, "evaluation_review.html", context, status_code)


@router.post("/evaluation/reviews/{officer_id}", dependencies=[Depends(auth.csrf_checked)])
async def record_review(request: Request, officer_id: str, year: str = Form(""),
                        session: Session = Depends(auth.require(Permission.REVIEW_OFFICERS))) -> Response:
    """A leader records the review as computed now; the service publishes it."""
    chosen, year_error = _year(request, year)
    if year_error:
        return await _review_page(request, session, officer_id, chosen, status_code=422,
                                  outcome=FormOutcome("record", year_error))
    try:
        recorded = await api_of(request).record_review(chosen, officer_id, actor_of(session.user))
    except API_ERRORS as exc:
        return await _review_page(request, session, officer_id, chosen, status_code=status_of(exc),
                                  outcome=FormOutcome("record", exc.message))
    await request.app.state.accounts.audit(session.user, "record_officer_review", officer_id, year=chosen,
                                           band=recorded["band"], review_id=recorded["review_id"])
    return RedirectResponse(_review_url(officer_id, chosen, recorded="1"), status_code=303)

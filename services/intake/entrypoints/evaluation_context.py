"""What every quality evaluation page shares: the client of the evaluation service, the acting user
as evaluation records them, the Vietnamese words for the service's codes, and the shape of a form
that did not go through."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from services.intake.adapters.evaluation_api import Actor, EvaluationApi, EvaluationRefused, EvaluationUnavailable
from services.intake.domain.staff import StaffUser
from services.intake.entrypoints import labels
# The module, not its names: web.py includes the evaluation routers, so either may be imported first.
from services.intake.entrypoints import web as pages
from services.runtime.unit_of_work import utcnow

API_ERRORS = (EvaluationUnavailable, EvaluationRefused)


@dataclass(frozen=True)
class FormOutcome:
    """A form on an evaluation page that did not go through: which one, why, what was typed, and the
    message of each wrong field. `form` names the form, e.g. "draw", "start:<case_id>", "close:<action_id>"."""

    form: str
    message: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)

    def value(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)


def status_of(exc: EvaluationUnavailable | EvaluationRefused) -> int:
    """The status a page answers a failed form with: the service's for a refusal, 503 when it is down."""
    return exc.status if isinstance(exc, EvaluationRefused) else 503


def api_of(request: Request) -> EvaluationApi:
    """The evaluation client of this app (tests replace it with one on the real evaluation app)."""
    return request.app.state.evaluation


def actor_of(user: StaffUser) -> Actor:
    """The acting staff user as evaluation records them."""
    return Actor(user.username, user.officer_id, tuple(sorted(role.value for role in user.roles)))


def today_of(request: Request) -> date:
    """Today in the center's time zone."""
    return utcnow().astimezone(request.app.state.zone).date()


async def together(*calls: Awaitable[Any]) -> list[Any]:
    """Run API calls at once; the first failure is raised after all have finished."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def render(request: Request, template: str, context: dict, status_code: int = 200) -> Response:
    """A page of the evaluation section."""
    return pages.TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)


def message_page(request: Request, title: str, message: str, status_code: int) -> Response:
    """A page with one message (not found, and the like)."""
    return render(request, "message.html", {"title": title, "message": message}, status_code)


# --- the rules' words -----------------------------------------------------------------------------------


def method_labels(rules: Mapping[str, Any]) -> dict[str, str]:
    """Each evaluation method's Vietnamese name, in the rules' order."""
    return {m["code"]: m.get("label_vi") or labels.EVALUATION_METHOD_LABELS.get(m["code"], m["code"])
            for m in rules.get("methods") or []}


def criterion_labels(rules: Mapping[str, Any]) -> dict[str, str]:
    """Every criterion's Vietnamese label by code, across methods."""
    found: dict[str, str] = {}
    for method in rules.get("methods") or []:
        for criterion in method.get("criteria") or []:
            found.setdefault(criterion["code"], criterion.get("label_vi") or criterion["code"])
    return found


def rating_labels(rules: Mapping[str, Any]) -> dict[str, str]:
    """The rating scale's Vietnamese words by code (the rules' own, else the default scale's)."""
    return {**labels.RATING_LABELS,
            **{r["code"]: r["label_vi"] for r in rules.get("rating_scale") or [] if r.get("label_vi")}}


def officer_label(officer_id: str | None, names: Mapping[str, str]) -> str:
    """An officer as staff read them: name and id, or the id alone when the name is unknown."""
    if not officer_id:
        return "—"
    name = names.get(officer_id)
    return f"{name} ({officer_id})" if name else officer_id

"""Intake's client of the evaluation service's HTTP API (docs/evaluation.md): the plan, evaluations,
corrective actions and officers' reviews, for the staff pages. Intake never reads evaluation's
database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from services.intake.adapters.service_client import ServiceClient, ServiceRefused, ServiceUnavailable, path_segment

#: What staff read when evaluation does not answer; the pages around it still work.
UNAVAILABLE_MESSAGE = ("Dịch vụ đánh giá chất lượng đang không trả lời; "
                       "thông tin đánh giá tạm thời chưa hiển thị và chưa ghi nhận được thao tác.")
#: What staff read when evaluation refused input without saying why in words (should not happen).
REFUSED_MESSAGE = "Dịch vụ đánh giá chất lượng không chấp nhận thông tin đã nhập."


class EvaluationUnavailable(ServiceUnavailable):
    """Evaluation did not answer: down, too slow, or it failed with a server error."""

    MESSAGE = UNAVAILABLE_MESSAGE


class EvaluationRefused(ServiceRefused):
    """Evaluation refused a request (4xx) with its Vietnamese reason (independence, a rule, bad input)."""

    FALLBACK = REFUSED_MESSAGE


@dataclass(frozen=True)
class Actor:
    """The staff user acting, as evaluation records them: name, own roster entry, roles."""

    username: str
    officer_id: str | None
    roles: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"username": self.username, "officer_id": self.officer_id, "roles": list(self.roles)}


@dataclass(frozen=True)
class CriterionScore:
    """One criterion as the evaluator scored it, with the evaluator's note."""

    code: str
    score: int
    note: str | None = None


@dataclass(frozen=True)
class ActionRequest:
    """A corrective action to raise on a failed criterion when the evaluation is finalised."""

    criterion: str
    required_evidence: str
    due_on: date | None = None
    owner_officer_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "required_evidence": self.required_evidence,
                "due_on": self.due_on.isoformat() if self.due_on else None,
                "owner_officer_id": self.owner_officer_id}


class EvaluationApi(ServiceClient):
    """The evaluation endpoints the staff UI uses (see `ServiceClient` for the injected client)."""

    unavailable = EvaluationUnavailable
    refused = EvaluationRefused

    def _refusal(self, status: int, body: Any) -> ServiceRefused:
        # A request that does not validate says "<field>: <message>"; the page puts the message by the field.
        refusal = super()._refusal(status, body)
        prefix = f"{refusal.field}: " if refusal.field else None
        if prefix and refusal.message.startswith(prefix):
            refusal.message = refusal.message.removeprefix(prefix)
        return refusal

    # --- rules and the register -----------------------------------------------------------------------

    async def rules(self) -> dict:
        """The rules in force: rating scale, methods with their criteria, sampling."""
        return await self._call("GET", "/api/rules")

    async def cases(self, *, year: int | None = None, officer_id: str | None = None,
                    evaluated: bool | None = None) -> list[dict]:
        """Closed cases evaluation knows, optionally of one evaluation year, officer, evaluated or not."""
        params: dict[str, Any] = {"year": year, "officer_id": officer_id,
                                  "evaluated": None if evaluated is None else str(evaluated).lower()}
        return await self._call("GET", "/api/cases", params={k: v for k, v in params.items() if v is not None})

    async def record_complaint(self, case_id: str, text: str, actor: Actor) -> dict:
        """A complaint about a case: it joins the next plan."""
        return await self._call("POST", f"/api/cases/{path_segment(case_id)}/complaints",
                                json={"text": text, "actor": actor.as_json()})

    # --- plans ----------------------------------------------------------------------------------------

    async def draw_plan(self, year: int, actor: Actor, *, sample_percent: float | None = None,
                        seed: str | None = None) -> dict:
        """Draw the plan of evaluation year `year` (the seed is recorded; random when None)."""
        body: dict[str, Any] = {"year": year, "actor": actor.as_json()}
        if sample_percent is not None:
            body["sample_percent"] = sample_percent
        if seed is not None:
            body["seed"] = seed
        return await self._call("POST", "/api/plans", json=body)

    async def plan(self, year: int) -> dict | None:
        """The plan of a year with its items, or None when not drawn yet."""
        return await self._call("GET", f"/api/plans/{year}", missing_is_none=True)

    # --- evaluations ----------------------------------------------------------------------------------

    async def open_evaluation(self, case_id: str, method: str, actor: Actor) -> str:
        """Open a draft evaluation of a case by a method; its id."""
        body = await self._call("POST", "/api/evaluations",
                                json={"case_id": case_id, "method": method, "actor": actor.as_json()})
        return body["evaluation_id"]

    async def evaluation(self, evaluation_id: str) -> dict | None:
        """An evaluation with its checklist, flags, status, explanation and rating, or None."""
        return await self._call("GET", f"/api/evaluations/{path_segment(evaluation_id)}", missing_is_none=True)

    async def save_scores(self, evaluation_id: str, criteria: list[CriterionScore], successful: bool | None,
                          effective: bool | None, actor: Actor) -> dict:
        """The evaluator saves the scores and notes (a draft)."""
        return await self._call("PUT", f"/api/evaluations/{path_segment(evaluation_id)}/scores", json={
            "criteria": [{"code": c.code, "score": c.score, "note": c.note} for c in criteria],
            "successful": successful, "effective": effective, "actor": actor.as_json()})

    async def request_explanation(self, evaluation_id: str, question: str, actor: Actor) -> dict:
        """Ask the performer to explain."""
        return await self._call("POST", f"/api/evaluations/{path_segment(evaluation_id)}/explanation-request",
                                json={"question": question, "actor": actor.as_json()})

    async def explain(self, evaluation_id: str, answer: str, actor: Actor) -> dict:
        """The performer answers the question."""
        return await self._call("POST", f"/api/evaluations/{path_segment(evaluation_id)}/explanation",
                                json={"answer": answer, "actor": actor.as_json()})

    async def finalize(self, evaluation_id: str, actions: list[ActionRequest], actor: Actor) -> dict:
        """The evaluator finalises: the rating is derived, the corrective actions raised."""
        return await self._call("POST", f"/api/evaluations/{path_segment(evaluation_id)}/finalize",
                                json={"actions": [a.as_json() for a in actions], "actor": actor.as_json()})

    # --- corrective actions ---------------------------------------------------------------------------

    async def actions(self, *, status: str | None = None, officer_id: str | None = None,
                      criterion: str | None = None) -> dict:
        """Corrective actions, filtered, with counts per officer and per criterion."""
        params = {"status": status, "officer_id": officer_id, "criterion": criterion}
        return await self._call("GET", "/api/actions", params={k: v for k, v in params.items() if v})

    async def submit_evidence(self, action_id: str, text: str, actor: Actor) -> dict:
        """The owner says what was done."""
        return await self._call("POST", f"/api/actions/{path_segment(action_id)}/evidence",
                                json={"text": text, "actor": actor.as_json()})

    async def close_action(self, action_id: str, note: str, actor: Actor) -> dict:
        """A leader verifies and closes an action."""
        return await self._call("POST", f"/api/actions/{path_segment(action_id)}/close",
                                json={"note": note, "actor": actor.as_json()})

    async def reopen_action(self, action_id: str, note: str, actor: Actor) -> dict:
        """A leader sends an action back to its owner."""
        return await self._call("POST", f"/api/actions/{path_segment(action_id)}/reopen",
                                json={"note": note, "actor": actor.as_json()})

    # --- officers' reviews ----------------------------------------------------------------------------

    async def reviews(self, year: int) -> dict:
        """Every officer's review of a year, side by side (`reviews`, by officer id)."""
        return await self._call("GET", f"/api/reviews/{year}")

    async def review(self, year: int, officer_id: str) -> dict | None:
        """One officer's review with its explanation lines, or None for an unknown officer."""
        return await self._call("GET", f"/api/reviews/{year}/{path_segment(officer_id)}", missing_is_none=True)

    async def record_review(self, year: int, officer_id: str, actor: Actor) -> dict:
        """A leader records (publishes) an officer's review."""
        return await self._call("POST", f"/api/reviews/{year}/{path_segment(officer_id)}",
                                json={"actor": actor.as_json()})

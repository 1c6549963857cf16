"""Assignment's HTTP API: the roster, targets, decisions and staff actions, for the staff UI served by intake.

Staff actions carry the acting user (`actor`), whom the staff UI has authenticated.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.ext.asyncio import AsyncEngine

from services.assignment.adapters import queries
from services.assignment.adapters.records import officer_from_record, officer_record
from services.assignment.domain.quota import target_for
from services.assignment.domain.roster import ABSENCE_KINDS, LEADER_ROLES
from services.assignment.service_layer import commands
from services.assignment.service_layer.commands import Actor, AssignmentError
from services.assignment.domain.rules import AssignmentRules
from services.assignment.service_layer.decisions import local
from services.runtime.unit_of_work import utcnow
from shared.vocabulary import CaseField


#: Roster ids: letters, digits, dot, dash and underscore, as in `TGV-004`.
OFFICER_ID = r"^[A-Za-z0-9._-]{1,32}$"


class StrictIn(BaseModel):
    """A request body that refuses fields it does not know, naming them."""

    model_config = ConfigDict(extra="forbid")


class AbsenceIn(StrictIn):
    start: date
    end: date
    kind: Literal[ABSENCE_KINDS] = "leave"  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _ordered(self):
        if self.end < self.start:
            raise ValueError("ngày kết thúc trước ngày bắt đầu")
        return self


class DutyIn(StrictIn):
    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self):
        if self.end <= self.start:
            raise ValueError("ca trực kết thúc trước khi bắt đầu")
        return self


class RelationshipIn(StrictIn):
    full_name: str = Field(min_length=1, max_length=200)
    national_id: str | None = Field(default=None, pattern=r"^\d{12}$")
    relation: str = Field(default="", max_length=100)


class OfficerIn(StrictIn):
    full_name: str = Field(min_length=1, max_length=200)
    kind: Literal["legal_aid_officer", "contract_lawyer"] = "legal_aid_officer"
    branch_code: str = Field(min_length=1, max_length=32)
    leader_role: Literal[LEADER_ROLES] | None = None  # type: ignore[valid-type]
    fields: list[CaseField] = Field(min_length=1)
    appointed_on: date
    active: bool = True
    absences: list[AbsenceIn] = Field(default_factory=list)
    duty: list[DutyIn] = Field(default_factory=list)
    relationships: list[RelationshipIn] = Field(default_factory=list)
    changed_by: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=500)
    expected_version: int | None = Field(default=None, description="The version the editor saw; 0 for a new entry.")


class ActorIn(StrictIn):
    username: str = Field(min_length=1, max_length=64)
    officer_id: str | None = None
    is_leader: bool = False

    def actor(self) -> Actor:
        return Actor(self.username, self.officer_id, self.is_leader)


class OverrideIn(StrictIn):
    officer_id: str
    reason: str
    actor: ActorIn


class ReasonIn(StrictIn):
    reason: str
    actor: ActorIn


class TakeDecisionIn(StrictIn):
    approve: bool
    reason: str
    actor: ActorIn


def build_web(engine: AsyncEngine, uow_factory, rules: AssignmentRules | None = None) -> FastAPI:
    """The FastAPI app of assignment; `uow_factory` opens a unit of work for staff actions.

    `rules` default to those the unit of work carries.
    """
    rules = rules or uow_factory().rules
    app = FastAPI(title="tgpl assignment",
                  description="Phân công vụ việc trợ giúp pháp lý: danh sách người thực hiện, chỉ tiêu, "
                              "quyết định phân công và lý do.")
    api = APIRouter(prefix="/api", tags=["assignment"])

    @app.exception_handler(AssignmentError)
    async def refused(_request: Request, exc: AssignmentError) -> JSONResponse:
        return JSONResponse({"detail": exc.message, "field": exc.field}, status_code=exc.status)

    def this_year() -> int:
        return local(utcnow()).year

    @api.get("/officers", summary="The roster with each officer's cases, weighted load and target this year")
    async def officers() -> list[dict]:
        return await queries.roster_with_loads(engine, rules, this_year())

    @api.get("/officers/{officer_id}", summary="One roster entry, its version and every earlier version")
    async def officer(officer_id: str) -> dict:
        async with uow_factory() as work:
            found = await work.roster.get(officer_id)
        if found is None:
            raise AssignmentError("Không có người thực hiện này trong danh sách.", "officer_id", 404)
        return {**officer_record(found[0]), "version": found[1],
                "versions": await queries.officer_versions(engine, officer_id)}

    @api.put("/officers/{officer_id}", summary="Add or change a roster entry (a new version and an event)")
    async def save_officer(body: OfficerIn, officer_id: str = Path(pattern=OFFICER_ID, max_length=32)) -> dict:
        entry = officer_from_record({**body.model_dump(mode="json"), "officer_id": officer_id})
        async with uow_factory() as work:
            version = await commands.save_officer(work, entry, changed_by=body.changed_by, note=body.note,
                                                  expected_version=body.expected_version, now=utcnow())
        return {"officer_id": officer_id, "version": version, "changed": version is not None}

    @api.get("/officers/{officer_id}/target", summary="The officer's target for a date range, with its derivation")
    async def target(officer_id: str, start: date = Query(...), end: date = Query(...)) -> dict:
        if end < start:
            raise AssignmentError("Ngày kết thúc trước ngày bắt đầu.", "end")
        async with uow_factory() as work:
            found = await work.roster.get(officer_id)
        if found is None:
            raise AssignmentError("Không có người thực hiện này trong danh sách.", "officer_id", 404)
        result = target_for(found[0], start, end, rules)
        return {"officer_id": officer_id, "start": start, "end": end, "target": result.value,
                "rules_version": rules.version, "lines": [{"text": x.text, "value": x.value} for x in result.lines]}

    @api.get("/cases/{case_id}/decision", summary="The assignment decision of a case, with its reasons and history")
    async def decision(case_id: str) -> dict:
        found = await queries.decision_of(engine, case_id)
        if found is None:
            raise AssignmentError("Không tìm thấy quyết định phân công cho vụ việc này.", "case_id", 404)
        for candidate in found["candidates"]:
            candidate["excluded_label"] = commands.RULE_LABELS.get(candidate.get("excluded_by") or "")
        return found

    @api.post("/cases/{case_id}/override", summary="A leader assigns another officer, with a written reason")
    async def override(case_id: str, body: OverrideIn) -> dict:
        async with uow_factory() as work:
            await commands.override(work, case_id, body.officer_id, body.reason, body.actor.actor(), utcnow())
        return {"case_id": case_id, "officer_id": body.officer_id}

    @api.post("/cases/{case_id}/decline", summary="The performer declines the case (conflict of interest)")
    async def decline(case_id: str, body: ReasonIn) -> dict:
        async with uow_factory() as work:
            await commands.decline(work, case_id, body.reason, body.actor.actor(), utcnow())
        return {"case_id": case_id}

    @api.post("/cases/{case_id}/take-requests", status_code=201, summary="An officer asks to take the case")
    async def request_take(case_id: str, body: ReasonIn) -> dict:
        async with uow_factory() as work:
            request_id = await commands.request_take(work, case_id, body.reason, body.actor.actor(), utcnow())
        return {"request_id": request_id}

    @api.get("/take-requests", summary="Officers' requests to take cases")
    async def take_requests(status: Literal["pending", "approved", "rejected"] | None = None) -> list[dict]:
        return await queries.take_requests(engine, status)

    @api.post("/take-requests/{request_id}/decision", summary="A leader approves or rejects a request, with a reason")
    async def decide_take(request_id: str, body: TakeDecisionIn) -> dict:
        async with uow_factory() as work:
            await commands.decide_take_request(work, request_id, body.approve, body.reason, body.actor.actor(),
                                               utcnow())
        return {"request_id": request_id, "approved": body.approve}

    @api.get("/overrides", summary="Leaders' decisions against the rule, counted by leader and by officer")
    async def overrides(since: date | None = None) -> dict:
        return await queries.overrides(engine, since)

    @api.get("/patterns", summary="Signs of assignment by relationship: agency concentration, overrides in favour")
    async def patterns() -> list[dict]:
        return await queries.patterns(engine)

    @api.get("/rules", summary="The assignment rules in force (quota bands, exemptions, case weights)")
    async def rules_in_force() -> dict:
        return {"version": rules.version, "rule": rules.rule_name,
                "quota_years": {y: {"source": q.source, "bands": [b.__dict__ for b in q.bands],
                                    "leader_reduction": q.leader_reduction} for y, q in rules.quota_years.items()},
                "absence_exemption": rules.absence_exemption, "case_weights": rules.case_weights,
                "default_weight": rules.default_weight, "group_balance": rules.group_balance}

    app.include_router(api)
    return app

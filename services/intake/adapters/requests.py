"""Requests registered by staff: intake's queries on the `requests` table."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.adapters import tables as t
from services.intake.domain.requests import AidRequest, RequestStatus
from services.intake.domain.rules import RefusalGround
from shared.vocabulary import AidForm, ProceduralStatus, RequestChannel

_DECISION_COLUMNS = ("status", "documents", "eligibility", "acceptance_due", "refusal_ground", "decision_reason",
                     "decided_by", "decided_at", "case_id")


class RequestStale(Exception):
    """Another decision on the same request committed first."""


def _entity(row) -> AidRequest:
    values = dict(row._mapping)
    values["channel"] = RequestChannel(values["channel"])
    values["status"] = RequestStatus(values["status"])
    values["form"] = AidForm(values["form"])
    if values["procedural_status"] is not None:
        values["procedural_status"] = ProceduralStatus(values["procedural_status"])
    if values["refusal_ground"] is not None:
        values["refusal_ground"] = RefusalGround(values["refusal_ground"])
    values["eligibility"] = values["eligibility"] or {}
    values["opposing_parties"] = values["opposing_parties"] or []
    return AidRequest(**values)


def _row(request: AidRequest, columns=None) -> dict:
    values = {c.name: getattr(request, c.name) for c in t.requests.columns}
    for key in ("channel", "status", "procedural_status", "refusal_ground", "form"):
        if values[key] is not None:
            values[key] = str(values[key])
    return values if columns is None else {k: values[k] for k in columns}


class RequestRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, request: AidRequest) -> None:
        """Store a newly registered request."""
        await self._conn.execute(sa.insert(t.requests).values(**_row(request)))

    async def get(self, request_id: str, *, for_update: bool = False) -> AidRequest | None:
        """One request; `for_update` holds its row until the unit of work ends (PostgreSQL)."""
        query = sa.select(t.requests).where(t.requests.c.request_id == request_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).one_or_none()
        return _entity(row) if row is not None else None

    async def record_decision(self, request: AidRequest, previous_status: RequestStatus) -> None:
        """Save a decision, only if nobody changed the request's status since it was read."""
        result = await self._conn.execute(
            sa.update(t.requests)
            .where(t.requests.c.request_id == request.request_id, t.requests.c.status == previous_status.value)
            .values(**_row(request, _DECISION_COLUMNS)))
        if result.rowcount != 1:
            raise RequestStale(request.request_id)

    async def by_status(self, status: RequestStatus | None = None, limit: int = 200) -> list[AidRequest]:
        """Requests, newest first, optionally of one status."""
        query = sa.select(t.requests).order_by(t.requests.c.received_at.desc()).limit(limit)
        if status is not None:
            query = query.where(t.requests.c.status == status.value)
        return [_entity(row) for row in (await self._conn.execute(query)).all()]

    async def register_numbers(self, case_ids: list[str]) -> dict[str, str]:
        """The case-register numbers of accepted requests' cases."""
        if not case_ids:
            return {}
        rows = (await self._conn.execute(
            sa.select(t.cases.c.case_id, t.cases.c.register_no).where(t.cases.c.case_id.in_(case_ids)))).all()
        return {r.case_id: r.register_no for r in rows}

    async def place_names(self, commune_code: str | None) -> dict[str, str | None]:
        """The commune's and its branch's names, for the page and the written refusal."""
        if commune_code is None:
            return {"commune_name": None, "branch_name": None}
        row = (await self._conn.execute(
            sa.select(t.communes.c.name.label("commune_name"), t.branches.c.name.label("branch_name"))
            .select_from(t.communes.outerjoin(t.branches, t.branches.c.code == t.communes.c.branch_code))
            .where(t.communes.c.code == commune_code))).one_or_none()
        return dict(row._mapping) if row else {"commune_name": None, "branch_name": None}

    async def overdue_undecided(self, now: datetime) -> list[AidRequest]:
        """Requests still waiting for a decision after their acceptance deadline."""
        r = t.requests
        rows = (await self._conn.execute(sa.select(r).where(
            r.c.status.in_([RequestStatus.REGISTERED.value, RequestStatus.PAPERS_MISSING.value]),
            r.c.acceptance_due.is_not(None), r.c.acceptance_due < now))).all()
        return [_entity(row) for row in rows]

"""Intake's client of the assignment service's HTTP API: the roster, targets, decisions and the
staff actions on them, for the staff pages. Intake never reads assignment's database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

import httpx

#: What staff read when assignment does not answer; the pages around it still work.
UNAVAILABLE_MESSAGE = "Dịch vụ phân công đang không trả lời; thông tin phân công tạm thời chưa hiển thị."
#: What staff read when assignment refused input without saying why in words (should not happen).
REFUSED_MESSAGE = "Dịch vụ phân công không chấp nhận thông tin đã nhập."

DEFAULT_TIMEOUT_S = 5.0


class AssignmentUnavailable(Exception):
    """Assignment did not answer: down, too slow, or it failed with a server error."""

    def __init__(self, cause: str = "") -> None:
        super().__init__(cause or UNAVAILABLE_MESSAGE)
        self.message = UNAVAILABLE_MESSAGE


class AssignmentRefused(Exception):
    """Assignment refused a request (4xx): its Vietnamese message, the field at fault, and for
    schema validation the raw error list (`loc`, `type`, `msg`) for the page to word per field."""

    def __init__(self, status: int, message: str, field: str | None = None,
                 problems: list[dict] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field, self.problems = status, message, field, problems or []


@dataclass(frozen=True)
class Actor:
    """The staff user acting, as assignment records them: name, own roster entry, leader or not."""

    username: str
    officer_id: str | None = None
    is_leader: bool = False


class AssignmentApi:
    """The assignment endpoints the staff UI uses.

    With an injected `client` (tests: an `httpx.ASGITransport` on the real app) every call goes
    through it and the caller closes it; otherwise each call opens a short-lived client.
    """

    def __init__(self, base_url: str, *, client: httpx.AsyncClient | None = None,
                 timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = client
        self._timeout = timeout

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[httpx.AsyncClient]:
        if self._client is not None:
            yield self._client
            return
        async with httpx.AsyncClient(base_url=self.base_url, timeout=self._timeout) as client:
            yield client

    async def _call(self, method: str, path: str, *, json: Any = None, params: dict | None = None,
                    missing_is_none: bool = False) -> Any:
        """One request; its JSON body, None for a 404 when asked, or a typed error."""
        try:
            async with self._connection() as client:
                response = await client.request(method, f"{self.base_url}{path}", json=json, params=params,
                                                timeout=self._timeout)
        except httpx.HTTPError as exc:
            raise AssignmentUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code == 404 and missing_is_none:
            return None
        if response.status_code >= 500:
            raise AssignmentUnavailable(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise AssignmentUnavailable(f"HTTP {response.status_code}: not JSON") from exc
        if response.status_code >= 400:
            raise _refusal(response.status_code, body)
        return body

    # --- the roster ---------------------------------------------------------------------------------

    async def officers(self) -> list[dict]:
        """The roster with each officer's cases, load, target and ratio this year."""
        return await self._call("GET", "/api/officers")

    async def officer(self, officer_id: str) -> dict | None:
        """One roster entry with its version and every earlier version, or None."""
        return await self._call("GET", f"/api/officers/{_segment(officer_id)}", missing_is_none=True)

    async def save_officer(self, officer_id: str, body: dict) -> dict:
        """Add or change a roster entry (body as assignment's OfficerIn); the new version or `changed` False."""
        return await self._call("PUT", f"/api/officers/{_segment(officer_id)}", json=body)

    async def target(self, officer_id: str, start: date, end: date) -> dict:
        """An officer's target for a date range with the lines of its derivation."""
        return await self._call("GET", f"/api/officers/{_segment(officer_id)}/target",
                                params={"start": start.isoformat(), "end": end.isoformat()})

    # --- decisions and staff actions ----------------------------------------------------------------

    async def decision(self, case_id: str) -> dict | None:
        """A case's current decision, candidates, history, exclusions and take requests, or None."""
        return await self._call("GET", f"/api/cases/{_segment(case_id)}/decision", missing_is_none=True)

    async def override(self, case_id: str, officer_id: str, reason: str, actor: Actor) -> dict:
        """A leader gives the case to another officer than the rule chose."""
        return await self._call("POST", f"/api/cases/{_segment(case_id)}/override",
                                json={"officer_id": officer_id, "reason": reason, "actor": asdict(actor)})

    async def decline(self, case_id: str, reason: str, actor: Actor) -> dict:
        """The performer declines the case (conflict of interest)."""
        return await self._call("POST", f"/api/cases/{_segment(case_id)}/decline",
                                json={"reason": reason, "actor": asdict(actor)})

    async def request_take(self, case_id: str, reason: str, actor: Actor) -> str:
        """An officer asks to take a case; the id of the request."""
        body = await self._call("POST", f"/api/cases/{_segment(case_id)}/take-requests",
                                json={"reason": reason, "actor": asdict(actor)})
        return body["request_id"]

    async def take_requests(self, status: str | None = None) -> list[dict]:
        """Officers' requests to take cases, newest first, optionally of one status."""
        return await self._call("GET", "/api/take-requests", params={"status": status} if status else None)

    async def decide_take_request(self, request_id: str, approve: bool, reason: str, actor: Actor) -> dict:
        """A leader approves or rejects an officer's request."""
        return await self._call("POST", f"/api/take-requests/{_segment(request_id)}/decision",
                                json={"approve": approve, "reason": reason, "actor": asdict(actor)})

    # --- oversight ----------------------------------------------------------------------------------

    async def overrides(self, since: date | None = None) -> dict:
        """Leaders' decisions against the rule, counted by leader and by officer."""
        return await self._call("GET", "/api/overrides", params={"since": since.isoformat()} if since else None)

    async def patterns(self) -> list[dict]:
        """Signs of assignment by relationship, per officer."""
        return await self._call("GET", "/api/patterns")

    async def rules(self) -> dict:
        """The assignment rules in force."""
        return await self._call("GET", "/api/rules")


def _segment(value: str) -> str:
    """An id as one path segment ("/", "?" and the like escaped)."""
    return quote(value, safe="")


def _refusal(status: int, body: Any) -> AssignmentRefused:
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, str):
        return AssignmentRefused(status, detail, body.get("field"))
    if isinstance(detail, list):
        return AssignmentRefused(status, REFUSED_MESSAGE, None, [p for p in detail if isinstance(p, dict)])
    return AssignmentRefused(status, REFUSED_MESSAGE)

"""Intake's client of the assignment service's HTTP API: the roster, targets, decisions and the
staff actions on them, for the staff pages. Intake never reads assignment's database."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from services.intake.adapters.service_client import (
    DEFAULT_TIMEOUT_S,
    ServiceClient,
    ServiceRefused,
    ServiceUnavailable,
    path_segment,
)

#: What staff read when assignment does not answer; the pages around it still work.
UNAVAILABLE_MESSAGE = "Dịch vụ phân công đang không trả lời; thông tin phân công tạm thời chưa hiển thị."
#: What staff read when assignment refused input without saying why in words (should not happen).
REFUSED_MESSAGE = "Dịch vụ phân công không chấp nhận thông tin đã nhập."

__all__ = ["DEFAULT_TIMEOUT_S", "REFUSED_MESSAGE", "UNAVAILABLE_MESSAGE", "Actor", "AssignmentApi",
           "AssignmentRefused", "AssignmentUnavailable"]


class AssignmentUnavailable(ServiceUnavailable):
    """Assignment did not answer: down, too slow, or it failed with a server error."""

    MESSAGE = UNAVAILABLE_MESSAGE


class AssignmentRefused(ServiceRefused):
    """Assignment refused a request (4xx): its Vietnamese message, the field at fault, and for
    schema validation the raw error list (`loc`, `type`, `msg`) for the page to word per field."""

    FALLBACK = REFUSED_MESSAGE


@dataclass(frozen=True)
class Actor:
    """The staff user acting, as assignment records them: name, own roster entry, leader or not."""

    username: str
    officer_id: str | None = None
    is_leader: bool = False


class AssignmentApi(ServiceClient):
    """The assignment endpoints the staff UI uses (see `ServiceClient` for the injected client)."""

    unavailable = AssignmentUnavailable
    refused = AssignmentRefused

    # --- the roster ---------------------------------------------------------------------------------

    async def officers(self) -> list[dict]:
        """The roster with each officer's cases, load, target and ratio this year."""
        return await self._call("GET", "/api/officers")

    async def officer(self, officer_id: str) -> dict | None:
        """One roster entry with its version and every earlier version, or None."""
        return await self._call("GET", f"/api/officers/{path_segment(officer_id)}", missing_is_none=True)

    async def save_officer(self, officer_id: str, body: dict) -> dict:
        """Add or change a roster entry (body as assignment's OfficerIn); the new version or `changed` False."""
        return await self._call("PUT", f"/api/officers/{path_segment(officer_id)}", json=body)

    async def target(self, officer_id: str, start: date, end: date) -> dict:
        """An officer's target for a date range with the lines of its derivation."""
        return await self._call("GET", f"/api/officers/{path_segment(officer_id)}/target",
                                params={"start": start.isoformat(), "end": end.isoformat()})

    # --- decisions and staff actions ----------------------------------------------------------------

    async def decision(self, case_id: str) -> dict | None:
        """A case's current decision, candidates, history, exclusions and take requests, or None."""
        return await self._call("GET", f"/api/cases/{path_segment(case_id)}/decision", missing_is_none=True)

    async def override(self, case_id: str, officer_id: str, reason: str, actor: Actor) -> dict:
        """A leader gives the case to another officer than the rule chose."""
        return await self._call("POST", f"/api/cases/{path_segment(case_id)}/override",
                                json={"officer_id": officer_id, "reason": reason, "actor": asdict(actor)})

    async def decline(self, case_id: str, reason: str, actor: Actor) -> dict:
        """The performer declines the case (conflict of interest)."""
        return await self._call("POST", f"/api/cases/{path_segment(case_id)}/decline",
                                json={"reason": reason, "actor": asdict(actor)})

    async def request_take(self, case_id: str, reason: str, actor: Actor) -> str:
        """An officer asks to take a case; the id of the request."""
        body = await self._call("POST", f"/api/cases/{path_segment(case_id)}/take-requests",
                                json={"reason": reason, "actor": asdict(actor)})
        return body["request_id"]

    async def take_requests(self, status: str | None = None) -> list[dict]:
        """Officers' requests to take cases, newest first, optionally of one status."""
        return await self._call("GET", "/api/take-requests", params={"status": status} if status else None)

    async def decide_take_request(self, request_id: str, approve: bool, reason: str, actor: Actor) -> dict:
        """A leader approves or rejects an officer's request."""
        return await self._call("POST", f"/api/take-requests/{path_segment(request_id)}/decision",
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


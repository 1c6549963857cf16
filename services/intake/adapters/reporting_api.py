"""Intake's client of the reporting service's HTTP API (docs/reporting.md): the figures, the issued
reports and the dashboards' figures, for the staff report pages. Intake never reads reporting's
database; reporting computes every figure from events."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.intake.adapters.service_client import ServiceClient, ServiceRefused, ServiceUnavailable, path_segment

#: What staff read when reporting does not answer; the rest of the UI still works.
UNAVAILABLE_MESSAGE = ("Dịch vụ báo cáo thống kê đang không trả lời; "
                       "số liệu tạm thời chưa hiển thị được. Hãy thử lại sau ít phút.")
#: What staff read when reporting refused a request without saying why in words (should not happen).
REFUSED_MESSAGE = "Dịch vụ báo cáo thống kê không chấp nhận yêu cầu này."


class ReportingUnavailable(ServiceUnavailable):
    """Reporting did not answer: down, too slow, or it failed with a server error."""

    MESSAGE = UNAVAILABLE_MESSAGE


class ReportingRefused(ServiceRefused):
    """Reporting refused a request (4xx), e.g. a period that ends before it starts."""

    FALLBACK = REFUSED_MESSAGE


def _period(start: date, end: date, **more: Any) -> dict[str, Any]:
    return {"start": start.isoformat(), "end": end.isoformat(),
            **{k: v for k, v in more.items() if v is not None}}


class ReportingApi(ServiceClient):
    """The reporting endpoints the staff UI uses (see `ServiceClient` for the injected client)."""

    unavailable = ReportingUnavailable
    refused = ReportingRefused

    async def figures(self, start: date, end: date) -> dict:
        """The report's figures for any period (both days inclusive): totals, by agency, locality, field..."""
        return await self._call("GET", "/api/figures", params=_period(start, end))

    async def reports(self, *, kind: str | None = None, limit: int = 50) -> list[dict]:
        """Issued reports, newest period first: report_id, kind, period, revision, generated_at."""
        params: dict[str, Any] = {"limit": limit}
        if kind:
            params["kind"] = kind
        body = await self._call("GET", "/api/reports", params=params)
        # The list itself, or wrapped in an object, as the API may grow paging.
        return body.get("reports", []) if isinstance(body, dict) else body

    async def report(self, report_id: str) -> dict | None:
        """One issued report as it was published, or None."""
        return await self._call("GET", f"/api/reports/{path_segment(report_id)}", missing_is_none=True)

    async def statistics(self, start: date, end: date) -> dict:
        """The Biểu 24/BTP/TGPL table: persons helped by field and form, by sex and beneficiary group."""
        return await self._call("GET", "/api/statistics", params=_period(start, end))

    async def council(self, start: date, end: date, months: int = 12) -> dict:
        """Per agency notices, lateness, missed people, refusals, rejections; monthly trends."""
        return await self._call("GET", "/api/council", params=_period(start, end, months=months))

    async def coverage(self, as_of: date | None = None) -> dict:
        """Communes and branches without civil-law cases in the 12 months to `as_of`; under-served groups."""
        return await self._call("GET", "/api/coverage", params={"as_of": as_of.isoformat()} if as_of else None)

    async def workload(self, as_of: date | None = None) -> dict:
        """Load against quota-adjusted target per officer, leaders vs others, decisions and override rate."""
        return await self._call("GET", "/api/workload", params={"as_of": as_of.isoformat()} if as_of else None)

    async def quality(self, start: date, end: date) -> dict:
        """Evaluation ratings overall and per officer; corrective actions."""
        return await self._call("GET", "/api/quality", params=_period(start, end))

    async def missed(self, start: date, end: date, limit: int = 50) -> dict:
        """Missed beneficiaries by reason and agency, and the latest ones."""
        return await self._call("GET", "/api/missed", params=_period(start, end, limit=limit))

    async def corrective_actions(self, as_of: date | None = None, start: date | None = None,
                                 end: date | None = None) -> dict:
        """Corrective actions open and overdue as of a day, by officer and criterion."""
        params = {"as_of": as_of, "start": start, "end": end}
        return await self._call("GET", "/api/corrective-actions",
                                params={k: v.isoformat() for k, v in params.items() if v is not None})

"""Intake's client of reporting: the requests it sends and how failures become typed errors with the
Vietnamese message, against a fake reporting (httpx.MockTransport), never a patched function."""

from datetime import date

import httpx
import pytest

from services.intake.adapters.reporting_api import (
    UNAVAILABLE_MESSAGE,
    ReportingApi,
    ReportingRefused,
    ReportingUnavailable,
)


def api_answering(handler) -> tuple[ReportingApi, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(record), base_url="http://reporting")
    return ReportingApi("http://reporting", client=client), seen


async def test_periods_are_sent_as_local_days_and_blank_filters_are_left_out():
    api, seen = api_answering(lambda r: httpx.Response(200, json={"ok": True}))
    await api.council(date(2026, 10, 1), date(2026, 10, 31))
    await api.missed(date(2026, 10, 1), date(2026, 10, 31), limit=20)
    await api.workload()
    await api.coverage(date(2026, 11, 26))
    await api.corrective_actions(as_of=date(2026, 11, 26))
    assert [(r.url.path, str(r.url.query, "ascii")) for r in seen] == [
        ("/api/council", "start=2026-10-01&end=2026-10-31&months=12"),
        ("/api/missed", "start=2026-10-01&end=2026-10-31&limit=20"),
        ("/api/workload", ""), ("/api/coverage", "as_of=2026-11-26"),
        ("/api/corrective-actions", "as_of=2026-11-26")]


async def test_the_reports_list_is_read_bare_or_wrapped_and_an_unknown_report_is_none():
    reports = [{"report_id": "r1", "kind": "monthly"}]
    api, _ = api_answering(lambda r: httpx.Response(404, json={"detail": "Không có báo cáo."})
                           if r.url.path.startswith("/api/reports/") else httpx.Response(200, json=reports))
    assert await api.reports(kind="monthly") == reports
    assert await api.report("tgpl/x") is None
    wrapped, _ = api_answering(lambda r: httpx.Response(200, json={"reports": reports}))
    assert await wrapped.reports() == reports


async def test_reporting_down_or_failing_is_unavailable_with_the_vietnamese_message():
    def refuse_connection(request):
        raise httpx.ConnectError("connection refused", request=request)

    for handler in (refuse_connection, lambda r: httpx.Response(500, text="boom")):
        api, _ = api_answering(handler)
        for call in (api.figures(date(2026, 10, 1), date(2026, 10, 31)), api.workload()):
            with pytest.raises(ReportingUnavailable) as failed:
                await call
            assert failed.value.message == UNAVAILABLE_MESSAGE


async def test_a_refused_period_keeps_reportings_reason():
    api, _ = api_answering(lambda r: httpx.Response(422, json={"detail": "Ngày kết thúc phải sau ngày bắt đầu."}))
    for call in (api.quality(date(2026, 10, 31), date(2026, 10, 1)),
                 api.statistics(date(2026, 10, 31), date(2026, 10, 1))):
        with pytest.raises(ReportingRefused) as refused:
            await call
        assert (refused.value.status, refused.value.message) == (422, "Ngày kết thúc phải sau ngày bắt đầu.")

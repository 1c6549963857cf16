"""HTTP latency metrics: one series per route template, method and status class, whatever the paths asked."""

import uuid

import httpx
from fastapi import APIRouter, FastAPI
from prometheus_client.parser import text_string_to_metric_families
from starlette.responses import PlainTextResponse

from services.runtime.metrics import HttpMetrics, ServiceMetrics


def request_counts(metrics: ServiceMetrics) -> dict[tuple[str, str, str], float]:
    """(method, route, status) -> requests seen, from the exposition text."""
    found = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            if sample.name == "tgpl_http_request_duration_seconds_count":
                found[sample.labels["method"], sample.labels["route"], sample.labels["status"]] = sample.value
    return found


def app_with(metrics: ServiceMetrics) -> FastAPI:
    app = FastAPI()
    api = APIRouter(prefix="/api")

    @api.get("/cases/{case_id}")
    async def case(case_id: str) -> dict:
        if case_id == "boom":
            raise RuntimeError("a bug")
        return {"case_id": case_id}

    async def static(_scope, _receive, send) -> None:
        await PlainTextResponse("css")(_scope, _receive, send)

    app.include_router(api)
    app.mount("/static", static)
    app.add_middleware(HttpMetrics, metrics=metrics)
    return app


async def test_requests_are_labelled_by_route_template_method_and_status_class():
    metrics = ServiceMetrics("test")
    app = app_with(metrics)
    ids = [uuid.uuid4().hex for _ in range(5)]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                 base_url="http://service") as client:
        for case_id in ids:
            assert (await client.get(f"/api/cases/{case_id}")).status_code == 200
        assert (await client.post(f"/api/cases/{ids[0]}")).status_code == 405
        assert (await client.get("/api/cases/boom")).status_code == 500
        for _ in range(3):  # a scanner's paths
            assert (await client.get(f"/wp-admin/{uuid.uuid4().hex}")).status_code == 404
        assert (await client.request("BREW", "/api/cases/x")).status_code == 405
        assert (await client.get("/static/site.css")).status_code == 200
        assert (await client.get("/docs")).status_code == 200

    counts = request_counts(metrics)
    assert counts == {
        ("GET", "/api/cases/{case_id}", "2xx"): 5,
        ("POST", "/api/cases/{case_id}", "4xx"): 1,
        ("GET", "/api/cases/{case_id}", "5xx"): 1,
        ("GET", "unmatched", "4xx"): 3,
        ("other", "/api/cases/{case_id}", "4xx"): 1,
        ("GET", "/static/{path}", "2xx"): 1,
        ("GET", "/docs", "2xx"): 1,
    }
    exposed = metrics.render().decode()
    assert not any(case_id in exposed for case_id in ids) and "wp-admin" not in exposed


def test_two_services_in_one_process_keep_separate_metrics():
    first, second = ServiceMetrics("first", ["first-v1"]), ServiceMetrics("second", ["second-v1"])
    first.processed("first-v1", 3)
    second.processed("second-v1", 1)
    assert 'tgpl_messages_processed_total{consumer="first-v1"} 3.0' in first.render().decode()
    assert "second-v1" not in first.render().decode() and "first-v1" not in second.render().decode()

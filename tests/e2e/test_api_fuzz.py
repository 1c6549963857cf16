"""Every service's HTTP API fuzzed with schemathesis against its own OpenAPI document, on the whole
system running as real processes (real NATS, real databases, the demo data): no request, however
malformed, may get a 5xx answer."""

import asyncio
import re

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.e2e.conftest import wait_until_up

pytestmark = pytest.mark.e2e

#: Examples per operation: enough to cross every parameter with junk, small enough for CI.
EXAMPLES = 25


def _staff_cookies(base: str, password: str) -> dict[str, str]:
    """A leader's session, so intake's staff API is fuzzed past the login."""
    with httpx.Client(base_url=base, follow_redirects=False) as client:
        page = client.get("/login")
        token = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
        form = {"username": "lanhdao", "password": password, **({"login_csrf": token[1]} if token else {})}
        assert client.post("/login", data=form).status_code == 303  # logged in: the generated password works
        return dict(client.cookies)


def _fuzz(base: str, cookies: dict[str, str] | None = None) -> list[str]:
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case) -> None:
            response = case.call(base_url=base, cookies=cookies, timeout=30)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                                f"{response.text[:300]} (query={case.query}, body={str(case.body)[:200]})")

        run()
    return failures


def test_no_api_answers_a_server_error(system, credentials):
    _, ports, _ = system
    asyncio.run(wait_until_up(ports))
    failures: list[str] = []
    for service in ("assignment", "evaluation", "reporting"):
        failures += _fuzz(f"http://127.0.0.1:{ports[service]}")
    ui = f"http://127.0.0.1:{ports['ui']}"
    failures += _fuzz(ui, _staff_cookies(ui, credentials.password("lanhdao")))
    assert failures == [], "\n".join(failures[:20])

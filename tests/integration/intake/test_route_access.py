"""Who may open what, route by route: every route of the intake app (taken from the app itself) against a
table of the roles allowed on it, for each role and for a visitor who is not logged in; CSRF on forms;
sessions that outlive their configured lifetime. On a real nats-server and a real database."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa

from deploy.local.nats_server import free_port
from services.intake.adapters import tables as t
from services.intake.adapters.assignment_api import AssignmentApi
from services.intake.adapters.evaluation_api import EvaluationApi
from services.intake.adapters.reporting_api import ReportingApi
from services.runtime.unit_of_work import utcnow
from shared import subjects
from tests import harness
from tests.integration.intake.conftest import IntakeStack

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery"
ANONYMOUS = "anonymous"
ROLES = ("clerk", "officer", "leader", "evaluator", "administrator")
PUBLIC = frozenset({ANONYMOUS, *ROLES})

# Who holds each permission (the spec of services/intake/domain/staff.py GRANTS, written out by hand
# so that a change of the grants has to change this table too).
ANY_STAFF = frozenset(ROLES)
VIEW_PERSON = frozenset({"clerk", "officer", "leader", "evaluator"})
VIEW_EVERY_PERSON = frozenset({"clerk", "leader", "evaluator"})
REGISTER_OR_DECIDE = frozenset({"clerk", "leader"})
MAP_REFERENCE = frozenset({"clerk", "leader", "administrator"})
OPERATIONS = frozenset({"leader", "administrator"})
OVERSEE_ASSIGNMENT = frozenset({"leader", "administrator"})
ROSTER = frozenset({"clerk", "leader", "administrator"})
ADMINISTRATOR = frozenset({"administrator"})
LEADER = frozenset({"leader"})
PERFORM = frozenset({"officer", "leader"})
EVALUATE = frozenset({"evaluator", "leader"})
VIEW_EVALUATION = frozenset({"evaluator", "leader", "officer", "administrator"})
REPORTS = frozenset({"clerk", "leader", "evaluator", "administrator"})
# Leaders see every review; an officer is sent on to their own (and may open it); nobody else.
OWN_REVIEW = frozenset({"leader", "officer"})

#: (method, path) -> the roles allowed. Every route the app serves must be here, and nothing else.
ROUTES: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,  # for a Prometheus scraper: counts by consumer and route template, no person data
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("GET", "/"): PUBLIC,  # a redirect to the inbox, which asks for the login
    ("POST", "/logout"): ANY_STAFF,
    ("GET", "/inbox"): VIEW_PERSON,
    ("GET", "/cases"): VIEW_PERSON,
    ("GET", "/cases/{case_id}"): VIEW_PERSON,
    ("POST", "/cases/{case_id}/performer-change"): REGISTER_OR_DECIDE,
    ("GET", "/missed"): VIEW_EVERY_PERSON,
    ("POST", "/missed/{missed_id}/follow-up"): REGISTER_OR_DECIDE,
    ("GET", "/duplicates"): VIEW_EVERY_PERSON,
    ("POST", "/duplicates/{review_id}"): REGISTER_OR_DECIDE,
    ("GET", "/notices/flagged"): MAP_REFERENCE,
    ("POST", "/reference/communes"): MAP_REFERENCE,
    ("POST", "/reference/agencies"): MAP_REFERENCE,
    ("GET", "/notices/rejected"): VIEW_EVERY_PERSON,
    ("GET", "/dead-letters"): OPERATIONS,
    ("GET", "/api/cases"): VIEW_PERSON,
    ("GET", "/api/notices/rejected"): VIEW_EVERY_PERSON,
    ("GET", "/api/dead-letters"): OPERATIONS,
    ("GET", "/audit"): LEADER,
    ("GET", "/requests/new"): REGISTER_OR_DECIDE,
    ("POST", "/requests"): REGISTER_OR_DECIDE,
    ("GET", "/requests"): VIEW_PERSON,
    ("GET", "/requests/{request_id}"): VIEW_PERSON,
    ("POST", "/requests/{request_id}/accept"): REGISTER_OR_DECIDE,
    ("POST", "/requests/{request_id}/papers-missing"): REGISTER_OR_DECIDE,
    ("POST", "/requests/{request_id}/refuse"): REGISTER_OR_DECIDE,
    ("GET", "/requests/{request_id}/refusal"): VIEW_PERSON,
    ("POST", "/cases/{case_id}/assignment/override"): LEADER,
    ("POST", "/cases/{case_id}/assignment/decline"): PERFORM,
    ("POST", "/cases/{case_id}/assignment/take-request"): PERFORM,
    ("POST", "/cases/{case_id}/assignment/take-requests/{request_id}"): LEADER,
    ("GET", "/assignment/oversight"): OVERSEE_ASSIGNMENT,
    ("POST", "/cases/{case_id}/progress"): PERFORM,
    ("POST", "/cases/{case_id}/close"): PERFORM,
    ("GET", "/roster"): ROSTER,
    ("GET", "/roster/new"): ADMINISTRATOR,
    ("GET", "/roster/{officer_id}"): ROSTER,
    ("POST", "/roster/new"): ADMINISTRATOR,
    ("POST", "/roster/{officer_id}"): ADMINISTRATOR,
    ("GET", "/evaluation"): EVALUATE,
    ("POST", "/evaluation/plans"): EVALUATE,
    ("POST", "/evaluation/complaints"): EVALUATE,
    ("POST", "/evaluation/evaluations"): EVALUATE,
    # Which evaluation an officer may open is checked on the evaluation itself (test_evaluation_ui).
    ("GET", "/evaluation/{evaluation_id}"): VIEW_EVALUATION,
    ("POST", "/evaluation/{evaluation_id}/scores"): EVALUATE,
    ("POST", "/evaluation/{evaluation_id}/explanation-request"): EVALUATE,
    ("POST", "/evaluation/{evaluation_id}/explanation"): VIEW_EVALUATION,
    ("GET", "/evaluation/actions"): VIEW_EVALUATION,
    ("POST", "/evaluation/actions/{action_id}/evidence"): VIEW_EVALUATION,
    ("POST", "/evaluation/actions/{action_id}/close"): LEADER,
    ("POST", "/evaluation/actions/{action_id}/reopen"): LEADER,
    ("GET", "/evaluation/reviews"): OWN_REVIEW,
    ("GET", "/evaluation/reviews/{officer_id}"): OWN_REVIEW,  # the officer's own id is filled in
    ("POST", "/evaluation/reviews/{officer_id}"): LEADER,
    ("GET", "/reports"): REPORTS,
    ("GET", "/reports/statistics"): REPORTS,
    ("GET", "/reports/council"): REPORTS,
    ("GET", "/reports/coverage"): REPORTS,
    ("GET", "/reports/workload"): REPORTS | {"officer"},  # an officer with a roster entry: their own row
    ("GET", "/reports/quality"): REPORTS,
    ("GET", "/reports/missed"): REPORTS,
}


def served_routes(app) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, included routers expanded (HEAD goes with GET)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before 0.137.2 keeps included routes flat in app.routes
        routes = list(app.routes)
    else:
        routes = list(iter_route_contexts(app.routes))
    return {(method, route.path) for route in routes for method in (route.methods or ()) if method != "HEAD"}


@dataclass
class Visitors:
    stack: IntakeStack
    clients: dict[str, httpx.AsyncClient]
    csrf: dict[str, str]
    officer_id: str
    case_id: str


def csrf_of(page: httpx.Response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


async def open_case(stack: IntakeStack, jetstream) -> str:
    """A referral notice opens a case; its id."""
    notice = harness.make_notice()
    await harness.publish(jetstream, subjects.INBOUND_REFERRAL, notice, harness.msg_id_of(notice))

    async def opened() -> str | None:
        cases = (await stack.client.get("/api/cases", params={"size": 500})).json()["cases"]
        return next((c["case_id"] for c in cases if c["notice_id"] == notice["notice_id"]), None)

    return await harness.eventually(opened)


@pytest.fixture
async def visitors(intake_stack, jetstream) -> Visitors:
    """A logged-in client per role (officer and leader with a roster id), an anonymous one, and one case.
    The other services are unreachable: their pages answer 503, which is past the role check."""
    stack = intake_stack
    for name, api in (("assignment", AssignmentApi), ("evaluation", EvaluationApi), ("reporting", ReportingApi)):
        setattr(stack.app.state, name, api(f"http://127.0.0.1:{free_port()}", timeout=2.0))
    officer_id = f"TGV-{uuid.uuid4().hex[:6]}"
    clients, tokens = {ANONYMOUS: harness.http_client(stack.app)}, {}
    for role in ROLES:
        username = f"{role}-{uuid.uuid4().hex[:6]}"
        own_id = officer_id if role == "officer" else "TGV-001" if role == "leader" else None
        await stack.accounts.save_user(username, f"Cán bộ {role}", [role], password=PASSWORD, officer_id=own_id)
        client = harness.http_client(stack.app)
        assert (await harness.log_in(client, username, PASSWORD)).status_code == 303
        clients[role] = client
        tokens[role] = csrf_of(await client.get("/cases"))  # a page, or the 403 page: both carry the token
    yield Visitors(stack, clients, tokens, officer_id, await open_case(stack, jetstream))
    for client in clients.values():
        await client.aclose()


def _url(path: str, visitors: Visitors, method: str) -> str:
    values = {"officer_id": visitors.officer_id}
    if (method, path) == ("GET", "/cases/{case_id}"):
        values["case_id"] = visitors.case_id  # a real case: allowed means the page itself
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m[1], f"no-such-{m[1]}"), path)


def _login_redirect(response: httpx.Response) -> bool:
    return response.status_code == 303 and response.headers["location"].startswith("/login?next=")


async def test_every_route_is_in_the_table(visitors, db_backend):
    served = served_routes(visitors.stack.app)
    assert served - set(ROUTES) == set(), "routes without an access rule in ROUTES"
    assert set(ROUTES) - served == set(), "ROUTES lists routes the app no longer serves"


async def test_each_role_is_allowed_or_refused_route_by_route(visitors, db_backend):
    # Logging out ends the client's session: last.
    routes = sorted(ROUTES.items(), key=lambda item: item[0] == ("POST", "/logout"))
    checked = 0
    for (method, path), allowed in routes:
        url = _url(path, visitors, method)
        for who, client in visitors.clients.items():
            if allowed is PUBLIC and who != ANONYMOUS:
                continue
            data = {"csrf_token": visitors.csrf[who]} if method == "POST" and who != ANONYMOUS else {}
            response = await client.request(method, url, data=data if method == "POST" else None)
            where = f"{who}: {method} {url} -> {response.status_code}"
            if allowed is PUBLIC:
                assert response.status_code != 401 and not _login_redirect(response), where
            elif who == ANONYMOUS:
                if path.startswith("/api/"):
                    assert response.status_code == 401 and response.json()["detail"] == "Cần đăng nhập.", where
                else:
                    assert _login_redirect(response), where
            elif who in allowed:
                # Past the role check: the page, a redirect after the action, a form's or a lookup's own
                # answer (422, 404, 409), or 503 from a service this test keeps unreachable.
                assert response.status_code in (200, 303, 404, 409, 422, 503), where
                assert not _login_redirect(response), where
            else:
                assert response.status_code == 403, where
                if not path.startswith("/api/"):
                    assert "Không có quyền" in response.text, where
            checked += 1
    assert checked > 300


async def test_a_form_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing(visitors, db_backend):
    clerk, token = visitors.clients["clerk"], visitors.csrf["clerk"]
    engine = visitors.stack.host.engine
    code = f"CA-{uuid.uuid4().hex[:6]}"
    form = {"code": code, "kind": "police", "name": "Công an xã Thử Nghiệm"}

    async def agency_known() -> bool:
        async with engine.connect() as conn:
            return (await conn.execute(sa.select(sa.func.count()).select_from(t.agencies)
                                       .where(t.agencies.c.code == code))).scalar_one() == 1

    for forged in ({}, {"csrf_token": ""}, {"csrf_token": "forged"}, {"csrf_token": visitors.csrf["leader"]}):
        refused = await clerk.post("/reference/agencies", data={**form, **forged})
        assert refused.status_code == 403 and "Biểu mẫu không hợp lệ" in refused.text, forged
        assert not await agency_known()
    done = await clerk.post("/reference/agencies", data={**form, "csrf_token": token})
    assert done.status_code == 303 and await agency_known()


async def _session_row(engine, client: httpx.AsyncClient):
    key = hashlib.sha256(client.cookies["tgpl_session"].encode()).hexdigest()  # only the hash is stored
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(t.staff_sessions).where(t.staff_sessions.c.token_hash == key))
                ).mappings().one_or_none()


async def _age(engine, client: httpx.AsyncClient, **values) -> None:
    row = await _session_row(engine, client)
    async with engine.begin() as conn:
        await conn.execute(sa.update(t.staff_sessions).where(t.staff_sessions.c.token_hash == row["token_hash"])
                           .values(**values))


async def test_a_session_past_its_lifetime_is_refused(visitors, db_backend):
    """The stack runs with the default lifetimes (TGPL_INTAKE_SESSION_IDLE_MINUTES=30, _MAX_HOURS=12);
    the session's stored times are moved back instead of waiting."""
    stack, engine = visitors.stack, visitors.stack.host.engine
    clerk = await harness.staff_client(stack.app, stack.accounts, roles=("clerk",))
    now = utcnow()

    # Used 29 minutes ago: still alive, and using it slides the idle expiry forward.
    await _age(engine, clerk, last_seen_at=now - timedelta(minutes=29), expires_at=now + timedelta(minutes=1))
    assert (await clerk.get("/api/cases")).status_code == 200
    assert (await _session_row(engine, clerk))["expires_at"] > now + timedelta(minutes=29)

    # Idle for longer than 30 minutes: refused, and the session is gone.
    await _age(engine, clerk, last_seen_at=now - timedelta(minutes=31), expires_at=now - timedelta(minutes=1))
    assert (await clerk.get("/api/cases")).status_code == 401
    assert _login_redirect(await clerk.get("/cases"))
    assert await _session_row(engine, clerk) is None

    # In use all along: alive until 12 hours after logging in, never slid past that, then refused.
    leader = await harness.staff_client(stack.app, stack.accounts, roles=("leader",))
    await _age(engine, leader, created_at=now - timedelta(hours=11, minutes=59), expires_at=now + timedelta(minutes=20))
    assert (await leader.get("/api/cases")).status_code == 200
    assert (await _session_row(engine, leader))["expires_at"] <= now + timedelta(minutes=1)
    await _age(engine, leader, created_at=now - timedelta(hours=12, minutes=1), expires_at=now + timedelta(minutes=20))
    assert (await leader.get("/api/cases")).status_code == 401
    assert await _session_row(engine, leader) is None

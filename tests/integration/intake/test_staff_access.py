"""Logging in, roles, CSRF, session expiry and the audit log, on a real database."""

import asyncio
from datetime import timedelta

import pytest

from services.intake.adapters.accounts import Accounts
from services.intake.config import IntakeSettings
from services.intake.entrypoints.web import build_web
from services.runtime.database import create_engine
from services.runtime.migrate import upgrade_to_head
from tests import harness

pytestmark = pytest.mark.integration
MIGRATIONS = harness.DEMO_DATA.parents[2] / "services" / "intake" / "migrations"


@pytest.fixture
async def web(database_url, tmp_path):
    engine = create_engine(await database_url("intake"))
    await upgrade_to_head(engine, MIGRATIONS)
    settings = IntakeSettings(data_dir=tmp_path, session_idle_minutes=30)
    accounts = Accounts(engine, idle_timeout=timedelta(minutes=30), max_age=timedelta(hours=12))
    await accounts.save_user("clerk", "Lê Thị Thu", ["clerk"], password="mat-khau-dung")
    await accounts.save_user("admin", "Quản trị", ["administrator"], password="mat-khau-dung")
    await accounts.save_user("gone", "Đã nghỉ", ["clerk"], password="mat-khau-dung", active=False)
    yield build_web(engine, settings), accounts
    await engine.dispose()


async def test_pages_need_a_login_and_come_back_after_it(web, db_backend):
    app, _ = web
    async with harness.http_client(app) as client:
        response = await client.get("/cases?status=open")
        assert response.status_code == 303 and response.headers["location"] == "/login?next=/cases%3Fstatus%3Dopen"
        assert (await client.get("/api/cases")).status_code == 401
        login = await harness.log_in(client, "clerk", "mat-khau-dung")
        assert login.status_code == 303
        page = await client.get("/cases")
        assert page.status_code == 200 and "Lê Thị Thu" in page.text and "Đăng xuất" in page.text


@pytest.mark.parametrize("username, password", [("clerk", "sai"), ("nobody", "mat-khau-dung"),
                                                ("gone", "mat-khau-dung")])
async def test_wrong_or_inactive_credentials_are_refused_in_vietnamese(web, db_backend, username, password):
    app, _ = web
    async with harness.http_client(app) as client:
        response = await harness.log_in(client, username, password)
        assert response.status_code == 401
        assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.text
        assert f'value="{username}"' in response.text  # what the user typed is kept
        assert (await client.get("/api/cases")).status_code == 401


async def test_login_form_without_its_csrf_token_is_refused(web, db_backend):
    app, _ = web
    async with harness.http_client(app) as client:
        response = await client.post("/login", data={"username": "clerk", "password": "mat-khau-dung",
                                                     "login_csrf": "forged"})
        assert response.status_code == 403 and "tgpl_session" not in response.cookies


async def test_each_route_checks_the_role(web, db_backend):
    app, _ = web
    async with harness.http_client(app) as client:
        await harness.log_in(client, "admin", "mat-khau-dung")
        assert (await client.get("/cases")).status_code == 403  # an administrator reads no person data
        assert (await client.get("/api/cases")).status_code == 403
    async with harness.http_client(app) as client:
        await harness.log_in(client, "clerk", "mat-khau-dung")
        forbidden = await client.get("/dead-letters")
        assert forbidden.status_code == 403 and "Không có quyền" in forbidden.text


async def test_logout_needs_the_session_csrf_token_and_ends_the_session(web, db_backend):
    app, _ = web
    async with harness.http_client(app) as client:
        await harness.log_in(client, "clerk", "mat-khau-dung")
        assert (await client.post("/logout", data={"csrf_token": "forged"})).status_code == 403
        assert (await client.get("/api/cases")).status_code == 200
        page = (await client.get("/cases")).text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        assert (await client.post("/logout", data={"csrf_token": token})).status_code == 303
        client.cookies.clear()
        assert (await client.get("/api/cases")).status_code == 401


async def test_an_idle_session_expires(database_url, tmp_path, db_backend):
    engine = create_engine(await database_url("intake"))
    await upgrade_to_head(engine, MIGRATIONS)
    accounts = Accounts(engine, idle_timeout=timedelta(seconds=1), max_age=timedelta(hours=1))
    await accounts.save_user("clerk", "Lê Thị Thu", ["clerk"], password="mat-khau-dung")
    session = await accounts.log_in("clerk", "mat-khau-dung")
    assert (await accounts.session(session.token)).user.username == "clerk"
    await asyncio.sleep(1.2)
    assert await accounts.session(session.token) is None
    await engine.dispose()


async def test_reading_person_data_is_audited(web, db_backend):
    app, accounts = web
    async with harness.http_client(app) as client:
        await harness.log_in(client, "clerk", "mat-khau-dung")
        await client.get("/cases")
        await client.get("/notices/rejected")
    actions = [(e["username"], e["action"]) for e in await accounts.audit_entries()]
    assert actions[:3] == [("clerk", "list_rejected_notices"), ("clerk", "list_cases"), ("clerk", "log_in")]


async def test_guessing_a_password_is_slowed_down_per_account(web, db_backend):
    app, _ = web
    async with harness.http_client(app) as client:
        for _ in range(5):
            assert (await harness.log_in(client, "clerk", "doan-sai")).status_code == 401
        locked = await harness.log_in(client, "Clerk", "mat-khau-dung")  # the right password waits too
        assert locked.status_code == 429 and "Đăng nhập sai quá nhiều lần" in locked.text and "15 phút" in locked.text
        assert "tgpl_session" not in locked.cookies
        assert (await harness.log_in(client, "admin", "mat-khau-dung")).status_code == 303  # others go on

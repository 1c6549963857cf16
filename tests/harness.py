"""Building blocks the tests share: stream resets, PostgreSQL databases, running services,
reading what was published."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import nats
from nats.js.errors import NotFoundError
from sqlalchemy.engine import make_url

from shared.subjects import STREAMS

DEMO_DATA = Path(__file__).resolve().parents[1] / "deploy" / "demo" / "data"


async def reset_streams(js) -> None:
    """Delete and declare again tgpl's streams, so a test starts from nothing (messages, consumers
    and the duplicate window: a purge would keep the window and drop a test's fixed msg ids)."""
    from nats.js.errors import ServerError

    from services.runtime.streams import ensure_streams

    for spec in STREAMS:
        try:
            await js.delete_stream(spec.name)
        except NotFoundError:
            pass
    for attempt in range(50):
        try:
            await ensure_streams(js)
            return
        except ServerError:
            # 'error creating store for stream': the server is still removing the old files.
            await asyncio.sleep(0.1 * (attempt + 1))
    await ensure_streams(js)


def _admin_dsn(base_url: str) -> str:
    url = make_url(base_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def pg_url_with_database(base_url: str, name: str) -> str:
    """The base URL pointing at another database, with the asyncpg driver."""
    return make_url(base_url).set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)


async def create_pg_database(base_url: str, name: str) -> None:
    conn = await asyncpg.connect(_admin_dsn(base_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_pg_database(base_url: str, name: str) -> None:
    conn = await asyncpg.connect(_admin_dsn(base_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 15.0, interval: float = 0.1) -> Any:
    """Poll `check` until it returns a truthy value (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")


async def stream_messages(js, stream: str, subject: str | None = None) -> list[tuple[str, dict, dict]]:
    """Every message stored in a stream (optionally one subject): (subject, headers, JSON body)."""
    info = await js.stream_info(stream)
    found: list[tuple[str, dict, dict]] = []
    if not info.state.messages:
        return found
    for seq in range(max(info.state.first_seq, 1), info.state.last_seq + 1):
        try:
            msg = await js.get_msg(stream, seq)
        except NotFoundError:
            continue
        if subject is None or msg.subject == subject:
            found.append((msg.subject, dict(msg.headers or {}), json.loads(msg.data)))
    return found


async def events_of(js, stream: str, event_type: str) -> list[dict]:
    """The bodies of the events of one type in a stream."""
    return [body for _, _, body in await stream_messages(js, stream) if body.get("type") == event_type]


@asynccontextmanager
async def migrated_engine(url: str, migrations: Path):
    """An engine on a service's database brought to its newest migration, disposed of afterwards."""
    from services.runtime.database import create_engine
    from services.runtime.migrate import upgrade_to_head

    engine = create_engine(url)
    try:
        await upgrade_to_head(engine, migrations)
        yield engine
    finally:
        await engine.dispose()


@asynccontextmanager
async def running(host):
    """Run a service host in this event loop for the duration of the block."""
    await host.start()
    try:
        yield host
    finally:
        await host.stop()


def http_client(app) -> httpx.AsyncClient:
    """An HTTP client talking to a service's ASGI app in-process."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service")


async def publish(nats_url_or_js, subject: str, body: bytes | dict, msg_id: str | None = None):
    """Publish through JetStream, as an agency system or another service would."""
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    headers = {"Nats-Msg-Id": msg_id} if msg_id else None
    return await nats_url_or_js.publish(subject, data, headers=headers)


async def request_report(nats_url: str, start: str, end: str, timeout: float = 10.0,
                         connect: dict | None = None) -> dict:
    """Ask for an ad hoc report the way a province system does (`connect`: its identity, when the server asks)."""
    nc = await nats.connect(nats_url, **(connect or {}))
    try:
        from shared.subjects import REPORTS_REQUEST

        reply = await nc.request(REPORTS_REQUEST, json.dumps({"period_start": start, "period_end": end}).encode(),
                                 timeout=timeout)
        return json.loads(reply.data)
    finally:
        await nc.close()


def make_notice(**overrides: Any) -> dict:
    """A valid referral notice (EXTERNAL.md §1) with a random notice_id; overrides by dotted path."""
    import uuid
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone(timedelta(hours=7))).replace(microsecond=0)
    notice = {
        "schema_version": 1,
        "notice_id": f"T-{uuid.uuid4().hex[:12]}",
        "revision": 1,
        "agency": {"kind": "police", "code": "CA-GL", "name": "Công an tỉnh Gia Lai"},
        "sent_at": now.isoformat(),
        "request_received_at": (now - timedelta(hours=2)).isoformat(),
        # A random CCCD: two notices from this factory are two different people unless a test says otherwise.
        "person": {"full_name": "Nguyễn Văn An", "birth_date": "2009-04-12", "gender": "male",
                   "national_id": f"0522{uuid.uuid4().int % 10**8:08d}", "commune_code": "21583", "ethnicity": "Kinh"},
        "procedural_status": "arrested",
        "wants_legal_aid": True,
        "claimed_groups": ["accused_aged_16_18"],
        "case": {"agency_case_ref": "45/2026/HS", "field": "criminal", "summary": "Trộm cắp tài sản",
                 "trial_date": None},
    }
    for path, value in overrides.items():
        target = notice
        *parents, leaf = path.split("__")
        for part in parents:
            target = target[part]
        if value is _DELETE:
            target.pop(leaf, None)
        else:
            target[leaf] = value
    return notice


_DELETE = object()
DELETE = _DELETE


def msg_id_of(notice: dict) -> str:
    """The Nats-Msg-Id a sender sets for a notice."""
    return f"{notice['agency']['code']}:{notice['notice_id']}:{notice.get('revision', 1)}"


async def log_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    """Log a client in through the login form, as a browser does (login CSRF cookie included)."""
    import re

    form = await client.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text).group(1)
    return await client.post("/login", data={"username": username, "password": password, "login_csrf": token,
                                             "next": "/cases"})


async def staff_client(app, accounts, roles=("clerk", "leader", "administrator")) -> httpx.AsyncClient:
    """An HTTP client logged in as a fresh staff user with the given roles."""
    import uuid

    username = f"test-{uuid.uuid4().hex[:8]}"
    await accounts.save_user(username, "Cán bộ thử nghiệm", list(roles), password="correct horse battery")
    client = http_client(app)
    response = await log_in(client, username, "correct horse battery")
    assert response.status_code == 303, response.text
    return client


def reference_dir_without_staff(tmp: Path) -> Path:
    """The demo reference data minus its staff accounts (each argon2 hash costs time in every test)."""
    import shutil

    target = tmp / "reference"
    target.mkdir(exist_ok=True)
    for name in ("center.json", "agencies.json", "officers.json"):
        shutil.copy(DEMO_DATA / name, target / name)
    return target

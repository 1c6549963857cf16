"""The assignment parts of the staff UI: intake's pages over the REAL assignment service (its own
database, its consumers on the test's nats-server, its HTTP app reached through httpx.ASGITransport)."""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser

import httpx
import pytest

from deploy.local.nats_server import free_port
from services.assignment.bootstrap import build as build_assignment
from services.assignment.config import AssignmentSettings
from services.assignment.entrypoints.web import build_web as build_assignment_web
from services.intake.adapters.assignment_api import UNAVAILABLE_MESSAGE, AssignmentApi
from shared import subjects
from tests import harness
from tests.integration.intake.conftest import IntakeStack

pytestmark = pytest.mark.integration

LEADER_OFFICER = "TGV-001"  # the director, head office: a leader with cases of their own
PASSWORD = "correct horse battery"


@dataclass
class System:
    stack: IntakeStack
    assignment: httpx.AsyncClient  # assignment's own API, to check what it recorded


@pytest.fixture
async def system(intake_stack, nats_url, database_url, tmp_path) -> System:
    data_dir = tmp_path / "assignment"
    data_dir.mkdir()
    settings = AssignmentSettings(nats_url=nats_url, database_url=await database_url("assignment"),
                                  data_dir=data_dir, reference_dir=harness.DEMO_DATA, retry_delays_s=[0.2])
    host = build_assignment(settings)
    async with harness.running(host):
        async with harness.http_client(host.asgi(build_assignment_web(host.engine, host.uow))) as client:
            intake_stack.app.state.assignment = AssignmentApi(str(client.base_url), client=client)
            yield System(intake_stack, client)


# --- helpers -------------------------------------------------------------------------------------------


async def client_as(stack: IntakeStack, *roles: str, officer_id: str | None = None) -> httpx.AsyncClient:
    """A client logged in as a new staff user with these roles and, for officers, their roster entry."""
    username = f"u-{uuid.uuid4().hex[:8]}"
    await stack.accounts.save_user(username, f"Cán bộ {officer_id or ''}".strip(), list(roles), password=PASSWORD,
                                   officer_id=officer_id)
    client = harness.http_client(stack.app)
    assert (await harness.log_in(client, username, PASSWORD)).status_code == 303
    return client


async def open_case(system: System, jetstream) -> tuple[str, dict]:
    """A referral notice opens a case in intake; assignment decides it. The case id and the decision."""
    notice = harness.make_notice()
    await harness.publish(jetstream, subjects.INBOUND_REFERRAL, notice, harness.msg_id_of(notice))

    async def case_id() -> str | None:
        cases = (await system.stack.client.get("/api/cases", params={"size": 500})).json()
        found = [c for c in cases["cases"] if c["notice_id"] == notice["notice_id"]]
        return found[0]["case_id"] if found else None

    opened = await harness.eventually(case_id)
    return opened, await harness.eventually(lambda: decision(system, opened))


async def decision(system: System, case_id: str) -> dict | None:
    response = await system.assignment.get(f"/api/cases/{case_id}/decision")
    return response.json() if response.status_code == 200 else None


def csrf(page: httpx.Response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def text_of(page: httpx.Response) -> str:
    """The page's text with tags removed and entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def section(page: httpx.Response, start: str, end: str = "</table>") -> str:
    """The raw HTML from a marker to the next end marker."""
    begin = page.text.index(start)
    return page.text[begin:page.text.index(end, begin)]


class _Form(HTMLParser):
    """The fields a browser would submit from the first form posting to `action`."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action and not self.fields
        elif not self.inside:
            return
        elif tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value") or ("on" if a.get("type") == "checkbox" else "")))
        elif tag == "select":
            self._select, self._options = a.get("name"), []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.fields.append((self._textarea, ""))

    def handle_data(self, data):
        if self.inside and self._textarea:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected] or [v for v, _ in self._options[:1]]
            self.fields.append((self._select, chosen[0] if chosen else ""))
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_fields(page: httpx.Response, action: str) -> list[tuple[str, str]]:
    parser = _Form(action)
    parser.feed(page.text)
    assert parser.fields, f"no form posting to {action}"
    return parser.fields


def with_values(fields: list[tuple[str, str]], **changes: str | tuple[int, str]) -> dict[str, list[str]]:
    """The fields with some changed, name=value (the first of that name) or name=(n, value) (the n-th),
    as httpx sends a form (each name's values in page order)."""
    result, seen = [], {}
    for name, value in fields:
        n = seen[name] = seen.get(name, -1) + 1
        change = changes.get(name)
        if isinstance(change, tuple):
            value = change[1] if change[0] == n else value
        elif change is not None and n == 0:
            value = change
        result.append((name, value))
    return as_form(result)


def as_form(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    form: dict[str, list[str]] = {}
    for name, value in fields:
        form.setdefault(name, []).append(value)
    return form


# --- the case page ---------------------------------------------------------------------------------


async def test_case_page_shows_the_decision_with_every_candidate(system, jetstream, db_backend):
    case_id, decided = await open_case(system, jetstream)
    page = await system.stack.client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    text = text_of(page)
    assert "Phân công" in text and decided["officer_name"] in text
    assert "Theo quy tắc" in text and html.unescape(decided["reason"]) in text
    candidates = section(page, "Những người đã được xem xét")
    rows = re.findall(r"<tr><td>", candidates)
    assert len(rows) == len(decided["candidates"]) == 26
    assert candidates.count("Đủ điều kiện") == sum(c["eligible"] for c in decided["candidates"]) > 1
    assert "không phụ trách địa bàn của vụ việc" in candidates  # officers of the branches
    assert "không nhận lĩnh vực của vụ việc" in candidates  # TGV-007 handles administrative cases only
    chosen_row = next(r for r in candidates.split("<tr>") if "Được giao" in r)
    assert decided["officer_name"] in chosen_row


async def test_a_leader_overrides_with_a_reason_and_without_one_is_told_why(system, jetstream, db_backend):
    case_id, decided = await open_case(system, jetstream)
    leader = await client_as(system.stack, "leader", officer_id=LEADER_OFFICER)
    page = await leader.get(f"/cases/{case_id}")
    options = section(page, 'name="officer_id"', "</select>")
    assert f'value="{LEADER_OFFICER}"' not in options, "a leader is never offered themself"
    assert f'value="{decided["officer_id"]}"' not in options
    other = next(c for c in decided["candidates"]
                 if c["eligible"] and c["officer_id"] not in (decided["officer_id"], LEADER_OFFICER))
    assert f'value="{other["officer_id"]}"' in options

    action = f"/cases/{case_id}/assignment/override"
    refused = await leader.post(action, data={"csrf_token": csrf(page), "officer_id": other["officer_id"],
                                              "reason": "Quen"})
    assert refused.status_code == 422
    assert "Cần ghi rõ lý do (ít nhất 10 ký tự)." in refused.text
    kept = dict(form_fields(refused, action))
    assert kept["reason"] == "Quen" and kept["officer_id"] == other["officer_id"]
    assert (await decision(system, case_id))["officer_id"] == decided["officer_id"]

    self_assigned = await leader.post(action, data={"csrf_token": csrf(page), "officer_id": LEADER_OFFICER,
                                                    "reason": "Tôi muốn tự nhận vụ việc này"})
    assert self_assigned.status_code == 403 and "Không được tự giao vụ việc cho chính mình" in self_assigned.text

    reason = "Người này đã trợ giúp bị can ở giai đoạn điều tra trước"
    done = await leader.post(action, data={"csrf_token": csrf(page), "officer_id": other["officer_id"],
                                           "reason": reason})
    assert done.status_code == 303 and done.headers["location"] == f"/cases/{case_id}#phan-cong"
    text = text_of(await leader.get(f"/cases/{case_id}"))
    assert "Lãnh đạo giao khác đề xuất" in text and reason in text
    assert f"Người được phân công {other['full_name']}" in text
    assert "Các lần quyết định" in text and "Lãnh đạo giao vụ việc cho người khác" in text  # history, timeline
    oversight = text_of(await leader.get("/assignment/oversight"))
    assert "Quyết định khác quy tắc: 1" in oversight and other["full_name"] in oversight and reason in oversight


async def test_an_officer_asks_to_take_a_case_and_a_leader_approves(system, jetstream, db_backend):
    case_id, decided = await open_case(system, jetstream)
    asker = next(c for c in decided["candidates"]
                 if c["eligible"] and c["officer_id"] not in (decided["officer_id"], LEADER_OFFICER))
    officer = await client_as(system.stack, "officer", officer_id=asker["officer_id"])
    page = await officer.get(f"/cases/{case_id}")
    assert "/assignment/take-request\"" in page.text and "/assignment/override" not in page.text
    assert "/assignment/decline" not in page.text
    sent = await officer.post(f"/cases/{case_id}/assignment/take-request",
                              data={"csrf_token": csrf(page), "reason": "Tôi đã làm việc với gia đình bị can"})
    assert sent.status_code == 303
    assert "đang chờ lãnh đạo duyệt" in text_of(await officer.get(f"/cases/{case_id}"))

    leader = await client_as(system.stack, "leader", officer_id=LEADER_OFFICER)
    oversight = text_of(await leader.get("/assignment/oversight"))
    assert "Đề nghị nhận vụ việc đang chờ duyệt: 1" in oversight and "Tôi đã làm việc với gia đình bị can" in oversight
    page = await leader.get(f"/cases/{case_id}")
    assert f"Duyệt đề nghị của {asker['full_name']}" in text_of(page)
    request_id = (await decision(system, case_id))["take_requests"][0]["request_id"]
    action = f"/cases/{case_id}/assignment/take-requests/{request_id}"
    no_reason = await leader.post(action, data={"csrf_token": csrf(page), "decision": "approve", "reason": ""})
    assert no_reason.status_code == 422 and "Cần ghi rõ lý do" in no_reason.text
    approved = await leader.post(action, data={"csrf_token": csrf(page), "decision": "approve",
                                               "reason": "Đồng ý, người này đã nắm rõ hồ sơ"})
    assert approved.status_code == 303
    text = text_of(await leader.get(f"/cases/{case_id}"))
    assert f"Người được phân công {asker['full_name']}" in text and "Duyệt đề nghị nhận vụ việc" in text
    assert "Đã duyệt" in text and "Đồng ý, người này đã nắm rõ hồ sơ" in text
    assert "Đề nghị nhận vụ việc đang chờ duyệt: 0" in text_of(await leader.get("/assignment/oversight"))


async def test_the_performer_declines_and_the_case_goes_to_someone_else(system, jetstream, db_backend):
    case_id, decided = await open_case(system, jetstream)
    performer = await client_as(system.stack, "officer", officer_id=decided["officer_id"])
    page = await performer.get(f"/cases/{case_id}")
    assert "Từ chối thực hiện (xung đột lợi ích)" in page.text and "/assignment/take-request\"" not in page.text
    declined = await performer.post(f"/cases/{case_id}/assignment/decline",
                                    data={"csrf_token": csrf(page), "reason": "Bị can là con của anh họ tôi"})
    assert declined.status_code == 303
    now = await decision(system, case_id)
    assert now["officer_id"] not in (None, decided["officer_id"]) and now["kind"] == "reassignment"
    after = await performer.get(f"/cases/{case_id}")
    text = text_of(after)
    assert f"Người được phân công {now['officer_name']}" in text and "Phân công lại" in text
    assert "Bị can là con của anh họ tôi" in text
    assert f"{decided['officer_name']} — Đã từ chối thực hiện (xung đột lợi ích)" in text
    row = next(r for r in section(after, "Những người đã được xem xét").split("<tr>") if decided["officer_name"] in r)
    assert "đã từ chối hoặc đã bị thay đổi trong vụ việc này" in row
    assert "/assignment/decline" not in after.text and "/assignment/take-request\"" not in after.text


async def test_assignment_unreachable_leaves_the_pages_working(intake_stack, jetstream, db_backend):
    intake_stack.app.state.assignment = AssignmentApi(f"http://127.0.0.1:{free_port()}", timeout=2.0)
    notice = harness.make_notice()
    await harness.publish(jetstream, subjects.INBOUND_REFERRAL, notice, harness.msg_id_of(notice))
    cases = await harness.eventually(
        lambda: _json(intake_stack.client.get("/api/cases")), timeout=15)
    case_id = cases["cases"][0]["case_id"]
    page = await intake_stack.client.get(f"/cases/{case_id}")
    assert page.status_code == 200 and UNAVAILABLE_MESSAGE in page.text
    assert notice["person"]["full_name"] in page.text and "Diễn biến" in page.text
    tried = await intake_stack.client.post(f"/cases/{case_id}/assignment/override", data={
        "csrf_token": csrf(page), "officer_id": "TGV-004", "reason": "Lý do đã viết cẩn thận"})
    assert tried.status_code == 503 and UNAVAILABLE_MESSAGE in tried.text
    assert "Lý do đã viết cẩn thận" in tried.text  # what was typed is not lost
    for path in ("/roster", "/roster/TGV-004", "/assignment/oversight"):
        other = await intake_stack.client.get(path)
        assert other.status_code == 200 and UNAVAILABLE_MESSAGE in other.text, path


async def _json(response_coroutine):
    body = (await response_coroutine).json()
    return body if body.get("cases") else None


# --- the roster ----------------------------------------------------------------------------------------


async def test_roster_edit_makes_a_version_and_a_stale_form_is_refused(system, db_backend):
    admin = await client_as(system.stack, "administrator")
    listing = await admin.get("/roster")
    assert listing.status_code == 200 and 'href="/roster"' in listing.text
    assert "Nguyễn Kim Yến" in listing.text and 'href="/roster/new"' in listing.text
    assert 'href="/assignment/oversight"' in listing.text and 'href="/cases"' in listing.text

    page = await admin.get("/roster/TGV-004")
    action = "/roster/TGV-004"
    fields = form_fields(page, action)
    assert dict(fields)["expected_version"] == "1" and dict(fields)["full_name"] == "Nguyễn Kim Yến"
    edited = with_values(fields, absence_kind=(0, "training"), absence_start=(0, "2026-09-07"),
                         absence_end=(0, "2026-09-18"), duty_start=(0, "2026-09-01T07:30"),
                         duty_end=(0, "2026-09-01T19:30"), note="Cử đi bồi dưỡng nghiệp vụ tháng 9")
    saved = await admin.post(action, data=edited)
    assert saved.status_code == 303 and saved.headers["location"] == "/roster/TGV-004?saved=2"
    shown = await admin.get(saved.headers["location"])
    versions = section(shown, "Các phiên bản")
    assert "Đã lưu phiên bản 2." in shown.text and "Cử đi bồi dưỡng nghiệp vụ tháng 9" in versions
    assert 'value="2026-09-07"' in shown.text and 'value="2026-09-01T07:30"' in shown.text
    record = (await system.assignment.get("/api/officers/TGV-004")).json()
    assert record["version"] == 2 and record["absences"] == [
        {"start": "2026-09-07", "end": "2026-09-18", "kind": "training"}]
    assert record["duty"] == [{"start": "2026-09-01T07:30:00+07:00", "end": "2026-09-01T19:30:00+07:00"}]

    # The same form opened before that save: someone else's change is not overwritten.
    stale = await admin.post(action, data=with_values(fields, rel_name=(0, "Trần Văn Hòa"),
                                                      rel_relation=(0, "anh rể"), note="Kê khai quan hệ"))
    assert stale.status_code == 409
    assert "Hồ sơ đã được sửa bởi người khác (phiên bản hiện tại 2); hãy tải lại trang." in stale.text
    assert 'value="Trần Văn Hòa"' in stale.text and "Kê khai quan hệ" in stale.text
    assert (await system.assignment.get("/api/officers/TGV-004")).json()["version"] == 2

    # Wrong input: every message next to its field, in Vietnamese, and what was typed kept.
    fresh = form_fields(await admin.get("/roster/TGV-004"), action)
    wrong = await admin.post(action, data=with_values(
        fresh, full_name="  ", absence_start=(1, "2026-10-10"), absence_end=(1, "2026-10-01"),
        rel_name=(0, "Trần Văn Hòa"), rel_national_id=(0, "12345"), note="Sửa sai"))
    assert wrong.status_code == 422
    for message in ("Nhập họ và tên.", "Ngày kết thúc trước ngày bắt đầu.", "Số CCCD phải gồm đúng 12 chữ số."):
        assert message in wrong.text
    assert 'value="2026-10-10"' in wrong.text and 'value="12345"' in wrong.text and "Sửa sai" in wrong.text
    assert (await system.assignment.get("/api/officers/TGV-004")).json()["version"] == 2


async def test_roster_new_entry_and_who_may_change_it(system, db_backend):
    admin = await client_as(system.stack, "administrator")
    form = await admin.get("/roster/new")
    fields = with_values(form_fields(form, "/roster/new"), officer_id="TGV-099", full_name="Lê Thị Mai",
                         branch_code="CN-PC", appointed_on="2026-02-01", note="Bổ nhiệm mới")
    fields["fields"] = ["criminal", "civil"]
    created = await admin.post("/roster/new", data=fields)
    assert created.status_code == 303 and created.headers["location"] == "/roster/TGV-099?saved=1"
    assert "Lê Thị Mai" in text_of(await admin.get("/roster"))
    again = await admin.post("/roster/new", data=fields)
    assert again.status_code == 409 and "Mã TGV-099 đã có trong danh sách" in again.text
    no_fields = await admin.post("/roster/new", data={**fields, "officer_id": ["TGV-098"], "fields": []})
    assert no_fields.status_code == 422 and "Chọn ít nhất một lĩnh vực." in no_fields.text
    assert 'value="TGV-098"' in no_fields.text

    leader = await client_as(system.stack, "leader")
    page = await leader.get("/roster/TGV-099")
    assert page.status_code == 200 and "<fieldset disabled>" in page.text and "Lưu phiên bản mới" not in page.text
    refused = await leader.post("/roster/TGV-099", data={**fields, "csrf_token": [csrf(page)]})
    assert refused.status_code == 403
    officer = await client_as(system.stack, "officer", officer_id="TGV-004")
    assert (await officer.get("/roster")).status_code == 403
    assert (await officer.get("/assignment/oversight")).status_code == 403
    assert 'href="/roster"' not in (await officer.get("/cases")).text


async def test_target_derivation_is_shown_for_the_chosen_period(system, db_backend):
    admin = await client_as(system.stack, "administrator")
    page = await admin.get("/roster/TGV-002", params={"start": "2026-01-01", "end": "2026-06-30"})
    target = (await system.assignment.get("/api/officers/TGV-002/target",
                                          params={"start": "2026-01-01", "end": "2026-06-30"})).json()
    text = text_of(page)
    assert "Chỉ tiêu từ 01/01/2026 đến 30/06/2026" in text and len(target["lines"]) >= 2
    for line in target["lines"]:
        assert line["text"] in text
    default = text_of(await admin.get("/roster/TGV-002"))
    assert re.search(r"Chỉ tiêu từ 01/01/\d{4} đến 31/12/\d{4}", default)
    backwards = await admin.get("/roster/TGV-002", params={"start": "2026-06-30", "end": "2026-01-01"})
    assert backwards.status_code == 200 and "Ngày kết thúc trước ngày bắt đầu." in backwards.text

"""Assignment's rules end to end against a real nats-server and a real database: conflicts of
interest, the duty roster, roster versions, targets, leaders' overrides, take requests, declines,
case weights and the patterns report.

The roster is small and chosen so the rule's favourite is known: PC-A (13 cases a year) is the
first choice in CN-PC until it holds two cases, PC-B and PC-C (6 a year each) come next, PC-C does
not handle land cases. So a test can show that a rule changed the outcome, not only that a label
was set.
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from services.assignment.bootstrap import build
from services.assignment.config import AssignmentSettings
from services.assignment.domain.rules import LOCAL_TZ
from services.assignment.entrypoints.web import build_web
from services.assignment.service_layer import handlers
from services.runtime.dead_letters import list_dead_letters
from services.runtime.unit_of_work import utcnow
from shared import events as ev
from shared import subjects
from tests import harness

pytestmark = pytest.mark.integration

STREAM = "TGPL_ASSIGNMENT"
ASSIGNED = "assignment.case_assigned"
LEADER = {"username": "giamdoc.tran", "officer_id": "GD-01", "is_leader": True}
#: Long enough for the rule's minimum of 10 characters.
REASON = "Người được trợ giúp đề nghị, đã xác minh"

ROSTER = [
    {"officer_id": "GD-01", "full_name": "Trần Văn Giám", "branch_code": "HQ", "leader_role": "director",
     "fields": ["criminal", "civil", "land", "labour"], "appointed_on": "2005-05-01", "active": True},
    {"officer_id": "PC-A", "full_name": "Nguyễn Văn An", "branch_code": "CN-PC", "leader_role": None,
     "fields": ["criminal", "civil", "land"], "appointed_on": "2010-03-01", "active": True},
    {"officer_id": "PC-B", "full_name": "Lê Thị Bình", "branch_code": "CN-PC", "leader_role": None,
     "fields": ["criminal", "civil", "land"], "appointed_on": "2024-06-01", "active": True},
    {"officer_id": "PC-C", "full_name": "Phạm Văn Cường", "branch_code": "CN-PC", "leader_role": None,
     "fields": ["criminal", "civil"], "appointed_on": "2025-02-01", "active": True},
    {"officer_id": "HN-H", "full_name": "Hoàng Văn Hải", "branch_code": "CN-HN", "leader_role": None,
     "fields": ["criminal", "civil"], "appointed_on": "2015-01-01", "active": True},
]
EDITABLE = ("full_name", "kind", "branch_code", "leader_role", "fields", "appointed_on", "active", "absences",
            "duty", "relationships")


def write_reference(directory: Path, officers: list[dict]) -> Path:
    """A reference folder: the demo center (branches) and the given roster."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(harness.DEMO_DATA / "center.json", directory / "center.json")
    (directory / "officers.json").write_text(json.dumps({"officers": officers}, ensure_ascii=False),
                                             encoding="utf-8")
    return directory


@dataclass
class Service:
    host: object
    client: httpx.AsyncClient
    settings: AssignmentSettings
    js: object

    async def flush(self) -> None:
        """Publish whatever the outbox holds now, so 'no event' can be checked without waiting."""
        await self.host.relay.publish_pending()


@pytest.fixture
async def assignment(jetstream, nats_url, database_url, tmp_path):
    settings = AssignmentSettings(nats_url=nats_url, database_url=await database_url("assignment"),
                                  data_dir=tmp_path, reference_dir=write_reference(tmp_path / "reference", ROSTER),
                                  retry_delays_s=[0.2])
    host = build(settings)
    async with harness.running(host):
        async with harness.http_client(build_web(host.engine, host.uow)) as client:
            yield Service(host, client, settings, jetstream)


def cccd() -> str:
    """A random 12-digit citizen ID."""
    return f"052{uuid.uuid4().int % 10**9:09d}"


def case_opened(branch: str | None = "CN-PC", field: str = "criminal", **extra) -> ev.CaseOpened:
    return ev.CaseOpened(producer="test", case_id=str(uuid.uuid4()),
                         register_no=f"{uuid.uuid4().int % 99999:05d}/2026/TL", channel="agency_notice",
                         field=field, commune_code=None, branch_code=branch, gender="male", **extra)


def party(name: str, national_id: str | None = None) -> ev.PartyRef:
    return ev.PartyRef(full_name=name, national_id=national_id)


async def publish_event(js, event: ev.Event) -> None:
    await harness.publish(js, subjects.subject_of(type(event)), event.model_dump_json().encode(), event.event_id)


async def events(js, event_type: str, **match) -> list[dict]:
    """Events of one type in the assignment stream whose fields equal `match`."""
    found = await harness.events_of(js, STREAM, event_type)
    return [e for e in found if all(e.get(k) == v for k, v in match.items())]


async def assignments_of(js, case_id: str, n: int = 1) -> list[dict]:
    """The CaseAssigned events of a case, once there are at least n."""
    async def enough():
        found = await events(js, ASSIGNED, case_id=case_id)
        return found if len(found) >= n else None

    return await harness.eventually(enough)


async def assign(svc: Service, event: ev.CaseOpened) -> dict:
    """Publish a CaseOpened and return its first CaseAssigned; fail at once if the service gave up on it."""
    await publish_event(svc.js, event)

    async def decided():
        found = await events(svc.js, ASSIGNED, case_id=event.case_id)
        if found:
            return found[0]
        dead = await list_dead_letters(svc.host.engine, svc.host.tables)
        assert dead == [], f"the service dead-lettered a message: {dead[0]['error'][:500]}"
        return None

    return await harness.eventually(decided)


def candidate(decision: dict, officer_id: str) -> dict:
    return next(c for c in decision["candidates"] if c["officer_id"] == officer_id)


async def roster(client) -> dict[str, dict]:
    return {o["officer_id"]: o for o in (await client.get("/api/officers")).json()}


async def edit_officer(client, officer_id: str, *, changed_by: str = "admin.hoa", note: str | None = None,
                       **changes) -> httpx.Response:
    """PUT the officer's current entry with some fields changed, as the roster form does."""
    current = (await client.get(f"/api/officers/{officer_id}")).json()
    body = {k: current[k] for k in EDITABLE} | changes
    body |= {"changed_by": changed_by, "note": note, "expected_version": current["version"]}
    return await client.put(f"/api/officers/{officer_id}", json=body)


def raw_ratio(officer: dict, extra: float = 1.0) -> float:
    """What the rule compares, leaving out the group term (equal for officers of one group)."""
    return (officer["load"] + extra) / officer["target"]


# --- conflict of interest -----------------------------------------------------------------------


async def test_the_officer_of_the_accused_never_gets_the_victim_of_the_same_matter(assignment, db_backend):
    svc = assignment
    accused = case_opened(procedural_status="arrested", stage="investigation", agency_code="CA-PC",
                          agency_case_ref="12/2026/HS", beneficiary=party("Nguyễn Văn Tú", cccd()))
    first = await assign(svc, accused)
    assert first["officer_id"] == "PC-A"  # the rule's favourite takes the accused

    # The same agency's case number, typed differently, for the victim of the same matter.
    victim = case_opened(procedural_status="victim", stage="investigation", agency_code="CA-PC",
                         agency_case_ref=" 12/2026/hs ", beneficiary=party("Trần Thị Hoa", cccd()))
    decided = await assign(svc, victim)
    officers = await roster(svc.client)
    assert decided["officer_id"] != "PC-A"
    assert candidate(decided, "PC-A") == {**candidate(decided, "PC-A"), "eligible": False,
                                         "excluded_by": "opposing_party", "score": None}
    # Without the conflict PC-A would have won: the rule's own ratio is lower than the winner's.
    winner = candidate(decided, decided["officer_id"])
    assert (officers["PC-A"]["load"] + 1) / officers["PC-A"]["target"] < (winner["load"] + 1) / winner["target"]
    shown = (await svc.client.get(f"/api/cases/{victim.case_id}/decision")).json()
    label = next(c["excluded_label"] for c in shown["candidates"] if c["officer_id"] == "PC-A")
    assert label == "đã hoặc đang trợ giúp bên có quyền lợi đối lập trong cùng vụ việc"

    # The procuracy takes the matter over under its own number; the accused's case is linked to it.
    await publish_event(svc.js, ev.CaseNoticeLinked(
        producer="test", case_id=accused.case_id, matter_id=str(uuid.uuid4()), notice_key="VKS-PC:T-1",
        agency_code="VKS-PC", stage="prosecution", rule="same_person_same_ref", agency_case_ref="07/2026/VKS"))
    # A second victim known only under the procuracy's number is kept from PC-A too.
    victim2 = case_opened(procedural_status="victim", stage="prosecution", agency_code="VKS-PC",
                          agency_case_ref="07/2026/VKS", beneficiary=party("Lê Văn Sáu", cccd()))
    decided2 = await assign(svc, victim2)
    assert decided2["officer_id"] != "PC-A"
    assert candidate(decided2, "PC-A")["excluded_by"] == "opposing_party"
    officers = await roster(svc.client)
    winner2 = candidate(decided2, decided2["officer_id"])
    assert raw_ratio(officers["PC-A"]) < (winner2["load"] + 1) / winner2["target"]

    # Control: a victim of another matter still goes to PC-A, so the exclusions above were the conflict.
    other = case_opened(procedural_status="victim", agency_code="CA-PC", agency_case_ref="99/2026/HS",
                        beneficiary=party("Đỗ Thị Bảy", cccd()))
    assert (await assign(svc, other))["officer_id"] == "PC-A"


async def test_a_declared_relationship_keeps_the_officer_from_the_case(assignment, db_backend):
    svc = assignment
    relative = cccd()
    response = await edit_officer(svc.client, "PC-A", note="Kê khai quan hệ thân nhân", relationships=[
        {"full_name": "Trần Thị Mai", "national_id": relative, "relation": "em họ"}])
    assert response.status_code == 200 and response.json()["changed"] is True

    decided = await assign(svc, case_opened(beneficiary=party("Trần Thị Mai", relative)))
    assert decided["officer_id"] != "PC-A"
    assert candidate(decided, "PC-A")["excluded_by"] == "declared_relationship"
    assert candidate(decided, "PC-B")["eligible"] is True

    # The same name under another CCCD is another person: PC-A, the favourite, takes it.
    namesake = await assign(svc, case_opened(beneficiary=party("Trần Thị Mai", cccd())))
    assert namesake["officer_id"] == "PC-A"
    assert candidate(namesake, "PC-A")["excluded_by"] is None

    # The relative as the opposing party is a conflict as well ("a party", not only the beneficiary).
    against = await assign(svc, case_opened(field="civil", beneficiary=party("Võ Văn Tám", cccd()),
                                            opposing_parties=[party("Trần Thị Mai", relative)]))
    assert against["officer_id"] != "PC-A"
    assert candidate(against, "PC-A")["excluded_by"] == "declared_relationship"
    officers = await roster(svc.client)
    winner = candidate(against, against["officer_id"])
    assert raw_ratio(officers["PC-A"]) < (winner["load"] + 1) / winner["target"]


# --- urgent cases and the duty roster ------------------------------------------------------------


async def test_an_urgent_case_goes_to_the_officer_on_duty(assignment, db_backend):
    svc = assignment
    # Nobody on duty yet: an urgent case follows the ordinary rule and says so.
    before = await assign(svc, case_opened(urgent=True))
    assert before["officer_id"] == "PC-A"
    assert "không có người trực phù hợp" in before["reason"]

    now = utcnow().astimezone(LOCAL_TZ)  # a shift as staff enter it, in local time
    shift = {"start": (now - timedelta(hours=1)).isoformat(), "end": (now + timedelta(hours=8)).isoformat()}
    response = await edit_officer(svc.client, "PC-C", note="Lịch trực tuần", duty=[shift])
    assert response.json() == {"officer_id": "PC-C", "version": 2, "changed": True}

    urgent = await assign(svc, case_opened(urgent=True))
    assert urgent["officer_id"] == "PC-C"  # the least favoured by load, but on duty
    assert "lịch trực" in urgent["reason"]
    assert candidate(urgent, "PC-C")["on_duty"] is True
    for other in ("PC-A", "PC-B"):
        assert candidate(urgent, other)["excluded_by"] == "not_on_duty"
    assert candidate(urgent, "HN-H")["excluded_by"] == "outside_locality"

    # A case that is not urgent ignores the duty roster.
    ordinary = await assign(svc, case_opened(urgent=False))
    assert ordinary["officer_id"] == "PC-A"
    assert "lịch trực" not in ordinary["reason"]


# --- the roster: versions, validation, restarts ---------------------------------------------------


async def test_roster_changes_are_versioned_published_and_checked(assignment, db_backend):
    svc, client = assignment, assignment.client
    first = (await client.get("/api/officers/PC-B")).json()
    assert first["version"] == 1
    assert [(v["version"], v["changed_by"], v["note"]) for v in first["versions"]] == [
        (1, "reference-data", "officers.json")]

    leave = {"start": "2027-01-04", "end": "2027-01-08", "kind": "leave"}
    saved = await edit_officer(client, "PC-B", changed_by="admin.hoa", note="Bổ sung lịch nghỉ phép",
                               absences=[leave])
    assert saved.status_code == 200 and saved.json() == {"officer_id": "PC-B", "version": 2, "changed": True}
    entry = (await client.get("/api/officers/PC-B")).json()
    assert entry["version"] == 2 and entry["absences"] == [leave]
    assert [(v["version"], v["changed_by"], v["note"]) for v in entry["versions"]] == [
        (2, "admin.hoa", "Bổ sung lịch nghỉ phép"), (1, "reference-data", "officers.json")]
    assert entry["versions"][0]["snapshot"]["absences"] == [leave]

    published = await harness.eventually(lambda: events(svc.js, "assignment.officer_registered",
                                                        officer_id="PC-B", version=2))
    assert len(published) == 1
    assert published[0]["changed_by"] == "admin.hoa" and published[0]["change_note"] == "Bổ sung lịch nghỉ phép"
    assert published[0]["absences"] == [leave]

    body = {k: entry[k] for k in EDITABLE} | {"changed_by": "admin.lan", "note": None}
    # Someone else saved in between: the editor who saw version 1 is refused, in Vietnamese.
    stale = await client.put("/api/officers/PC-B", json=body | {"full_name": "Lê Thị Bình An", "expected_version": 1})
    assert stale.status_code == 409
    assert stale.json()["field"] == "expected_version"
    assert "đã được sửa bởi người khác" in stale.json()["detail"] and "phiên bản hiện tại 2" in stale.json()["detail"]

    # Saving what is there already is no change: no version, no event.
    same = await client.put("/api/officers/PC-B", json=body | {"expected_version": 2})
    assert same.status_code == 200 and same.json() == {"officer_id": "PC-B", "version": None, "changed": False}
    await svc.flush()
    assert len(await events(svc.js, "assignment.officer_registered", officer_id="PC-B")) == 2
    assert (await client.get("/api/officers/PC-B")).json()["version"] == 2

    # A restart loads officers.json again: an entry edited in the roster UI is not overwritten.
    again = build(svc.settings)
    async with harness.running(again):
        async with harness.http_client(build_web(again.engine, again.uow)) as second:
            kept = (await second.get("/api/officers/PC-B")).json()
        await again.relay.publish_pending()
    assert kept["version"] == 2 and kept["absences"] == [leave] and len(kept["versions"]) == 2
    assert len(await events(svc.js, "assignment.officer_registered", officer_id="PC-B")) == 2


async def test_an_invalid_roster_entry_is_refused_naming_the_field(assignment, db_backend):
    client = assignment.client
    entry = (await client.get("/api/officers/PC-B")).json()
    body = {k: entry[k] for k in EDITABLE} | {"changed_by": "admin.lan", "note": None, "expected_version": 1}
    unknown_branch = await client.put("/api/officers/PC-B", json=body | {"branch_code": "CN-XX"})
    assert unknown_branch.status_code == 422 and unknown_branch.json()["field"] == "branch_code"
    assert "CN-XX" in unknown_branch.json()["detail"]
    invalid = {
        "absences": body | {"absences": [{"start": "2027-02-10", "end": "2027-02-01", "kind": "leave"}]},
        "national_id": body | {"relationships": [{"full_name": "Lê Văn Út", "national_id": "05220900123"}]},
        # A misspelt or unknown field must not be dropped silently: the editor would believe it saved.
        "nickname": body | {"nickname": "Bình"},
    }
    for field_name, bad in invalid.items():
        response = await client.put("/api/officers/PC-B", json=bad)
        assert response.status_code == 422, (field_name, response.text)
        assert any(field_name in error["loc"] for error in response.json()["detail"]), (field_name, response.text)
    assert (await client.get("/api/officers/PC-B")).json()["version"] == 1


# --- targets ---------------------------------------------------------------------------------------


async def test_a_target_is_derived_for_any_range_and_a_maternity_leave_lowers_it(assignment, db_backend):
    client = assignment.client
    year = await client.get("/api/officers/PC-A/target", params={"start": "2026-01-01", "end": "2026-12-31"})
    assert year.status_code == 200
    found = year.json()
    assert found["target"] == pytest.approx(13.0)  # 5008/BTP-TGPL: 5+ years served, 13 cases a year
    assert "thâm niên 15 năm" in found["lines"][0]["text"] and "5008/BTP-TGPL" in found["lines"][0]["text"]
    assert sum(line["value"] for line in found["lines"][:-1]) == pytest.approx(found["target"], abs=1e-3)

    half = (await client.get("/api/officers/PC-A/target", params={"start": "2026-01-01", "end": "2026-06-30"})).json()
    assert half["target"] == pytest.approx(13 * 181 / 365, abs=1e-3)

    director = (await client.get("/api/officers/GD-01/target",
                                 params={"start": "2026-01-01", "end": "2026-12-31"})).json()
    assert director["target"] == pytest.approx(6.5)  # the director's 50 % reduction
    assert "Giám đốc" in director["lines"][0]["text"]

    # Annual leave is already assumed by the yearly target; maternity leave is counted off by the day.
    leave = {"start": "2026-07-01", "end": "2026-07-10", "kind": "leave"}
    maternity = {"start": "2026-03-01", "end": "2026-05-31", "kind": "maternity"}
    assert (await edit_officer(client, "PC-A", absences=[leave, maternity])).json()["changed"] is True
    lowered = (await client.get("/api/officers/PC-A/target",
                                params={"start": "2026-01-01", "end": "2026-12-31"})).json()
    assert lowered["target"] == pytest.approx(13 - 13 * 92 / 365, abs=1e-3)
    minus = [line for line in lowered["lines"] if "nghỉ thai sản" in line["text"]]
    assert len(minus) == 1 and "92 ngày" in minus[0]["text"]
    assert minus[0]["value"] == pytest.approx(-13 * 92 / 365, abs=1e-3)
    assert not any("nghỉ phép" in line["text"] for line in lowered["lines"])
    half = (await client.get("/api/officers/PC-A/target", params={"start": "2026-01-01", "end": "2026-06-30"})).json()
    assert half["target"] == pytest.approx(13 * 89 / 365, abs=1e-3)

    backwards = await client.get("/api/officers/PC-A/target", params={"start": "2026-06-30", "end": "2026-01-01"})
    assert backwards.status_code == 422


# --- leaders' overrides -------------------------------------------------------------------------------


async def test_a_leader_overrides_with_a_reason_and_is_counted(assignment, db_backend):
    svc, client = assignment, assignment.client
    opened = case_opened()
    assert (await assign(svc, opened))["officer_id"] == "PC-A"

    reason = "Người được trợ giúp là người dân tộc Ba Na, cần người thông thạo tiếng Ba Na"
    response = await client.post(f"/api/cases/{opened.case_id}/override",
                                 json={"officer_id": "PC-B", "reason": reason, "actor": LEADER})
    assert response.status_code == 200, response.text
    override = (await assignments_of(svc.js, opened.case_id, 2))[1]
    assert override["officer_id"] == "PC-B" and override["kind"] == "override"
    assert override["decided_by"] == "giamdoc.tran" and override["previous_officer_id"] == "PC-A"
    assert reason in override["reason"] and "Đề xuất theo quy tắc: Nguyễn Văn An" in override["reason"]
    decision = (await client.get(f"/api/cases/{opened.case_id}/decision")).json()
    assert decision["officer_id"] == "PC-B" and decision["kind"] == "override"
    assert [h["kind"] for h in decision["history"]] == ["initial", "override"]

    officers = await roster(client)  # the case left PC-A's load for PC-B's
    assert (officers["PC-A"]["load"], officers["PC-A"]["cases_assigned"]) == (0, 0)
    assert (officers["PC-B"]["load"], officers["PC-B"]["cases_assigned"]) == (1, 1)

    counted = (await client.get("/api/overrides")).json()
    assert counted["total"] == 1
    assert counted["by_leader"] == {"giamdoc.tran": 1} and counted["by_officer"] == {"PC-B": 1}

    async def override_to(case_id: str, officer_id: str, actor: dict = LEADER, why: str = REASON):
        return await client.post(f"/api/cases/{case_id}/override",
                                 json={"officer_id": officer_id, "reason": why, "actor": actor})

    short = await override_to(opened.case_id, "PC-C", why="cần")
    assert short.status_code == 422 and short.json()["field"] == "reason"
    not_leader = await override_to(opened.case_id, "PC-C", actor={"username": "an.nguyen", "officer_id": "PC-A"})
    assert not_leader.status_code == 403 and "lãnh đạo" in not_leader.json()["detail"]
    to_self = await override_to(opened.case_id, "GD-01")
    assert to_self.status_code == 403 and to_self.json()["field"] == "officer_id"

    land = case_opened(field="land")
    land_officer = (await assign(svc, land))["officer_id"]
    no_field = await override_to(land.case_id, "PC-C")
    assert no_field.status_code == 409 and no_field.json()["field"] == "officer_id"
    assert "Phạm Văn Cường" in no_field.json()["detail"] and "không nhận lĩnh vực" in no_field.json()["detail"]
    elsewhere = await override_to(land.case_id, "HN-H")
    assert elsewhere.status_code == 409 and "không phụ trách địa bàn" in elsewhere.json()["detail"]
    nobody = await override_to(land.case_id, "XX-404")
    assert nobody.status_code == 404

    await svc.flush()
    assert len(await events(svc.js, ASSIGNED, kind="override")) == 1
    assert (await client.get(f"/api/cases/{land.case_id}/decision")).json()["officer_id"] == land_officer
    assert (await client.get("/api/overrides")).json()["total"] == 1


# --- requests to take a case ----------------------------------------------------------------------------


async def test_an_officer_asks_to_take_a_case_and_only_a_leader_decides(assignment, db_backend):
    svc, client = assignment, assignment.client
    officer_c = {"username": "cuong.pham", "officer_id": "PC-C"}
    opened = case_opened()
    assert (await assign(svc, opened))["officer_id"] == "PC-A"

    why = "Tôi đã trợ giúp người này ở giai đoạn trước"
    asked = await client.post(f"/api/cases/{opened.case_id}/take-requests", json={"reason": why, "actor": officer_c})
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["request_id"]
    requested = await harness.eventually(lambda: events(svc.js, "assignment.case_take_requested",
                                                        request_id=request_id))
    assert requested[0]["case_id"] == opened.case_id and requested[0]["officer_id"] == "PC-C"
    assert requested[0]["reason"] == why
    again = await client.post(f"/api/cases/{opened.case_id}/take-requests", json={"reason": why, "actor": officer_c})
    assert again.status_code == 409

    async def decide(actor: dict, approve: bool = True, reason: str = REASON):
        return await client.post(f"/api/take-requests/{request_id}/decision",
                                 json={"approve": approve, "reason": reason, "actor": actor})

    assert (await decide(officer_c | {"is_leader": True})).status_code == 403  # never one's own request
    assert (await decide({"username": "an.nguyen", "officer_id": "PC-A"})).status_code == 403
    assert (await decide(LEADER, reason="đồng ý")).status_code == 422
    await svc.flush()
    assert len(await assignments_of(svc.js, opened.case_id)) == 1  # nothing decided yet

    approved = await decide(LEADER, reason="Bảo đảm tính liên tục của việc trợ giúp")
    assert approved.status_code == 200, approved.text
    moved = (await assignments_of(svc.js, opened.case_id, 2))[1]
    assert moved["kind"] == "approved_request" and moved["officer_id"] == "PC-C"
    assert moved["previous_officer_id"] == "PC-A" and moved["decided_by"] == "giamdoc.tran"
    decided = await harness.eventually(lambda: events(svc.js, "assignment.case_take_request_decided",
                                                      request_id=request_id))
    assert decided[0]["approved"] is True and decided[0]["decided_by"] == "giamdoc.tran"
    assert decided[0]["reason"] == "Bảo đảm tính liên tục của việc trợ giúp"
    assert (await decide(LEADER)).status_code == 409  # already decided
    assert (await client.get(f"/api/cases/{opened.case_id}/decision")).json()["officer_id"] == "PC-C"
    assert [r["request_id"] for r in (await client.get("/api/take-requests", params={"status": "approved"})).json()] \
        == [request_id]
    assert (await client.get("/api/overrides")).json()["by_officer"] == {"PC-C": 1}

    # A rejected request changes nothing.
    second = case_opened()
    holder = (await assign(svc, second))["officer_id"]
    asker = next(o for o in ("PC-B", "PC-C") if o != holder)
    asked = await client.post(f"/api/cases/{second.case_id}/take-requests",
                              json={"reason": why, "actor": {"username": "asker", "officer_id": asker}})
    rejected_id = asked.json()["request_id"]
    rejected = await client.post(f"/api/take-requests/{rejected_id}/decision",
                                 json={"approve": False, "reason": "Người đang thực hiện vẫn bảo đảm", "actor": LEADER})
    assert rejected.status_code == 200
    closed = await harness.eventually(lambda: events(svc.js, "assignment.case_take_request_decided",
                                                     request_id=rejected_id))
    assert closed[0]["approved"] is False
    await svc.flush()
    assert [a["officer_id"] for a in await assignments_of(svc.js, second.case_id)] == [holder]
    assert (await client.get(f"/api/cases/{second.case_id}/decision")).json()["officer_id"] == holder
    statuses = {r["request_id"]: r["status"] for r in (await client.get("/api/take-requests")).json()}
    assert statuses == {request_id: "approved", rejected_id: "rejected"}


# --- declining a case ------------------------------------------------------------------------------------


async def test_a_declined_case_never_goes_back_to_the_officer_who_declined(assignment, db_backend):
    svc, client = assignment, assignment.client
    opened = case_opened()
    assert (await assign(svc, opened))["officer_id"] == "PC-A"

    async def decline(officer_id: str):
        actor = {"username": officer_id.lower(), "officer_id": officer_id}
        return await client.post(f"/api/cases/{opened.case_id}/decline",
                                 json={"reason": "Có quan hệ họ hàng với bị hại", "actor": actor})

    assert (await decline("PC-B")).status_code == 403  # not the performer
    assert (await decline("PC-A")).status_code == 200
    second = (await assignments_of(svc.js, opened.case_id, 2))[1]
    assert second["kind"] == "reassignment" and second["previous_officer_id"] == "PC-A"
    assert second["decided_by"] == "pc-a" and second["reason"].startswith("pc-a từ chối thực hiện:")
    # PC-A, still the favourite by load (2/13 against 1/6), is out for good.
    assert second["officer_id"] == "PC-B"
    assert candidate(second, "PC-A")["excluded_by"] == "declined_or_replaced"
    decision = (await client.get(f"/api/cases/{opened.case_id}/decision")).json()
    assert [(x["officer_id"], x["why"]) for x in decision["exclusions"]] == [("PC-A", "declined")]

    # The beneficiary asks for another performer: neither PC-A nor PC-B.
    await publish_event(svc.js, ev.PerformerChangeRequested(producer="test", case_id=opened.case_id,
                                                            officer_id="PC-B", reason="Không liên lạc được",
                                                            due=utcnow() + timedelta(days=3)))
    third = (await assignments_of(svc.js, opened.case_id, 3))[2]
    assert third["officer_id"] == "PC-C" and third["previous_officer_id"] == "PC-B"
    assert {c["officer_id"] for c in third["candidates"] if c["excluded_by"] == "declined_or_replaced"} == {
        "PC-A", "PC-B"}

    # PC-C declines too: nobody is left in the branch, the head office takes it, still not PC-A.
    assert (await decline("PC-C")).status_code == 200
    fourth = (await assignments_of(svc.js, opened.case_id, 4))[3]
    assert fourth["officer_id"] == "GD-01" and fourth["branch_code"] == "HQ"
    history = await assignments_of(svc.js, opened.case_id, 4)
    assert [a["officer_id"] for a in history].count("PC-A") == 1


# --- weights ---------------------------------------------------------------------------------------------


async def test_a_land_case_weighs_more_in_the_load(assignment, db_backend):
    svc = assignment
    land = await assign(svc, case_opened(field="land"))
    assert land["officer_id"] == "PC-A" and land["weight"] == pytest.approx(1.2)
    officers = await roster(svc.client)
    assert officers["PC-A"]["load"] == pytest.approx(1.2) and officers["PC-A"]["cases_assigned"] == 1
    assert officers["PC-A"]["ratio"] == pytest.approx(1.2 / officers["PC-A"]["target"], abs=1e-3)
    # The next decision counts the weight: (1.2 + 1) / 13 is above 1 / 6, so PC-B takes it; after a
    # case of weight 1 PC-A (2 / 13) would have taken it again.
    after = await assign(svc, case_opened(field="criminal"))
    assert candidate(after, "PC-A")["load"] == pytest.approx(1.2)
    assert after["officer_id"] == "PC-B" and after["weight"] == pytest.approx(1.0)
    officers = await roster(svc.client)
    assert officers["PC-B"]["load"] == pytest.approx(1.0)
    assert sum(o["load"] for o in officers.values()) == pytest.approx(2.2)


async def test_decisions_sharing_a_transaction_count_each_other(assignment, db_backend):
    """A fetched batch is decided in one transaction that sums the loads once and keeps them current:
    every decision still sees the ones before it, a reassignment in the middle included."""
    svc = assignment
    opened = [case_opened(field="land" if i % 3 == 0 else "criminal") for i in range(9)]
    async with svc.host.uow() as uow:
        for event in opened[:5]:
            await handlers.assign_case(uow, event, None)
        await handlers.reassign_case(uow, ev.PerformerChangeRequested(
            producer="test", case_id=opened[1].case_id, officer_id=None, reason="Đổi người thực hiện",
            due=utcnow() + timedelta(days=3)), None)
        for event in opened[5:]:
            await handlers.assign_case(uow, event, None)
        await uow.commit()
    await svc.flush()
    decisions = await harness.eventually(
        lambda: _at_least(events(svc.js, ASSIGNED), len(opened) + 1))
    assert [d["kind"] for d in decisions].count("reassignment") == 1
    held: dict[str, float] = {}
    checked = 0
    for decision in decisions:  # stream order is decision order
        for c in decision["candidates"]:
            if c["load"] is not None:
                assert c["load"] == pytest.approx(held.get(c["officer_id"], 0.0)), (decision["reason"], c)
                checked += c["load"] > 0
        if decision["previous_officer_id"]:
            held[decision["previous_officer_id"]] -= decision["weight"]
        held[decision["officer_id"]] = held.get(decision["officer_id"], 0.0) + decision["weight"]
    assert checked >= 10 and len([o for o, load in held.items() if load > 0]) >= 2
    officers = await roster(svc.client)
    assert {o: officers[o]["load"] for o in held} == pytest.approx(held)


async def _at_least(found, n: int):
    found = await found
    return found if len(found) >= n else None


# --- patterns ------------------------------------------------------------------------------------------------


async def test_cases_concentrated_from_one_agency_are_flagged(assignment, db_backend):
    svc = assignment
    # CN-HN has one officer: every case of the Hoài Nhơn police goes to HN-H.
    opened = [case_opened("CN-HN", agency_code="CA-HN") for _ in range(5)]
    opened += [case_opened("CN-PC", agency_code="CA-PC") for _ in range(5)]
    for event in opened:
        await publish_event(svc.js, event)

    async def all_assigned():
        found = await events(svc.js, ASSIGNED)
        return found if len(found) == len(opened) else None

    await harness.eventually(all_assigned)
    found = (await svc.client.get("/api/patterns")).json()
    assert [p["officer_id"] for p in found] == ["HN-H"]
    assert found[0]["full_name"] == "Hoàng Văn Hải"
    assert found[0]["signs"] == ["5/5 vụ việc từ cơ quan CA-HN, gấp 2.0 lần tỷ lệ chung của cơ quan này"]


async def test_a_closed_case_keeps_its_officer(assignment, db_backend):
    svc, client = assignment, assignment.client
    opened = case_opened()
    assert (await assign(svc, opened))["officer_id"] == "PC-A"
    await publish_event(svc.js, ev.CaseClosed(producer="test", case_id=opened.case_id, outcome="completed",
                                              officer_id="PC-A", result="charge_reduced"))

    async def closed():
        decision = (await client.get(f"/api/cases/{opened.case_id}/decision")).json()
        return decision if decision["closed_at"] else None

    await harness.eventually(closed)
    response = await client.post(f"/api/cases/{opened.case_id}/override",
                                 json={"officer_id": "PC-B", "reason": REASON, "actor": LEADER})
    assert response.status_code == 409
    assert response.json()["detail"] == "Vụ việc đã kết thúc; không thể thay đổi phân công."
    decision = (await client.get(f"/api/cases/{opened.case_id}/decision")).json()
    assert decision["officer_id"] == "PC-A" and decision["closed_at"]

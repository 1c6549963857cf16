"""Assignment against a real nats-server and a real database."""

import json
import uuid
from collections import Counter

import pytest

from services.assignment.bootstrap import build
from services.assignment.config import AssignmentSettings
from services.assignment.entrypoints.web import build_web
from shared import events as ev
from shared import subjects
from tests import harness

pytestmark = pytest.mark.integration


@pytest.fixture
async def assignment(jetstream, nats_url, database_url, tmp_path):
    settings = AssignmentSettings(nats_url=nats_url, database_url=await database_url("assignment"),
                                  data_dir=tmp_path, reference_dir=harness.DEMO_DATA, retry_delays_s=[0.2])
    host = build(settings)
    async with harness.running(host):
        yield host, harness.http_client(build_web(host.engine, host.uow))


def case_opened(branch: str | None, field: str = "criminal") -> ev.CaseOpened:
    return ev.CaseOpened(producer="test", case_id=str(uuid.uuid4()), register_no="00001/2026/TL",
                         channel="agency_notice", field=field, commune_code=None, branch_code=branch,
                         gender="male", urgent=True)


async def publish_event(js, event: ev.Event) -> None:
    await harness.publish(js, subjects.subject_of(type(event)), event.model_dump_json().encode(), event.event_id)


async def test_roster_is_published_once_as_events(assignment, jetstream, db_backend):
    host, client = assignment
    registered = await harness.eventually(lambda: _officer_events(jetstream, 26))
    officers = (await client.get("/api/officers")).json()
    assert len(registered) == len(officers) == 26
    director = next(e for e in registered if e["officer_id"] == "TGV-001")
    assert director["is_leader"] is True and director["quota_target"] >= 1
    # Loading the same roster again changes nothing and publishes nothing.
    for hook in host.on_start:
        await hook()
    await host.relay.publish_pending()
    assert len(await harness.events_of(jetstream, "TGPL_ASSIGNMENT", "assignment.officer_registered")) == 26


async def test_cases_go_to_officers_of_their_branch_with_reasons_and_balance(assignment, jetstream, db_backend):
    _, client = assignment
    roster = {o["officer_id"]: o for o in (await client.get("/api/officers")).json()}
    eligible = {i for i, o in roster.items() if o["branch_code"] == "CN-PC" and "criminal" in o["fields"]}
    opened = [case_opened("CN-PC") for _ in range(len(eligible) * 2)]
    for event in opened:
        await publish_event(jetstream, event)

    async def all_assigned():
        found = await harness.events_of(jetstream, "TGPL_ASSIGNMENT", "assignment.case_assigned")
        return found if len(found) == len(opened) else None

    assigned = await harness.eventually(all_assigned)
    counts = Counter(a["officer_id"] for a in assigned)
    targets = {c["officer_id"]: c["target"] for a in assigned for c in a["candidates"] if c["eligible"]}
    assert set(counts) <= eligible and set(targets) == eligible
    ratios = [counts[o] / targets[o] for o in eligible]
    # Greedy least-ratio keeps every officer within one case's worth of each other.
    assert max(ratios) - min(ratios) <= max(1 / t for t in targets.values()) + 1e-9, (counts, targets)
    assert all(a["branch_code"] == "CN-PC" and a["reason"] and a["candidates"] for a in assigned)
    first = assigned[0]
    excluded = {c["officer_id"]: c["excluded_by"] for c in first["candidates"] if not c["eligible"]}
    assert set(excluded) == set(roster) - eligible
    assert first["causation_id"] == opened[0].event_id and first["correlation_id"] == opened[0].correlation_id
    decision = (await client.get(f"/api/cases/{first['case_id']}/decision")).json()
    assert decision["officer_id"] == first["officer_id"] and decision["rule"] == first["rule"]


async def test_unmapped_locality_falls_back_to_head_office(assignment, jetstream, db_backend):
    await publish_event(jetstream, case_opened(None, field="labour"))
    assigned = await harness.eventually(
        lambda: harness.events_of(jetstream, "TGPL_ASSIGNMENT", "assignment.case_assigned"))
    assert assigned[0]["branch_code"] == "HQ"


async def test_no_eligible_officer_is_reported_not_hidden(jetstream, nats_url, database_url, tmp_path, db_backend):
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / "center.json").write_text(json.dumps({"branches": [
        {"code": "HQ", "name": "Trụ sở", "is_head_office": True, "communes": []}]}), encoding="utf-8")
    (reference / "officers.json").write_text(json.dumps({"officers": [
        {"officer_id": "TGV-1", "full_name": "Lê Văn Bình", "branch_code": "HQ", "fields": ["civil"],
         "appointed_on": "2020-01-01", "leader_role": None, "active": True}]}), encoding="utf-8")
    settings = AssignmentSettings(nats_url=nats_url, database_url=await database_url("assignment"),
                                  data_dir=tmp_path, reference_dir=reference)
    async with harness.running(build(settings)):
        event = case_opened("HQ", field="criminal")
        await publish_event(jetstream, event)
        failed = await harness.eventually(
            lambda: harness.events_of(jetstream, "TGPL_ASSIGNMENT", "assignment.case_assignment_failed"))
    assert failed[0]["case_id"] == event.case_id
    assert failed[0]["candidates"] == [{"officer_id": "TGV-1", "eligible": False,
                                        "excluded_by": "does_not_handle_field", "load": None, "target": None,
                                        "score": None, "is_leader": False, "on_duty": None}]
    assert "Trụ sở" in failed[0]["reason"]  # staff read the branch name, not its code
    assert await harness.events_of(jetstream, "TGPL_ASSIGNMENT", "assignment.case_assigned") == []


async def _officer_events(js, n: int):
    found = await harness.events_of(js, "TGPL_ASSIGNMENT", "assignment.officer_registered")
    return found if len(found) >= n else None


async def test_a_change_of_performer_goes_to_someone_else_and_never_back(assignment, jetstream, db_backend):
    from datetime import timedelta

    from services.runtime.unit_of_work import utcnow

    opened = case_opened("CN-PC")
    await publish_event(jetstream, opened)
    first = (await harness.eventually(lambda: _assignments(jetstream, 1)))[0]
    officers = [first["officer_id"]]
    for round_ in range(2):
        change = ev.PerformerChangeRequested(producer="test", case_id=opened.case_id, officer_id=officers[-1],
                                             reason=f"Lần {round_ + 1}", due=utcnow() + timedelta(days=3))
        await publish_event(jetstream, change)
        latest = (await harness.eventually(lambda: _assignments(jetstream, round_ + 2)))[-1]
        assert latest["officer_id"] not in officers, "a replaced officer is never offered the case again"
        assert latest["reason"].startswith(f"Phân công lại theo đề nghị của người được trợ giúp (Lần {round_ + 1})")
        excluded = {c["officer_id"] for c in latest["candidates"] if c["excluded_by"] == "declined_or_replaced"}
        assert excluded == set(officers)
        officers.append(latest["officer_id"])


async def _assignments(js, n: int):
    found = await harness.events_of(js, "TGPL_ASSIGNMENT", "assignment.case_assigned")
    return found if len(found) >= n else None


async def test_the_rules_file_is_configuration(jetstream, nats_url, database_url, tmp_path, db_backend):
    from services.assignment.domain.rules import DEFAULT_RULES_FILE

    raw = json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    raw["version"], raw["case_weights"]["criminal"]["investigation"] = "assignment-rules/test", 2.5
    rules_file = tmp_path / "rules.json"
    rules_file.write_text(json.dumps(raw), encoding="utf-8")
    settings = AssignmentSettings(nats_url=nats_url, database_url=await database_url("assignment"),
                                  data_dir=tmp_path, reference_dir=harness.DEMO_DATA, rules_file=rules_file)
    host = build(settings)
    async with harness.running(host):
        client = harness.http_client(build_web(host.engine, host.uow))
        assert (await client.get("/api/rules")).json()["version"] == "assignment-rules/test"
        event = case_opened("HQ").model_copy(update={"stage": "investigation"})
        await publish_event(jetstream, event)
        assigned = await harness.eventually(
            lambda: harness.events_of(jetstream, "TGPL_ASSIGNMENT", "assignment.case_assigned"))
    assert assigned[0]["weight"] == 2.5


async def test_a_new_quota_year_announces_every_officers_new_target_once(assignment, jetstream, db_backend):
    from datetime import datetime, timezone

    from services.assignment.service_layer.handlers import publish_year_targets

    host, _ = assignment
    await harness.eventually(lambda: _officer_events(jetstream, 26))
    async with host.uow() as work:  # this year's targets went out with the roster itself
        assert await publish_year_targets(work, datetime.now(timezone.utc)) == 0
    new_year = datetime(2031, 1, 1, 1, 0, tzinfo=timezone.utc)  # 08:00 local on 1 January
    async with host.uow() as work:
        assert await publish_year_targets(work, new_year) == 26
    async with host.uow() as work:
        assert await publish_year_targets(work, new_year) == 0
    events = await harness.eventually(lambda: _officer_events(jetstream, 52))
    announced = [e for e in events if e["target_year"] == 2031]
    assert len(announced) == 26 and {e["changed_by"] for e in announced} == {"quota-year"}
    director = next(e for e in announced if e["officer_id"] == "TGV-001")
    assert director["band_floors"]["meets"] == director["yearly_target"] > 0

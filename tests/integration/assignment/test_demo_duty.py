"""The demo duty rota goes onto the real roster through the assignment API, once."""

from datetime import date, datetime, time, timedelta

import pytest

from deploy.demo.duty import LOCAL_TZ, publish_duty_roster, rota
from services.assignment.bootstrap import build
from services.assignment.config import AssignmentSettings
from services.assignment.entrypoints.web import build_web
from tests import harness

pytestmark = pytest.mark.integration
TODAY = date(2026, 11, 30)


def test_each_branch_has_one_criminal_officer_on_duty_every_day():
    officers = [{"officer_id": f"o-{i}", "branch_code": "HQ" if i < 3 else "CN-1", "active": i != 1,
                 "fields": ["criminal"] if i != 4 else ["civil"]} for i in range(6)]
    shifts = rota(officers, TODAY, 7)
    assert "o-1" not in shifts and "o-4" not in shifts  # inactive; no criminal law
    per_day = {}
    for officer_id, days in shifts.items():
        for shift in days:
            per_day.setdefault(shift["start"], []).append(officer_id)
    assert len(per_day) == 7 and all(len(ids) == 2 for ids in per_day.values())
    first = datetime.fromisoformat(min(per_day))
    assert first == datetime.combine(TODAY, time(7, 30), LOCAL_TZ)


async def test_the_rota_is_written_as_versioned_roster_edits_and_only_once(jetstream, nats_url, database_url, tmp_path,
                                                                           db_backend):
    settings = AssignmentSettings(nats_url=nats_url, database_url=await database_url("assignment"),
                                  data_dir=tmp_path, reference_dir=harness.DEMO_DATA)
    host = build(settings)
    async with harness.running(host):
        client = harness.http_client(build_web(host.engine, host.uow))
        changed = await publish_duty_roster(client, days=3, today=TODAY)
        assert changed >= 4  # one per branch with criminal officers, over three days and the night before
        assert await publish_duty_roster(client, days=3, today=TODAY) == 0
        on_duty = [o for o in (await client.get("/api/officers")).json() if o["duty"]]
        assert len(on_duty) == changed and all(o["version"] == 2 for o in on_duty)
        detail = (await client.get(f"/api/officers/{on_duty[0]['officer_id']}")).json()
        assert detail["versions"][0]["changed_by"] == "demo-duty-rota"
        assert detail["versions"][0]["note"] == "Lịch trực 29/11/2026 – 02/12/2026"
        assert datetime.fromisoformat(detail["duty"][0]["end"]) - datetime.fromisoformat(
            detail["duty"][0]["start"]) == timedelta(days=1)

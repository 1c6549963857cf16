"""Reporting against a real nats-server and a real database: events in, reports out."""

import uuid
from datetime import datetime, timedelta, timezone


import nats
import pytest

from services.reporting.bootstrap import build
from services.reporting.config import ReportingSettings
from services.reporting.entrypoints.web import build_web
from shared import events as ev
from shared import subjects
from tests import harness

pytestmark = pytest.mark.integration
VN = timezone(timedelta(hours=7))
IN_PERIOD = datetime(2026, 10, 15, 9, 0, tzinfo=VN)
BEFORE = datetime(2026, 9, 30, 23, 30, tzinfo=VN)  # a minute's walk from the period, in local time


@pytest.fixture
async def reporting(jetstream, nats_url, database_url, tmp_path):
    settings = ReportingSettings(nats_url=nats_url, database_url=await database_url("reporting"),
                                 data_dir=tmp_path, retry_delays_s=[0.2], schedule_s=0)
    host = build(settings)
    async with harness.running(host):
        yield harness.http_client(build_web(host.uow))


async def publish_event(js, event: ev.Event) -> None:
    await harness.publish(js, subjects.subject_of(type(event)), event.model_dump_json().encode(), event.event_id)


def notice(agency: str, at: datetime, *, late=False, wants=True, groups=("poor_household",), revision=1, key=None):
    """A NoticeReceived event."""
    return ev.NoticeReceived(
        producer="test", occurred_at=at, notice_key=key or f"{agency}:{uuid.uuid4().hex[:8]}", revision=revision,
        agency_code=agency, agency_kind="police", agency_known=True, sent_at=at,
        request_received_at=at - timedelta(hours=1) if wants else None, procedural_status="suspect",
        wants_legal_aid=wants, field="criminal", commune_code="21583", commune_known=True, gender="female",
        claimed_groups=list(groups), late=late)


def opened(at: datetime, field="criminal", commune="21583", groups=("poor_household",)) -> ev.CaseOpened:
    return ev.CaseOpened(producer="test", occurred_at=at, case_id=str(uuid.uuid4()), register_no="1",
                         channel="agency_notice", field=field, commune_code=commune, branch_code="HQ",
                         gender="female", groups=list(groups), urgent=True, agency_code="CA-GL")


async def test_every_total_comes_from_events_in_the_period(reporting, jetstream, nats_url, db_backend):
    officer = ev.OfficerRegistered(producer="test", officer_id="TGV-001", full_name="Nguyễn Thị Mai",
                                   branch_code="HQ", is_leader=True, fields=["criminal"],
                                   appointed_on="2010-01-01", quota_target=7)
    c1, c2, c3 = opened(IN_PERIOD), opened(IN_PERIOD, field="civil", groups=("disabled", "elderly")), opened(BEFORE)
    repeated = notice("CA-GL", IN_PERIOD, key="CA-GL:N-1")
    events = [
        officer, repeated, notice("CA-GL", IN_PERIOD, late=True), notice("VKS-GL", IN_PERIOD, wants=False),
        notice("VKS-GL", BEFORE),
        ev.MissedBeneficiaryDetected(producer="test", occurred_at=IN_PERIOD, missed_id=str(uuid.uuid4()),
                                     notice_key="VKS-GL:N-7", person_id="p-7", agency_code="VKS-GL",
                                     reason="did_not_ask", groups=["child"], explanation="Trẻ em chưa yêu cầu"),
        ev.MissedBeneficiaryDetected(producer="test", occurred_at=BEFORE, missed_id=str(uuid.uuid4()),
                                     notice_key="VKS-GL:N-8", person_id="p-8", agency_code="VKS-GL",
                                     reason="did_not_ask", groups=["child"], explanation="ngoài kỳ"),
        notice("CA-GL", IN_PERIOD, revision=2, key="CA-GL:N-1"),  # a correction counts once
        ev.NoticeRejected(producer="test", rejection_id=str(uuid.uuid4()), agency_code=None, notice_id=None,
                          received_at=IN_PERIOD, errors=[]),
        c1, c2, c3,
        ev.RequestRefused(producer="test", occurred_at=IN_PERIOD, request_id="R-1", ground="b", reason="x"),
        ev.CaseAssigned(producer="test", occurred_at=IN_PERIOD, case_id=c1.case_id, officer_id="TGV-001",
                        is_leader=True, branch_code="HQ", rule="t", reason="r"),
        ev.CaseAssigned(producer="test", occurred_at=IN_PERIOD, case_id=c2.case_id, officer_id="TGV-001",
                        is_leader=True, branch_code="HQ", rule="t", reason="r"),
        ev.CaseClosed(producer="test", occurred_at=IN_PERIOD, case_id=c2.case_id, outcome="closed"),
        ev.CaseEvaluated(producer="test", occurred_at=IN_PERIOD, case_id=c2.case_id, officer_id="TGV-001",
                         method="appraisal", rating="meets_quality"),
    ]
    for event in events:
        await publish_event(jetstream, event)
    await publish_event(jetstream, events[1])  # a redelivered event counts once

    expected = {
        "notices_received": 3, "notices_rejected": 1, "cases_opened": 2, "requests_refused": 1,
        "cases_assigned": 2, "cases_closed": 1, "cases_evaluated": 1, "missed_beneficiaries": 1,
        "late_notices": 1,
    }

    async def complete():
        figures = (await reporting.get("/api/figures", params={"start": "2026-10-01", "end": "2026-10-31"})).json()
        return figures if figures["totals"] == expected and figures["officers"] else print(figures) or None

    await harness.eventually(complete)
    report = await harness.request_report(nats_url, "2026-10-01", "2026-10-31")
    assert report["totals"] == expected
    assert report["period"] == {"start": "2026-10-01", "end": "2026-10-31"}
    assert report["by_agency"] == [{"agency_code": "CA-GL", "notices": 2, "late": 1, "missed": 0, "refusals": 0},
                                   {"agency_code": "VKS-GL", "notices": 1, "late": 0, "missed": 1, "refusals": 0}]
    assert report["by_locality"] == [{"commune_code": "21583", "cases_opened": 2, "civil_cases_opened": 1}]
    assert report["by_field"] == [{"field": "civil", "cases_opened": 1}, {"field": "criminal", "cases_opened": 1}]
    assert report["by_group"] == [{"group": "disabled", "persons": 1}, {"group": "elderly", "persons": 1},
                                  {"group": "poor_household", "persons": 1}]
    assert report["officers"] == [{"officer_id": "TGV-001", "is_leader": True, "active_cases": 1,
                                   "cases_assigned": 2, "quota_target": 7}]


async def test_same_period_twice_gives_the_same_report_and_a_change_raises_the_revision(
        reporting, jetstream, nats_url, db_backend):
    await publish_event(jetstream, opened(IN_PERIOD))
    await harness.eventually(lambda: _counted(reporting, 1))
    first = await harness.request_report(nats_url, "2026-10-01", "2026-10-31")
    again = await harness.request_report(nats_url, "2026-10-01", "2026-10-31")
    assert again == first and first["revision"] == 1 and first["totals"]["cases_opened"] == 1
    assert first["report_id"] == "tgpl-adhoc-2026-10-01-2026-10-31"

    await publish_event(jetstream, opened(IN_PERIOD))
    await harness.eventually(lambda: _counted(reporting, 2))
    second = await harness.request_report(nats_url, "2026-10-01", "2026-10-31")
    assert second["report_id"] == first["report_id"] and second["revision"] == 2
    assert second["totals"]["cases_opened"] == 2

    published = await harness.eventually(lambda: _published_reports(jetstream, 2))
    assert [h["Nats-Msg-Id"] for _, h, _ in published] == [f"{first['report_id']}:1", f"{first['report_id']}:2"]
    assert [body["revision"] for _, _, body in published] == [1, 2]


async def _counted(client, cases_opened: int) -> bool:
    figures = (await client.get("/api/figures", params={"start": "2026-10-01", "end": "2026-10-31"})).json()
    return figures["totals"]["cases_opened"] == cases_opened


async def _published_reports(js, n: int):
    found = await harness.stream_messages(js, "TGPL_REPORTS", subjects.REPORTS_ADHOC)
    return found if len(found) >= n else None


@pytest.mark.parametrize("body, field", [
    (b'{"period_start": "2026-10-31", "period_end": "2026-10-01"}', "$"),
    (b'{"period_start": "yesterday", "period_end": "2026-10-01"}', "period_start"),
    (b"garbage", "$"),
    (b'{"period_start": "0001-01-01", "period_end": "0001-01-31"}', "$"),  # before time zones had offsets
])
async def test_invalid_request_is_answered_with_the_reasons(reporting, nats_url, body, field, db_backend):
    nc = await nats.connect(nats_url)
    try:
        reply = await nc.request(subjects.REPORTS_REQUEST, body, timeout=10)
    finally:
        await nc.close()
    import json

    answer = json.loads(reply.data)
    assert answer["schema_version"] == 1 and answer["errors"][0]["field"] == field

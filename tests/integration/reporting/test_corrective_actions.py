"""Reporting's read model of corrective actions, from evaluation's events on a real nats-server."""

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from services.reporting.bootstrap import build
from services.reporting.config import ReportingSettings
from services.reporting.entrypoints.web import build_web
from shared import events as ev
from shared import subjects
from tests import harness

pytestmark = pytest.mark.integration
VN = timezone(timedelta(hours=7))


@pytest.fixture
async def reporting(jetstream, nats_url, database_url, tmp_path):
    settings = ReportingSettings(nats_url=nats_url, database_url=await database_url("reporting"),
                                 data_dir=tmp_path, retry_delays_s=[0.2])
    host = build(settings)
    async with harness.running(host):
        yield host, harness.http_client(build_web(host.uow))


async def publish_event(js, event: ev.Event, with_id: bool = True) -> None:
    await harness.publish(js, subjects.subject_of(type(event)), event.model_dump_json().encode(),
                          event.event_id if with_id else None)


def raised(officer: str, criterion: str, due_on: date, at: datetime) -> ev.CorrectiveActionRaised:
    return ev.CorrectiveActionRaised(producer="test", occurred_at=at, action_id=str(uuid.uuid4()),
                                     case_id=str(uuid.uuid4()), evaluation_id=str(uuid.uuid4()), criterion=criterion,
                                     officer_id=officer, due_on=due_on, required_evidence="Bổ sung hồ sơ",
                                     raised_by="danhgia")


def closed(action: ev.CorrectiveActionRaised, at: datetime, late: bool) -> ev.CorrectiveActionClosed:
    return ev.CorrectiveActionClosed(producer="test", occurred_at=at, action_id=action.action_id,
                                     case_id=action.case_id, criterion=action.criterion, officer_id=action.officer_id,
                                     closed_by="lanhdao", note="Đã kiểm tra", late=late)


async def test_open_overdue_and_late_actions_as_of_any_day(reporting, jetstream, db_backend):
    host, client = reporting
    at = datetime(2026, 11, 20, 9, 0, tzinfo=VN)
    on_time = raised("TGV-A", "file_complete", date(2026, 12, 20), at)
    late = raised("TGV-A", "client_meetings", date(2026, 11, 25), at)
    still_open = raised("TGV-B", "file_complete", date(2026, 12, 1), at + timedelta(days=2))
    evaluated = ev.CaseEvaluated(producer="test", occurred_at=at, case_id=on_time.case_id, officer_id="TGV-A",
                                 method="appraisal", rating="fails")
    events = [evaluated, on_time, late, still_open, closed(on_time, datetime(2026, 11, 22, 10, tzinfo=VN), False),
              # closed at 23:30 local on 30 November: still 30 November in Vietnam, 16:30 UTC
              closed(late, datetime(2026, 11, 30, 23, 30, tzinfo=VN), True)]
    for event in events:
        await publish_event(jetstream, event)
    for event in events[1:]:
        await publish_event(jetstream, event, with_id=False)  # each handled twice by the consumer

    async def counted():
        body = (await client.get("/api/corrective-actions", params={"as_of": "2026-12-31"})).json()
        handled = host.consumers.stats.processed >= 2 * len(events) - 1
        return body if handled and body["closed"] == 2 else None

    end_of_year = await harness.eventually(counted)
    assert {k: end_of_year[k] for k in ("open", "overdue", "closed", "closed_late")} == {
        "open": 1, "overdue": 1, "closed": 2, "closed_late": 1}
    assert end_of_year["by_officer"] == [
        {"officer_id": "TGV-A", "open": 0, "overdue": 0, "closed": 2, "closed_late": 1},
        {"officer_id": "TGV-B", "open": 1, "overdue": 1, "closed": 0, "closed_late": 0}]
    assert end_of_year["by_criterion"] == [
        {"criterion": "client_meetings", "open": 0, "overdue": 0, "closed": 1, "closed_late": 1},
        {"criterion": "file_complete", "open": 1, "overdue": 1, "closed": 1, "closed_late": 0}]

    async def as_of(day: str, **extra) -> dict:
        body = (await client.get("/api/corrective-actions", params={"as_of": day, **extra})).json()
        return {k: body[k] for k in ("open", "overdue", "closed", "closed_late")}

    assert await as_of("2026-11-19") == {"open": 0, "overdue": 0, "closed": 0, "closed_late": 0}
    assert await as_of("2026-11-21") == {"open": 2, "overdue": 0, "closed": 0, "closed_late": 0}
    assert await as_of("2026-11-28") == {"open": 2, "overdue": 1, "closed": 1, "closed_late": 0}
    assert await as_of("2026-11-30") == {"open": 1, "overdue": 0, "closed": 2, "closed_late": 1}
    assert await as_of("2026-12-02") == {"open": 1, "overdue": 1, "closed": 2, "closed_late": 1}
    assert await as_of("2026-12-31", start="2026-11-21", end="2026-11-30") == {
        "open": 1, "overdue": 1, "closed": 0, "closed_late": 0}
    assert (await client.get("/api/corrective-actions", params={"start": "2026-12-01", "end": "2026-11-01"})
            ).status_code == 422

    figures = (await client.get("/api/figures", params={"start": "2026-11-01", "end": "2026-11-30"})).json()
    assert figures["totals"]["cases_evaluated"] == 1 and "corrective_actions" not in figures

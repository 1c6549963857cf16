"""Reporting end to end over a real nats-server and a real database: a known month of events goes
through the streams, and every figure of the report, the statistics table, the council's figures,
coverage and the dashboards is checked; periodic reports, corrections and the rebuild too."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import nats
import pytest

from services.reporting.bootstrap import build
from services.reporting.config import ReportingSettings
from services.reporting.entrypoints.web import build_web
from services.reporting.rebuild import rebuild
from services.reporting.service_layer.handlers import correct_reports, issue_closed_periods
from shared import events as ev
from shared import subjects
from tests import harness

pytestmark = pytest.mark.integration
VN = timezone(timedelta(hours=7))
DEMO_DATA = Path(__file__).resolve().parents[3] / "deploy" / "demo" / "data"
OCT = {"start": "2026-10-01", "end": "2026-10-31"}
NOW = datetime(2026, 11, 2, 8, 0, tzinfo=VN)


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=VN)


def _settings(nats_url: str, url: str, tmp_path: Path, **extra) -> ReportingSettings:
    return ReportingSettings(nats_url=nats_url, database_url=url, data_dir=tmp_path, retry_delays_s=[0.2],
                             reference_dir=DEMO_DATA, **{"schedule_s": 0, **extra})


@pytest.fixture
async def reporting(jetstream, nats_url, database_url, tmp_path):
    host = build(_settings(nats_url, await database_url("reporting"), tmp_path))
    async with harness.running(host):
        yield host, harness.http_client(build_web(host.uow))


async def publish_all(js, events: list[ev.Event]) -> None:
    for event in events:
        await harness.publish(js, subjects.subject_of(type(event)), event.model_dump_json().encode(), event.event_id)


def notice(key: str, agency: str, when: datetime, *, late=False, groups=("poor_household",), revision=1,
           gender="male") -> ev.NoticeReceived:
    return ev.NoticeReceived(
        producer="test", occurred_at=when, notice_key=key, revision=revision, agency_code=agency,
        agency_kind="police", agency_known=True, sent_at=when, request_received_at=when - timedelta(hours=2),
        procedural_status="suspect", wants_legal_aid=True, field="criminal", commune_code="21583",
        commune_known=True, gender=gender, claimed_groups=list(groups), late=late)


def case(when: datetime, person: str, *, field="criminal", form="proceedings", gender="male", groups=("poor_household",),
         commune="21583", branch="HQ") -> ev.CaseOpened:
    return ev.CaseOpened(producer="test", occurred_at=when, case_id=str(uuid.uuid4()), register_no="1",
                         channel="agency_notice", field=field, commune_code=commune, branch_code=branch, gender=gender,
                         groups=list(groups), agency_code="CA-GL", person_id=person, form=form)


def assigned(c: ev.CaseOpened, officer: str, when: datetime, *, leader: bool, kind="initial", weight=1.0,
             previous: str | None = None) -> ev.CaseAssigned:
    return ev.CaseAssigned(producer="test", occurred_at=when, case_id=c.case_id, officer_id=officer,
                           is_leader=leader, branch_code="HQ", rule="test", reason="r", kind=kind, weight=weight,
                           decided_by="lanhdao" if kind == "override" else None, previous_officer_id=previous)


def officer(officer_id: str, name: str, *, leader: bool, branch: str, target: float) -> ev.OfficerRegistered:
    return ev.OfficerRegistered(producer="test", occurred_at=at(1, 2), officer_id=officer_id, full_name=name,
                                branch_code=branch, is_leader=leader, fields=["criminal", "civil"],
                                appointed_on="2010-01-01", quota_target=round(target), yearly_target=target,
                                target_year=2026)


def october() -> tuple[list[ev.Event], dict]:
    """A known history: October 2026 with some September before it; returns the events and cases."""
    c1 = case(at(10, 3), "P1")
    c2 = case(at(10, 5), "P2", field="civil", form="advice", gender="female", groups=("disabled", "elderly"),
              commune="21910", branch="CN-AN")
    c3 = case(at(10, 7), "P1")  # the same person again: one person in the statistics
    c4 = case(at(9, 20), "P4")
    action = ev.CorrectiveActionRaised(producer="test", occurred_at=at(10, 26), action_id=str(uuid.uuid4()),
                                       case_id=c2.case_id, evaluation_id=str(uuid.uuid4()), criterion="advice_complete",
                                       officer_id="TGV-002", due_on=date(2026, 10, 28),
                                       required_evidence="Bổ sung văn bản tư vấn", raised_by="danhgia")
    events: list[ev.Event] = [
        officer("TGV-001", "Nguyễn Thành Nam", leader=True, branch="HQ", target=10.0),
        officer("TGV-002", "Nguyễn Kim Yến", leader=False, branch="CN-AN", target=20.0),
        notice("CA-GL:N-1", "CA-GL", at(10, 2)),
        notice("CA-GL:N-2", "CA-GL", at(10, 4), late=True, groups=("child",)),
        notice("VKS-GL:N-3", "VKS-GL", at(10, 6), groups=("child",), gender="female"),
        notice("CA-GL:N-1", "CA-GL", at(10, 2), revision=2),  # a corrected notice counts once
        notice("CA-GL:N-4", "CA-GL", at(9, 15)),
        ev.NoticeRejected(producer="test", rejection_id=str(uuid.uuid4()), agency_code="VKS-GL", notice_id="x",
                          received_at=at(10, 8), errors=[]),
        ev.MissedBeneficiaryDetected(producer="test", occurred_at=at(10, 9), missed_id=str(uuid.uuid4()),
                                     notice_key="VKS-GL:N-3", person_id="P3", agency_code="VKS-GL",
                                     reason="did_not_ask", groups=["child"], explanation="Trẻ em chưa yêu cầu"),
        ev.MissedBeneficiaryDetected(producer="test", occurred_at=at(9, 16), missed_id=str(uuid.uuid4()),
                                     notice_key="CA-GL:N-4", person_id="P4", agency_code="CA-GL",
                                     reason="request_passed_late", groups=[], explanation="Chuyển muộn"),
        c1, c2, c3, c4,
        ev.RequestRefused(producer="test", occurred_at=at(10, 10), request_id="R-1", agency_code="CA-GL",
                          ground="not_entitled", reason="Không thuộc diện"),
        assigned(c1, "TGV-001", at(10, 3, 10), leader=True),
        assigned(c2, "TGV-002", at(10, 5, 10), leader=False, weight=0.8),
        assigned(c3, "TGV-002", at(10, 7, 10), leader=False),
        assigned(c3, "TGV-001", at(10, 8, 10), leader=True, kind="override", previous="TGV-002"),
        ev.CaseClosed(producer="test", occurred_at=at(10, 20), case_id=c2.case_id, outcome="completed",
                      officer_id="TGV-002", form="advice", field="civil", result="advice_given"),
        ev.CaseEvaluated(producer="test", occurred_at=at(10, 25), case_id=c2.case_id, officer_id="TGV-002",
                         method="appraisal", rating="meets"),
        action,
    ]
    return events, {"c1": c1, "c2": c2, "c3": c3, "c4": c4}


async def _get(client, path: str, **params) -> dict:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def _live(client, expected_opened: int = 3) -> dict | None:
    figures = await _get(client, "/api/figures", **OCT)
    quality = await _get(client, "/api/quality", **OCT)
    totals = figures["totals"]
    done = (totals["cases_opened"] == expected_opened and totals["cases_evaluated"] == 1 and totals["cases_closed"] == 1
            and totals["requests_refused"] == 1 and len(figures["officers"]) == 2 and quality["actions"]["open"] == 1
            and figures["officers"][0]["active_cases"] == 2)
    return figures if done else None


async def test_every_figure_of_a_known_month(reporting, jetstream, nats_url, db_backend):
    host, client = reporting
    events, _ = october()
    await publish_all(jetstream, events)
    await publish_all(jetstream, events[2:6])  # redelivered events count once
    await harness.eventually(lambda: _live(client))

    report = await harness.request_report(nats_url, "2026-10-01", "2026-10-31")
    assert report["totals"] == {
        "notices_received": 3, "notices_rejected": 1, "cases_opened": 3, "requests_refused": 1,
        "cases_assigned": 3, "cases_closed": 1, "cases_evaluated": 1, "missed_beneficiaries": 1, "late_notices": 1}
    assert report["by_agency"] == [
        {"agency_code": "CA-GL", "notices": 2, "late": 1, "missed": 0, "refusals": 1},
        {"agency_code": "VKS-GL", "notices": 1, "late": 0, "missed": 1, "refusals": 0}]
    assert report["by_locality"] == [{"commune_code": "21583", "cases_opened": 2, "civil_cases_opened": 0},
                                     {"commune_code": "21910", "cases_opened": 1, "civil_cases_opened": 1}]
    assert report["by_field"] == [{"field": "civil", "cases_opened": 1}, {"field": "criminal", "cases_opened": 2}]
    assert report["by_group"] == [{"group": "disabled", "persons": 1}, {"group": "elderly", "persons": 1},
                                  {"group": "poor_household", "persons": 2}]
    # TGV-001 holds c1 and, after the override, c3; TGV-002 was given c2 (closed) and c3 (taken away).
    assert report["officers"] == [
        {"officer_id": "TGV-001", "is_leader": True, "active_cases": 2, "cases_assigned": 2, "quota_target": 10},
        {"officer_id": "TGV-002", "is_leader": False, "active_cases": 0, "cases_assigned": 2, "quota_target": 20}]

    statistics = report["statistics"]
    rows = {(r["field"], r["form"]): r for r in statistics["rows"]}
    assert set(rows) == {("criminal", "proceedings"), ("civil", "advice")}
    criminal, civil = rows[("criminal", "proceedings")], rows[("civil", "advice")]
    assert (criminal["persons"], criminal["male"], criminal["female"]) == (1, 1, 0)  # P1 twice is one person
    assert criminal["groups"]["poor_household"] == 1 and criminal["groups"]["child"] == 0
    assert (civil["persons"], civil["female"], civil["groups"]["disabled"], civil["groups"]["elderly"]) == (1, 1, 1, 1)
    assert statistics["total"]["persons"] == 2 and statistics["total"]["male"] == 1
    assert await _get(client, "/api/statistics", **OCT) == {"period": OCT, **statistics}

    council = await _get(client, "/api/council", months=2, **OCT)
    assert council["agencies"] == [
        {"agency_code": "CA-GL", "agency_name": "Công an tỉnh Gia Lai", "notices": 2, "on_time": 1, "late": 1,
         "late_share": 0.5, "missed": 0, "refusals": 1, "rejected": 0},
        {"agency_code": "VKS-GL", "agency_name": "Viện kiểm sát nhân dân tỉnh Gia Lai", "notices": 1, "on_time": 1,
         "late": 0, "late_share": 0.0, "missed": 1, "refusals": 0, "rejected": 1}]
    assert council["months"] == ["2026-09", "2026-10"]
    trend = {row["agency_code"]: row for row in council["trend"]}
    assert (trend["CA-GL"]["notices"], trend["CA-GL"]["late"], trend["CA-GL"]["missed"],
            trend["CA-GL"]["refusals"]) == ([1, 2], [0, 1], [1, 0], [0, 1])
    assert trend["VKS-GL"]["notices"] == [0, 1] and trend["VKS-GL"]["missed"] == [0, 1]

    coverage = await _get(client, "/api/coverage", as_of="2026-10-31")
    assert (coverage["since"], coverage["until"]) == ("2025-11-01", "2026-10-31")
    uncovered = {row["commune_code"] for row in coverage["communes_without_civil"]}
    assert "21910" not in uncovered and "21583" in uncovered and len(uncovered) == 57  # 58 demo communes
    assert {row["branch_code"] for row in coverage["branches_without_civil"]} == {"HQ", "CN-HN", "CN-PC"}
    groups = {row["group"]: row for row in coverage["groups"]}
    assert (groups["child"]["notices"], groups["child"]["cases"], groups["child"]["under_served"]) == (2, 0, True)
    assert (groups["poor_household"]["notice_share"], groups["poor_household"]["case_share"]) == (0.5, 0.75)
    assert groups["poor_household"]["under_served"] is False

    workload = await _get(client, "/api/workload", as_of="2026-10-31")
    officers = {row["officer_id"]: row for row in workload["officers"]}
    assert (officers["TGV-001"]["load"], officers["TGV-001"]["target"], officers["TGV-001"]["ratio"]) == (2.0, 10.0, 0.2)
    assert (officers["TGV-002"]["load"], officers["TGV-002"]["ratio"]) == (0.8, 0.04)
    assert officers["TGV-001"]["overrides_received"] == 1 and officers["TGV-001"]["active_cases"] == 2
    assert workload["groups"] == [
        {"group": "leaders", "officers": 1, "load": 2.0, "target": 10.0, "ratio": 0.2},
        {"group": "others", "officers": 1, "load": 0.8, "target": 20.0, "ratio": 0.04}]
    assert workload["decisions"] == {"total": 4, "initial": 3, "reassignment": 0, "override": 1,
                                     "approved_request": 0, "override_rate": 0.25}

    quality = await _get(client, "/api/quality", **OCT)
    assert (quality["evaluated"], quality["ratings"]) == (1, {"meets": 1})
    assert quality["officers"] == [{"officer_id": "TGV-002", "full_name": "Nguyễn Kim Yến", "evaluated": 1,
                                    "ratings": {"meets": 1}, "open_actions": 1, "overdue_actions": 1}]

    missed = await _get(client, "/api/missed", **OCT)
    assert (missed["total"], missed["by_reason"]) == (1, {"did_not_ask": 1})
    assert missed["by_agency"] == [{"agency_code": "VKS-GL", "agency_name": "Viện kiểm sát nhân dân tỉnh Gia Lai",
                                    "missed": 1}]
    assert missed["latest"][0]["groups"] == ["child"]


async def test_closed_periods_are_reported_once_and_late_events_correct_them(reporting, jetstream, nats_url, db_backend):
    host, client = reporting
    events, cases = october()
    await publish_all(jetstream, events)
    await harness.eventually(lambda: _live(client))

    # Five minutes after October closed, local time: September and October are due, nothing else.
    now = datetime(2026, 11, 1, 0, 10, tzinfo=VN)
    issued = await issue_closed_periods(host.uow, now, grace=timedelta(minutes=5))
    assert sorted((r.kind, str(r.period.start)) for r in issued) == [
        ("monthly", "2026-09-01"), ("monthly", "2026-10-01"), ("quarterly", "2026-07-01")]
    october_report = next(r for r in issued if r.report_id == "tgpl-monthly-2026-10-01-2026-10-31")
    assert october_report.revision == 1 and october_report.totals.cases_opened == 3
    assert await issue_closed_periods(host.uow, now, grace=timedelta(minutes=5)) == []
    assert await issue_closed_periods(host.uow, datetime(2026, 11, 1, 0, 2, tzinfo=VN),
                                      grace=timedelta(minutes=5)) == []
    assert await correct_reports(host.uow, NOW) == []  # the facts already counted change nothing
    # A province system asked for October ad hoc, and for November while it is still open.
    adhoc = await harness.request_report(nats_url, "2026-10-01", "2026-10-31")
    open_month = await harness.request_report(nats_url, "2026-11-01", "2026-11-30")
    assert (adhoc["revision"], open_month["revision"], open_month["totals"]["cases_opened"]) == (1, 1, 0)

    # A case opened on 30 October reaches reporting in November: October's reports are corrected;
    # a case opened in November changes the open month's ad hoc report only when asked again.
    late = case(at(10, 30), "P9", field="land", form="representation", gender="female")
    await publish_all(jetstream, [late, case(at(11, 1), "P10")])
    await harness.eventually(lambda: _live(client, expected_opened=4))
    await harness.eventually(lambda: _opened_in(client, "2026-11-01", "2026-11-30", 1))
    corrected = await correct_reports(host.uow, NOW)
    assert sorted((r.report_id, r.revision, r.totals.cases_opened) for r in corrected) == [
        ("tgpl-adhoc-2026-10-01-2026-10-31", 2, 4), ("tgpl-monthly-2026-10-01-2026-10-31", 2, 4)]
    assert await correct_reports(host.uow, NOW) == []
    again = await harness.request_report(nats_url, "2026-11-01", "2026-11-30")
    assert (again["report_id"], again["revision"], again["totals"]["cases_opened"]) == (open_month["report_id"], 2, 1)

    published = await harness.eventually(lambda: _reports_on(jetstream, subjects.REPORT_SUBJECTS["monthly"], 3))
    october_ids = [h["Nats-Msg-Id"] for _, h, body in published if body["period"]["start"] == "2026-10-01"]
    assert october_ids == ["tgpl-monthly-2026-10-01-2026-10-31:1", "tgpl-monthly-2026-10-01-2026-10-31:2"]
    listed = await _get(client, "/api/reports", kind="monthly")
    assert [(r["report_id"], r["revision"]) for r in listed] == [
        ("tgpl-monthly-2026-10-01-2026-10-31", 2), ("tgpl-monthly-2026-09-01-2026-09-30", 1)]
    stored = await _get(client, "/api/reports/tgpl-monthly-2026-10-01-2026-10-31")
    assert stored["revision"] == 2 and stored["statistics"]["total"]["persons"] == 3
    assert cases["c4"].case_id  # September's case is in September's report only
    september = await _get(client, "/api/reports/tgpl-monthly-2026-09-01-2026-09-30")
    assert september["totals"]["cases_opened"] == 1


async def _opened_in(client, start: str, end: str, n: int) -> bool:
    return (await _get(client, "/api/figures", start=start, end=end))["totals"]["cases_opened"] == n


async def _reports_on(js, subject: str, n: int):
    found = await harness.stream_messages(js, "TGPL_REPORTS", subject)
    return found if len(found) >= n else None


async def test_the_service_reports_closed_periods_by_itself(jetstream, nats_url, database_url, tmp_path, db_backend):
    host = build(_settings(nats_url, await database_url("reporting"), tmp_path, schedule_s=0.3, close_grace_s=0))
    async with harness.running(host):
        await publish_all(jetstream, [case(at(9, 10), "P1")])
        published = await harness.eventually(
            lambda: _reports_on(jetstream, subjects.REPORT_SUBJECTS["quarterly"], 1), timeout=20)
    quarter = [body for _, _, body in published if body["period"]["start"] == "2026-07-01"]
    assert quarter and quarter[0]["totals"]["cases_opened"] == 1 and quarter[0]["kind"] == "quarterly"
    monthly = await harness.stream_messages(jetstream, "TGPL_REPORTS", subjects.REPORT_SUBJECTS["monthly"])
    assert any(body["period"]["start"] == "2026-09-01" and body["totals"]["cases_opened"] == 1
               for _, _, body in monthly)


async def _snapshot(client) -> dict:
    sep_oct = {"start": "2026-09-01", "end": "2026-10-31"}
    return {
        "figures": await _get(client, "/api/figures", **OCT),
        "figures_two_months": await _get(client, "/api/figures", **sep_oct),
        "council": await _get(client, "/api/council", months=3, **sep_oct),
        "coverage": await _get(client, "/api/coverage", as_of="2026-10-31"),
        "workload": await _get(client, "/api/workload", as_of="2026-10-31"),
        "quality": await _get(client, "/api/quality", **OCT),
        "missed": await _get(client, "/api/missed", **sep_oct),
        "actions": await _get(client, "/api/corrective-actions", as_of="2026-11-01"),
    }


async def test_rebuilt_read_models_give_the_live_figures(reporting, jetstream, nats_url, db_backend):
    host, client = reporting
    events, _ = october()
    await publish_all(jetstream, events)
    await harness.eventually(lambda: _live(client))
    live = await _snapshot(client)
    issued = await issue_closed_periods(host.uow, datetime(2026, 11, 2, tzinfo=VN))

    progress: list[tuple[int, int]] = []
    nc = await nats.connect(nats_url)
    try:
        stats = await rebuild(host.uow, nc, batch=7, progress=lambda done, total: progress.append((done, total)))
    finally:
        await nc.close()
    assert stats.messages == len(events) and stats.events == len(events) and stats.unreadable == 0
    assert progress[-1] == (len(events), len(events)) and len(progress) >= len(events) // 7
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    assert await _snapshot(client) == live
    # Every issued report is recomputed from the rebuilt facts and found unchanged.
    assert await correct_reports(host.uow, NOW) == []
    listed = await _get(client, "/api/reports")
    assert {r["report_id"]: r["revision"] for r in listed} == {r.report_id: 1 for r in issued}


async def test_no_report_is_computed_while_the_read_models_are_rebuilt(reporting, jetstream, nats_url, db_backend):
    host, client = reporting
    await publish_all(jetstream, [case(at(9, 10), "P1")])
    await harness.eventually(lambda: _opened_in(client, "2026-09-01", "2026-09-30", 1))
    async with host.uow() as work:
        await work.facts.set_meta("rebuilding", "since test")
        await work.commit()
    answer = await harness.request_report(nats_url, "2026-09-01", "2026-09-30")
    assert "rebuilt" in answer["errors"][0]["message"]
    assert await issue_closed_periods(host.uow, NOW) == []
    assert await correct_reports(host.uow, NOW) == []
    async with host.uow() as work:
        await work.facts.set_meta("rebuilding", None)
        await work.commit()
    assert [r.report_id for r in await issue_closed_periods(host.uow, NOW)] == [
        "tgpl-monthly-2026-09-01-2026-09-30", "tgpl-monthly-2026-10-01-2026-10-31", "tgpl-quarterly-2026-07-01-2026-09-30"]


async def test_tgpl_rebuild_reporting_prints_progress_and_a_summary(jetstream, nats_url, database_url, tmp_path,
                                                                    monkeypatch, capsys, db_backend):
    import asyncio
    import json

    from deploy import cli

    url = await database_url("reporting")
    events, _ = october()
    await publish_all(jetstream, events)
    monkeypatch.setenv("TGPL_REPORTING_DATABASE_URL", url)
    code = await asyncio.to_thread(cli.main, ["rebuild", "reporting", "--nats-url", nats_url, "--batch", "10"])
    out, err = capsys.readouterr()
    assert code == 0
    summary = json.loads(out)
    assert (summary["messages"], summary["events"], summary["unreadable"]) == (len(events), len(events), 0)
    assert f"rebuild: {len(events):,}/{len(events):,}" in err  # the progress reached the end
    host = build(_settings(nats_url, url, tmp_path))
    async with host.uow() as work:
        from services.reporting.domain.reports import period_bounds

        figures = await work.figures.figures(*period_bounds(date(2026, 10, 1), date(2026, 10, 31), work.tz))
    await host.engine.dispose()
    assert figures["totals"]["cases_opened"] == 3 and figures["totals"]["notices_received"] == 3


async def test_a_rebuild_reads_events_as_the_outbox_sends_them_and_skips_unreadable_ones(
        reporting, jetstream, nats_url, db_backend):
    host, client = reporting
    events, _ = october()
    for event in events:  # as the services' outbox relays publish them: with the event type in a header
        await jetstream.publish(subjects.subject_of(type(event)), event.model_dump_json().encode(),
                                headers={"Nats-Msg-Id": event.event_id, "tgpl-event-type": event.type})
    await jetstream.publish(subjects.subject_of(ev.CaseOpened), b'{"case_id": 7}',
                            headers={"tgpl-event-type": ev.CaseOpened.TYPE})  # poison: dead-lettered live
    await harness.eventually(lambda: _live(client))
    live = await _snapshot(client)
    nc = await nats.connect(nats_url)
    try:
        stats = await rebuild(host.uow, nc, batch=4)
    finally:
        await nc.close()
    assert (stats.messages, stats.events, stats.unreadable) == (len(events) + 1, len(events), 1)
    assert await _snapshot(client) == live

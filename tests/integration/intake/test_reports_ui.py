"""The center's dashboards in the staff UI over the REAL reporting service (its own database, its
consumers on the test's nats-server, its HTTP app reached through httpx.ASGITransport).

The test publishes a known October 2026 of events on the streams, as intake, assignment and evaluation
would, waits until reporting has counted them, issues the closed months' reports, and reads every page:
the figures on the page are the ones reporting's API gives, and each table's CSV and XLSX download
holds the same numbers."""

from __future__ import annotations

import csv
import io
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser

import httpx
import pytest
from openpyxl import load_workbook

from deploy.local.nats_server import free_port
from services.intake.adapters.evaluation_api import EvaluationApi
from services.intake.adapters.reporting_api import UNAVAILABLE_MESSAGE, ReportingApi
from services.intake.entrypoints.report_views import cell
from services.reporting.bootstrap import build as build_reporting
from services.reporting.config import ReportingSettings
from services.reporting.entrypoints.web import build_web as build_reporting_web
from services.reporting.service_layer.handlers import issue_closed_periods
from shared import events as ev
from shared import subjects
from tests import harness
from tests.integration.intake.conftest import IntakeStack
from tests.integration.intake.test_assignment_ui import client_as, text_of

pytestmark = pytest.mark.integration

VN = timezone(timedelta(hours=7))
OCTOBER = {"kind": "month", "month": "2026-10"}
OCT = {"start": "2026-10-01", "end": "2026-10-31"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=VN)


@dataclass
class Dashboards:
    stack: IntakeStack
    reporting: httpx.AsyncClient  # reporting's own API: what the pages must show
    host: object


@pytest.fixture
async def dashboards(intake_stack, jetstream, nats_url, database_url, tmp_path) -> Dashboards:
    data_dir = tmp_path / "reporting"
    data_dir.mkdir()
    # No scheduler during the test: the test issues the closed periods itself, at a moment it chooses.
    settings = ReportingSettings(nats_url=nats_url, database_url=await database_url("reporting"), data_dir=data_dir,
                                 reference_dir=harness.DEMO_DATA, retry_delays_s=[0.2], schedule_s=3600)
    host = build_reporting(settings)
    async with harness.running(host):
        async with harness.http_client(host.asgi(build_reporting_web(host.uow))) as client:
            intake_stack.app.state.reporting = ReportingApi(str(client.base_url), client=client)
            # Evaluation is not running: criteria keep their codes (and nothing on this machine answers instead).
            intake_stack.app.state.evaluation = EvaluationApi(f"http://127.0.0.1:{free_port()}", timeout=2)
            yield Dashboards(intake_stack, client, host)


# --- a known October ------------------------------------------------------------------------------------


def notice(agency: str, when: datetime, *, late=False, groups=("poor_household",), gender="male") -> ev.NoticeReceived:
    return ev.NoticeReceived(
        producer="intake", occurred_at=when, notice_key=f"{agency}:N-{uuid.uuid4().hex[:8]}", revision=1,
        agency_code=agency, agency_kind="police" if agency.startswith("CA") else "procuracy", agency_known=True,
        sent_at=when, request_received_at=when - timedelta(hours=2), procedural_status="suspect",
        wants_legal_aid=True, field="criminal", commune_code="21583", commune_known=True, gender=gender,
        claimed_groups=list(groups), late=late)


def opened(when: datetime, person: str, *, field="criminal", form="proceedings", gender="male",
           groups=("poor_household",), commune="21583", branch="HQ") -> ev.CaseOpened:
    return ev.CaseOpened(producer="intake", occurred_at=when, case_id=str(uuid.uuid4()), register_no="1",
                         channel="agency_notice", field=field, commune_code=commune, branch_code=branch, gender=gender,
                         groups=list(groups), agency_code="CA-GL", person_id=person, form=form)


def assigned(case: ev.CaseOpened, officer_id: str, when: datetime, *, leader: bool, kind="initial",
             weight=1.0) -> ev.CaseAssigned:
    return ev.CaseAssigned(producer="assignment", occurred_at=when, case_id=case.case_id, officer_id=officer_id,
                           is_leader=leader, branch_code="HQ", rule="test", reason="Ít việc nhất", kind=kind,
                           weight=weight, decided_by="lanhdao" if kind == "override" else None)


def officer(officer_id: str, name: str, *, leader: bool, branch: str, target: float) -> ev.OfficerRegistered:
    return ev.OfficerRegistered(producer="assignment", occurred_at=at(1, 2), officer_id=officer_id, full_name=name,
                                branch_code=branch, is_leader=leader, fields=["criminal", "civil"],
                                appointed_on="2010-01-01", quota_target=round(target), yearly_target=target,
                                target_year=2026)


def october() -> list[ev.Event]:
    """Two officers; three notices (one late) and one in September, a rejected one, a missed child; three
    cases, one refusal, an override, a closed and evaluated case with a corrective action overdue."""
    c1 = opened(at(10, 3), "P1")
    c2 = opened(at(10, 5), "P2", field="civil", form="advice", gender="female", groups=("disabled",),
                commune="21910", branch="CN-AN")
    c3 = opened(at(10, 7), "P3")
    return [
        officer("TGV-001", "Nguyễn Thành Nam", leader=True, branch="HQ", target=10.0),
        officer("TGV-002", "Nguyễn Kim Yến", leader=False, branch="CN-AN", target=4.0),
        notice("CA-GL", at(9, 15)),  # September: its month and the third quarter are reported too
        notice("CA-GL", at(10, 2)),
        notice("CA-GL", at(10, 4), late=True, groups=("child",)),
        notice("VKS-GL", at(10, 6), groups=("child",), gender="female"),
        ev.NoticeRejected(producer="intake", rejection_id=str(uuid.uuid4()), agency_code="VKS-GL", notice_id="x",
                          received_at=at(10, 8), errors=[]),
        ev.MissedBeneficiaryDetected(producer="intake", occurred_at=at(10, 9), missed_id=str(uuid.uuid4()),
                                     notice_key="VKS-GL:N-3", person_id="P9", agency_code="VKS-GL",
                                     reason="did_not_ask", groups=["child"], explanation="Trẻ em chưa yêu cầu"),
        c1, c2, c3,
        ev.RequestRefused(producer="intake", occurred_at=at(10, 10), request_id="R-1", agency_code="CA-GL",
                          ground="not_entitled", reason="Không thuộc diện"),
        assigned(c1, "TGV-001", at(10, 3, 10), leader=True),
        assigned(c2, "TGV-002", at(10, 5, 10), leader=False, weight=0.8),
        assigned(c3, "TGV-002", at(10, 7, 10), leader=False),
        assigned(c3, "TGV-001", at(10, 8, 10), leader=True, kind="override"),
        ev.CaseClosed(producer="intake", occurred_at=at(10, 20), case_id=c2.case_id, outcome="completed",
                      officer_id="TGV-002", form="advice", field="civil", result="advice_given"),
        ev.CaseEvaluated(producer="evaluation", occurred_at=at(10, 25), case_id=c2.case_id, officer_id="TGV-002",
                         method="appraisal", rating="meets"),
        ev.CorrectiveActionRaised(producer="evaluation", occurred_at=at(10, 26), action_id=str(uuid.uuid4()),
                                  case_id=c2.case_id, evaluation_id=str(uuid.uuid4()), criterion="advice_complete",
                                  officer_id="TGV-002", due_on=date(2026, 10, 28),
                                  required_evidence="Bổ sung văn bản tư vấn", raised_by="danhgia"),
    ]


async def api(d: Dashboards, path: str, **params) -> dict:
    response = await d.reporting.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def counted(d: Dashboards) -> dict | None:
    figures = await api(d, "/api/figures", **OCT)
    quality = await api(d, "/api/quality", **OCT)
    t = figures["totals"]
    done = (t["cases_opened"] == 3 and t["cases_assigned"] == 3 and t["cases_evaluated"] == 1
            and t["notices_received"] == 3 and t["notices_rejected"] == 1 and t["missed_beneficiaries"] == 1
            and t["requests_refused"] == 1 and len(figures["officers"]) == 2 and quality["actions"]["open"] == 1)
    return figures if done else None


@pytest.fixture
async def known_october(dashboards, jetstream) -> Dashboards:
    for event in october():
        await harness.publish(jetstream, subjects.subject_of(type(event)), event.model_dump_json().encode(),
                              event.event_id)
    await harness.eventually(lambda: counted(dashboards), timeout=30)
    # Ten minutes after October closed: September (empty), October and the third quarter are issued.
    await issue_closed_periods(dashboards.host.uow, datetime(2026, 11, 1, 0, 10, tzinfo=VN),
                               grace=timedelta(minutes=5))
    return dashboards


# --- reading pages and downloads ------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Each report table's heading and rows (cell texts), by its section's id (`bang-<key>`)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.section: str | None = None
        self.row: list[str] | None = None
        self.text: list[str] | None = None
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and (attrs.get("id") or "").startswith("bang-"):
            self.section = attrs["id"].removeprefix("bang-")
            self.tables[self.section] = []
        elif self.section and tag == "tr":
            self.row = []
        elif self.row is not None and tag in ("td", "th"):
            self.text = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.text is not None:
            self.row.append(" ".join("".join(self.text).split()))
            self.text = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.section].append(self.row)
            self.row = None
        elif tag == "section":
            self.section = None

    def handle_data(self, data):
        if self.text is not None:
            self.text.append(data)


def tables_of(page: httpx.Response) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(page.text)
    return parser.tables


def charts_of(page: httpx.Response) -> list[ET.Element]:
    """Every inline SVG chart, parsed as XML (so each is well-formed)."""
    found, start = [], 0
    while (begin := page.text.find("<svg", start)) >= 0:
        end = page.text.index("</svg>", begin) + len("</svg>")
        found.append(ET.fromstring(page.text[begin:end]))
        start = end
    return found


async def csv_of(client: httpx.AsyncClient, path: str, table: str, **params) -> list[list[str]]:
    response = await client.get(path, params={**OCTOBER, **params, "table": table, "format": "csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


async def xlsx_of(client: httpx.AsyncClient, path: str, table: str, **params) -> list[list]:
    response = await client.get(path, params={**OCTOBER, **params, "table": table, "format": "xlsx"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


async def downloads_agree(client: httpx.AsyncClient, path: str, table: str, page_rows: list[list[str]],
                          **params) -> tuple[list[list[str]], list[list]]:
    """The CSV and the XLSX of a table hold the page's rows: same heading, same cells (numbers as numbers)."""
    from_csv = await csv_of(client, path, table, **params)
    from_xlsx = await xlsx_of(client, path, table, **params)
    assert from_csv[0] == page_rows[0] and from_xlsx[0] == page_rows[0]
    assert len(from_csv) == len(from_xlsx) == len(page_rows) or (len(page_rows) == 2 and len(from_csv) == 1)
    for csv_row, xlsx_row in zip(from_csv[1:], from_xlsx[1:]):
        assert [("" if v is None else v) for v in xlsx_row] == [
            (float(v) if "." in v else int(v)) if v.replace(".", "", 1).isdigit() else v for v in csv_row]
    return from_csv, from_xlsx


# --- the pages ------------------------------------------------------------------------------------------


async def test_the_overview_shows_the_periods_totals_and_the_issued_reports(known_october, db_backend):
    d = known_october
    leader = await client_as(d.stack, "leader", officer_id="TGV-001")
    home = await leader.get("/cases")
    assert 'href="/reports">Báo cáo thống kê</a>' in home.text

    page = await leader.get("/reports", params=OCTOBER)
    assert page.status_code == 200
    text = text_of(page)
    assert "Kỳ báo cáo: Tháng 10/2026 (01/10/2026 – 31/10/2026)" in text
    figures = await api(d, "/api/figures", **OCT)
    tables = tables_of(page)
    totals = {row[0]: row[1] for row in tables["totals"][1:]}
    assert totals["Vụ việc đã thụ lý"] == "3" and totals["Thông báo chuyển quá thời hạn"] == "1"
    assert totals["Người được trợ giúp bị bỏ sót"] == "1" and len(totals) == len(figures["totals"])
    from_csv, _ = await downloads_agree(leader, "/reports", "totals", tables["totals"])
    assert {row[0]: int(row[1]) for row in from_csv[1:]}["Vụ việc đã thụ lý"] == figures["totals"]["cases_opened"]

    issued = {(row[0], row[1], row[2]): row for row in tables["reports"][1:]}
    assert ("Báo cáo tháng", "01/10/2026", "31/10/2026") in issued
    assert ("Báo cáo quý", "01/07/2026", "30/09/2026") in issued
    assert issued[("Báo cáo tháng", "01/10/2026", "31/10/2026")][3] == "1"  # first revision
    listed = await api(d, "/api/reports")
    assert len(tables["reports"]) - 1 == len(listed)

    current = await leader.get("/reports")
    today = datetime.now(VN).date()
    assert current.status_code == 200 and f"Tháng {today:%m/%Y}" in text_of(current), "the current month by default"
    wrong = await leader.get("/reports", params={"kind": "custom", "start": "2026-10-31", "end": "2026-10-01"})
    assert wrong.status_code == 422 and "Ngày kết thúc phải sau hoặc trùng ngày bắt đầu." in text_of(wrong)


async def test_the_statistics_table_in_words_with_both_downloads(known_october, db_backend):
    d = known_october
    evaluator = await client_as(d.stack, "evaluator")
    page = await evaluator.get("/reports/statistics", params=OCTOBER)
    assert page.status_code == 200
    stats = await api(d, "/api/statistics", **OCT)
    rows = tables_of(page)["statistics"]
    heading = rows[0]
    assert heading[:6] == ["Lĩnh vực", "Hình thức trợ giúp pháp lý", "Số người được trợ giúp", "Nam", "Nữ",
                           "Giới tính khác"]
    assert "Người thuộc hộ nghèo" in heading and "Trẻ em" in heading and "Người khuyết tật" in heading
    by_row = {(r[0], r[1]): r for r in rows[1:]}
    criminal, civil, total = by_row[("Hình sự", "Tham gia tố tụng")], by_row[("Dân sự", "Tư vấn pháp luật")], rows[-1]
    assert criminal[2:6] == ["2", "2", "0", "0"] and civil[2:6] == ["1", "0", "1", "0"]
    assert total[0] == "Tổng cộng" and total[2] == str(stats["total"]["persons"]) == "3"
    poor, child, disabled = (heading.index(g) for g in ("Người thuộc hộ nghèo", "Trẻ em", "Người khuyết tật"))
    assert (criminal[poor], criminal[child], civil[disabled], total[disabled]) == ("2", "0", "1", "1")

    from_csv, from_xlsx = await downloads_agree(evaluator, "/reports/statistics", "statistics", rows)
    assert from_xlsx[-1][:3] == ["Tổng cộng", None, 3] and isinstance(from_xlsx[1][2], int)
    assert from_csv[-1][:3] == ["Tổng cộng", "", "3"]
    workbook = await evaluator.get("/reports/statistics", params={**OCTOBER, "table": "statistics", "format": "xlsx"})
    assert workbook.headers["content-disposition"] == \
        'attachment; filename="reports-statistics-statistics-2026-10.xlsx"'
    assert load_workbook(io.BytesIO(workbook.content)).active.title == "Biểu 24 BTP TGPL  Số người được"


async def test_the_council_page_per_agency_with_charts_and_the_trend(known_october, db_backend):
    d = known_october
    clerk = await client_as(d.stack, "clerk")
    page = await clerk.get("/reports/council", params=OCTOBER)
    assert page.status_code == 200
    council = await api(d, "/api/council", **OCT, months=12)
    tables = tables_of(page)
    rows = {r[0]: r for r in tables["agencies"][1:]}
    assert rows["CA-GL"] == ["CA-GL", "Công an tỉnh Gia Lai", "2", "1", "1", "50,0%", "0", "1", "0"]
    assert rows["VKS-GL"][1:] == ["Viện kiểm sát nhân dân tỉnh Gia Lai", "1", "1", "0", "0,0%", "1", "0", "1"]
    assert len(rows) == len(council["agencies"])
    from_csv, from_xlsx = await downloads_agree(clerk, "/reports/council", "agencies", tables["agencies"])
    ca = next(r for r in from_xlsx if r[0] == "CA-GL")
    assert ca[2:] == [2, 1, 1, 0.5, 0, 1, 0], "the share stays a number (0.5), shown as 50,0%"

    charts = charts_of(page)
    assert len(charts) == 2 and all(c.get("role") == "img" and c.get("aria-label") for c in charts)
    svg = "{http://www.w3.org/2000/svg}"
    bars = [e for e in charts[0].iter(f"{svg}rect") if e.get("class") == "bar"]
    assert len(bars) == 4 * len(council["agencies"])
    points = [e for e in charts[1].iter(f"{svg}circle") if e.get("class") == "point"]
    assert len(points) == 4 * 12, "four series over twelve months"

    trend = tables["trend"]
    assert len(trend) == 13 and trend[-1][0] == "10/2026" and trend[-1][1:] == ["3", "1", "1", "1"]
    assert trend[1][0] == "11/2025"
    await downloads_agree(clerk, "/reports/council", "trend", trend)
    one = await clerk.get("/reports/council", params={**OCTOBER, "agency": "VKS-GL"})
    one_trend = tables_of(one)["trend"]
    assert one_trend[-1][1:] == ["1", "0", "1", "0"]
    assert "Viện kiểm sát nhân dân tỉnh Gia Lai" in text_of(one)
    downloaded = await csv_of(clerk, "/reports/council", "trend", agency="VKS-GL")
    assert downloaded[-1] == ["10/2026", "1", "0", "1", "0"], "the download keeps the agency chosen"


async def test_coverage_marks_the_under_served_groups_and_lists_communes(known_october, db_backend):
    d = known_october
    leader = await client_as(d.stack, "leader")
    page = await leader.get("/reports/coverage", params=OCTOBER)
    assert page.status_code == 200
    coverage = await api(d, "/api/coverage", as_of="2026-10-31")
    text = text_of(page)
    assert "số liệu tính đến ngày 31/10/2026" in text and "từ 01/11/2025 đến 31/10/2026" in text
    groups = tables_of(page)["groups"]
    child = next(r for r in groups if r[0] == "Trẻ em")
    assert child[-1] == "Có" and "Nhóm chưa được trợ giúp tương xứng: Trẻ em" in text
    row_html = page.text[page.text.index('id="bang-groups"'):]
    assert '<tr class="highlight"><td class="text">Trẻ em</td>' in row_html
    assert len(groups) - 1 == len(coverage["groups"])
    communes = tables_of(page)["communes"]
    assert len(communes) - 1 == len(coverage["communes_without_civil"]) and len(communes) > 10
    assert "21910" not in {r[0] for r in communes[1:]}, "the commune with a civil case is served"
    await downloads_agree(leader, "/reports/coverage", "groups", groups)
    from_csv = await csv_of(leader, "/reports/coverage", "communes")
    assert len(from_csv) == len(communes)
    branches = tables_of(page)["branches"]
    assert {r[0] for r in branches[1:]} >= {b["name"] for b in coverage["branches"]}
    assert len(charts_of(page)) == 1


async def test_workload_against_target_with_the_one_marker(known_october, db_backend):
    d = known_october
    leader = await client_as(d.stack, "leader")
    page = await leader.get("/reports/workload", params=OCTOBER)
    assert page.status_code == 200
    workload = await api(d, "/api/workload", as_of="2026-10-31")
    officers = {r[0]: r for r in tables_of(page)["officers"][1:]}
    assert set(officers) == {o["officer_id"] for o in workload["officers"]}
    nam, yen = officers["TGV-001"], officers["TGV-002"]
    assert nam[1:7] == ["Nguyễn Thành Nam", "Trụ sở Trung tâm (Quy Nhơn)", "Có", "Có", "2", "2"]
    assert nam[7:] == ["2,00", "10,00", "0,20", "1"]
    assert yen[5:10] == ["1", "0", "0,80", "4,00", "0,20"]
    svg = "{http://www.w3.org/2000/svg}"
    chart = charts_of(page)[0]
    assert len([e for e in chart.iter(f"{svg}rect") if "bar" in (e.get("class") or "")]) == 2
    assert [g for g in chart.iter(f"{svg}g") if g.get("class") == "reference"], "the 1.0 marker"
    groups = tables_of(page)["groups"]
    assert [r[0] for r in groups[1:]] == ["Lãnh đạo", "Người thực hiện khác"]
    decisions = {r[0]: r[1] for r in tables_of(page)["decisions"][1:]}
    assert decisions["Lãnh đạo giao khác đề xuất"] == "1" and decisions["Tổng số quyết định"] == "4"
    assert f"Tỷ lệ lãnh đạo giao khác đề xuất của quy tắc: {cell(workload['decisions']['override_rate'], 'share')}" \
        in text_of(page)
    _, from_xlsx = await downloads_agree(leader, "/reports/workload", "officers", tables_of(page)["officers"])
    assert next(r for r in from_xlsx if r[0] == "TGV-002")[5:10] == [1, 0, 0.8, 4.0, 0.2]


async def test_quality_and_missed_people(known_october, db_backend):
    d = known_october
    evaluator = await client_as(d.stack, "evaluator")
    page = await evaluator.get("/reports/quality", params=OCTOBER)
    assert page.status_code == 200
    tables = tables_of(page)
    assert {r[0]: r[1] for r in tables["ratings"][1:]}["Đạt chất lượng"] == "1"
    yen = next(r for r in tables["officers"][1:] if r[0] == "TGV-002")
    assert yen == ["TGV-002", "Nguyễn Kim Yến", "1", "0", "1", "0", "1", "1"]
    assert tables["actions"][1] == ["1", "1", "0", "0"]
    assert tables["actions_by_criterion"][1][0] == "advice_complete", "the code when evaluation does not answer"
    await downloads_agree(evaluator, "/reports/quality", "officers", tables["officers"])

    page = await evaluator.get("/reports/missed", params=OCTOBER)
    assert page.status_code == 200
    tables = tables_of(page)
    assert tables["by_reason"][1:] == [["Thuộc diện được trợ giúp nhưng chưa yêu cầu", "1"]]
    assert tables["by_agency"][1:] == [["VKS-GL", "Viện kiểm sát nhân dân tỉnh Gia Lai", "1"]]
    assert tables["latest"][1] == ["09/10/2026 09:00", "Viện kiểm sát nhân dân tỉnh Gia Lai",
                                   "Thuộc diện được trợ giúp nhưng chưa yêu cầu", "Trẻ em"]
    assert "Trong kỳ: 1 người." in text_of(page)
    await downloads_agree(evaluator, "/reports/missed", "latest", tables["latest"])
    assert len(charts_of(page)) == 2


# --- who sees what --------------------------------------------------------------------------------------


async def test_an_officer_sees_only_their_own_workload_and_others_without_the_right_are_refused(
        known_october, db_backend):
    d = known_october
    officer = await client_as(d.stack, "officer", officer_id="TGV-002")
    home = await officer.get("/cases")
    assert 'href="/reports/workload">Tải công việc của tôi</a>' in home.text
    assert 'href="/reports">' not in home.text
    own = await officer.get("/reports/workload", params=OCTOBER)
    assert own.status_code == 200
    tables = tables_of(own)
    assert [r[0] for r in tables["officers"][1:]] == ["TGV-002"] and set(tables) == {"officers"}
    branch = tables["officers"][1][2]
    assert await csv_of(officer, "/reports/workload", "officers") == [
        tables["officers"][0], ["TGV-002", "Nguyễn Kim Yến", branch, "Không", "Có", "1", "0", "0.8", "4.0", "0.2", "0"]]
    refused = await officer.get("/reports/workload", params={**OCTOBER, "table": "groups", "format": "csv"})
    assert refused.status_code == 404, "the tables an officer does not see do not download either"
    for path in ("/reports", "/reports/statistics", "/reports/council", "/reports/coverage", "/reports/quality",
                 "/reports/missed"):
        assert (await officer.get(path, params=OCTOBER)).status_code == 403, path

    clerk = await client_as(d.stack, "clerk")
    workload = tables_of(await clerk.get("/reports/workload", params=OCTOBER))
    assert workload["officers"][1:] == [["Không có số liệu trong kỳ này."]], "no officer's row for a clerk"
    assert "groups" in workload and "decisions" in workload
    quality = tables_of(await clerk.get("/reports/quality", params=OCTOBER))
    assert "officers" not in quality and "ratings" in quality

    no_entry = await client_as(d.stack, "officer")  # an officer account without a roster entry
    assert (await no_entry.get("/reports/workload")).status_code == 403


async def test_reporting_down_is_said_in_vietnamese_and_the_page_keeps_its_layout(dashboards, db_backend):
    d = dashboards
    d.stack.app.state.reporting = ReportingApi(f"http://127.0.0.1:{free_port()}", timeout=2)
    leader = await client_as(d.stack, "leader")
    for path in ("/reports", "/reports/council", "/reports/workload", "/reports/statistics"):
        page = await leader.get(path)
        assert page.status_code == 503, path
        text = text_of(page)
        assert UNAVAILABLE_MESSAGE in text and "Báo cáo thống kê" in text and "Xem số liệu" in text, path
    download = await leader.get("/reports/council", params={"table": "agencies", "format": "csv"})
    assert download.status_code == 503 and UNAVAILABLE_MESSAGE in text_of(download)

"""What the report pages show, from answers shaped as docs/reporting.md says: the tables (which the
downloads hold too) in Vietnamese, the officer's own row, the under-served groups marked."""

from zoneinfo import ZoneInfo

from services.intake.entrypoints import report_views as views

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
GROUPS = {"poor_household": "Người thuộc hộ nghèo", "child": "Trẻ em"}


def group(code: str) -> str:
    return GROUPS.get(code, code)


def column(table, key):
    return [row.get(key) for row in table.rows]


def test_cells_are_shown_the_vietnamese_way():
    assert [views.cell(v, k) for v, k in [(0.2, "share"), (4.8, "decimal"), (1234, "number"), (None, "number"),
                                          (True, "text"), ("", "text")]] == ["20,0%", "4,80", "1.234", "—", "Có", "—"]


def test_the_statistics_table_labels_fields_forms_and_groups_and_ends_with_the_total():
    table = views.statistics_table({
        "groups": ["poor_household", "child"],
        "rows": [{"field": "criminal", "form": "proceedings", "persons": 12, "male": 9, "female": 3, "other_sex": 0,
                  "groups": {"poor_household": 4, "child": 1}},
                 {"field": "civil", "form": "advice", "persons": 2, "male": 0, "female": 2, "other_sex": 0,
                  "groups": {}}],
        "total": {"persons": 14, "male": 9, "female": 5, "other_sex": 0, "groups": {"poor_household": 4, "child": 1}},
    }, group)
    assert [c.label for c in table.columns] == ["Lĩnh vực", "Hình thức trợ giúp pháp lý", "Số người được trợ giúp",
                                                "Nam", "Nữ", "Giới tính khác", "Người thuộc hộ nghèo", "Trẻ em"]
    assert [table.values(r) for r in table.rows] == [
        ["Hình sự", "Tham gia tố tụng", 12, 9, 3, 0, 4, 1], ["Dân sự", "Tư vấn pháp luật", 2, 0, 2, 0, 0, 0],
        ["Tổng cộng", "", 14, 9, 5, 0, 4, 1]]
    assert table.rows[-1]["_total"]


def test_council_tables_sum_the_trend_over_agencies_or_show_one():
    council = {"agencies": [{"agency_code": "CA-GL", "notices": 10, "on_time": 8, "late": 2, "late_share": 0.2,
                             "missed": 1, "refusals": 0, "rejected": 1}],
               "months": ["2026-09", "2026-10"],
               "trend": [{"agency_code": "CA-GL", "notices": [3, 7], "late": [0, 2], "missed": [0, 1],
                          "refusals": [0, 0]},
                         {"agency_code": "VKS-GL", "notices": [1, 0], "late": [1, 0], "missed": [0, 0],
                          "refusals": [1, 0]}]}
    names = {"CA-GL": "Công an tỉnh Gia Lai", "VKS-GL": "Viện kiểm sát nhân dân tỉnh Gia Lai"}
    tables = views.council_tables(council, names)
    assert column(tables["agencies"], "agency_name") == ["Công an tỉnh Gia Lai"], "the name when reporting has none"
    assert [tables["trend"].values(r) for r in tables["trend"].rows] == [
        ["09/2026", 4, 1, 0, 1], ["10/2026", 7, 2, 1, 0]]
    assert [tables["notices_by_month"].values(r) for r in tables["notices_by_month"].rows] == [
        ["CA-GL", "Công an tỉnh Gia Lai", 3, 7], ["VKS-GL", "Viện kiểm sát nhân dân tỉnh Gia Lai", 1, 0]]
    one = views.council_tables(council, names, agency="VKS-GL")["trend"]
    assert column(one, "notices") == [1, 0] and one.title.endswith("Viện kiểm sát nhân dân tỉnh Gia Lai")
    charts = views.council_charts(tables)
    assert "Công an tỉnh Gia Lai" in charts["agencies"] and "10/2026" in charts["trend"]


def test_under_served_groups_and_branches_with_communes_without_civil_cases_stand_out():
    tables = views.coverage_tables({
        "communes_without_civil": [{"commune_code": "21583", "name": "Phường Quy Nhơn", "branch_code": "HQ"}],
        "branches_without_civil": [],
        "branches": [{"branch_code": "HQ", "name": "Trụ sở", "communes": 13, "communes_without_civil": 4,
                      "civil_cases": 9},
                     {"branch_code": "CN-AN", "communes": 5, "communes_without_civil": 0, "civil_cases": 2}],
        "groups": [{"group": "child", "notices": 12, "notice_share": 0.1, "cases": 3, "case_share": 0.04,
                    "under_served": True},
                   {"group": "poor_household", "notices": 5, "notice_share": 0.05, "cases": 5, "case_share": 0.07,
                    "under_served": False}]}, {"HQ": "Trụ sở", "CN-AN": "Chi nhánh An Nhơn"}, group)
    assert tables["communes"].values(tables["communes"].rows[0]) == ["21583", "Phường Quy Nhơn", "Trụ sở"]
    assert column(tables["branches"], "name") == ["Trụ sở", "Chi nhánh An Nhơn"]
    assert column(tables["branches"], "_highlight") == [True, False]
    assert column(tables["groups"], "group") == ["Trẻ em", "Người thuộc hộ nghèo"]
    assert column(tables["groups"], "_highlight") == [True, False]
    assert tables["branches_without"].rows == []


def test_workload_shows_one_officer_their_own_row_and_decisions_in_words():
    workload = {"officers": [
        {"officer_id": "TGV-001", "full_name": "Nguyễn Thị Mai", "branch_code": "HQ", "is_leader": True,
         "active_cases": 3, "load": 4.8, "target": 3.5, "ratio": 1.37, "overrides_received": 1},
        {"officer_id": "TGV-004", "full_name": "Lê Văn Bốn", "branch_code": "HQ", "is_leader": False,
         "active_cases": 1, "load": 1.0, "target": None, "ratio": None, "overrides_received": 0}],
        "groups": [{"group": "leaders", "officers": 1, "load": 4.8, "target": 3.5, "ratio": 1.37}],
        "decisions": {"total": 12, "initial": 10, "reassignment": 1, "override": 1, "approved_request": 0,
                      "override_rate": 0.083}}
    every = views.workload_tables(workload, {"HQ": "Trụ sở"})
    assert column(every["officers"], "officer_id") == ["TGV-001", "TGV-004"]
    assert column(every["officers"], "_highlight") == [True, False], "over the target stands out"
    assert column(views.workload_tables(workload, {}, "TGV-004")["officers"], "officer_id") == ["TGV-004"]
    assert views.workload_tables(workload, {}, "")["officers"].rows == [], "no roster entry, no row"
    assert column(every["groups"], "group") == ["Lãnh đạo"]
    assert [every["decisions"].values(r) for r in every["decisions"].rows] == [
        ["Theo quy tắc", 10], ["Lãnh đạo giao khác đề xuất", 1], ["Duyệt đề nghị nhận vụ việc", 0],
        ["Phân công lại", 1], ["Tổng số quyết định", 12]]
    chart = views.workload_chart(every["officers"])
    assert "Chỉ tiêu = 1" in chart and chart.count('class="bar') == 1, "no bar without a target"


def test_quality_hides_officers_rows_from_those_who_may_not_see_them():
    quality = {"ratings": {"very_good": 2, "meets": 5, "fails": 1},
               "officers": [{"officer_id": "TGV-001", "full_name": "Nguyễn Thị Mai", "evaluated": 3, "very_good": 1,
                             "meets": 2, "fails": 0, "open_actions": 1, "overdue_actions": 1}],
               "actions": {"open": 1, "overdue": 1, "closed": 0, "closed_late": 0,
                           "by_criterion": [{"criterion": "result_recorded", "open": 1, "overdue": 1, "closed": 0,
                                             "closed_late": 0}]}}
    tables = views.quality_tables(quality, {"result_recorded": "Ghi nhận kết quả"}.get)
    assert [tables["ratings"].values(r) for r in tables["ratings"].rows] == [
        ["Tốt", 2], ["Đạt chất lượng", 5], ["Không đạt chất lượng", 1]]
    assert tables["officers"].values(tables["officers"].rows[0]) == ["TGV-001", "Nguyễn Thị Mai", 3, 1, 2, 0, 1, 1]
    assert column(tables["actions_by_criterion"], "criterion") == ["Ghi nhận kết quả"]
    assert "officers" not in views.quality_tables(quality, str, officer_rows=False)
    nested = {**quality, "officers": [{"officer_id": "TGV-002", "full_name": "Nguyễn Kim Yến", "evaluated": 1,
                                       "ratings": {"meets": 1}, "open_actions": 0, "overdue_actions": 0}]}
    officers = views.quality_tables(nested, str)["officers"]
    assert officers.values(officers.rows[0]) == ["TGV-002", "Nguyễn Kim Yến", 1, 0, 1, 0, 0, 0], "as reporting sends it"


def test_missed_people_by_reason_and_agency_in_words_with_local_times():
    tables = views.missed_tables({
        "total": 2, "by_reason": {"did_not_ask": 1, "not_accepted_in_time": 1},
        "by_agency": [{"agency_code": "CA-GL", "missed": 1}],
        "latest": [{"missed_id": "m1", "agency_code": "", "reason": "not_accepted_in_time", "groups": ["child"],
                    "at": "2026-10-15T02:00:00+00:00"}]}, {"CA-GL": "Công an tỉnh Gia Lai"}, group, ZONE)
    assert [tables["by_reason"].values(r) for r in tables["by_reason"].rows] == [
        ["Thuộc diện được trợ giúp nhưng chưa yêu cầu", 1], ["Trung tâm chưa thụ lý kịp thời hạn", 1]]
    assert tables["by_agency"].values(tables["by_agency"].rows[0]) == ["CA-GL", "Công an tỉnh Gia Lai", 1]
    assert tables["latest"].values(tables["latest"].rows[0]) == [
        "15/10/2026 09:00", "Trung tâm (quá hạn thụ lý)", "Trung tâm chưa thụ lý kịp thời hạn", "Trẻ em"]


def test_totals_and_issued_reports_in_words():
    totals = views.totals_table({"totals": {"cases_opened": 2, "notices_received": 3, "new_figure": 1}})
    assert [totals.values(r) for r in totals.rows] == [
        ["Thông báo của cơ quan tiến hành tố tụng đã nhận", 3], ["Vụ việc đã thụ lý", 2], ["new_figure", 1]]
    reports = views.reports_table([{"report_id": "tgpl-monthly-2026-10-01-2026-10-31", "kind": "monthly",
                                    "period": {"start": "2026-10-01", "end": "2026-10-31"}, "revision": 2,
                                    "generated_at": "2026-10-31T17:05:00+00:00"}], ZONE)
    assert reports.values(reports.rows[0]) == ["Báo cáo tháng", "01/10/2026", "31/10/2026", 2, "01/11/2026 00:05",
                                               "tgpl-monthly-2026-10-01-2026-10-31"]

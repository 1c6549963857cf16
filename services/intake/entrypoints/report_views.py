"""What each report page shows, built from reporting's answers (docs/reporting.md): the tables (the
same ones the CSV and XLSX downloads hold) and the charts drawn from them, in Vietnamese. Pure: no
I/O, the caller passes the service's JSON and the names it knows."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from services.intake.entrypoints import charts, labels
from services.intake.entrypoints.exports import DECIMAL, NUMBER, NO, SHARE, TEXT, YES, Column, Table

Label = Callable[[str], str]


def cell(value: Any, kind: str = TEXT) -> str:
    """A value as the page shows it: Vietnamese numbers and percentages, a dash for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return YES if value else NO
    if kind == SHARE and isinstance(value, (int, float)):
        return f"{value * 100:.1f}".replace(".", ",") + "%"
    if kind == DECIMAL and isinstance(value, (int, float)):
        return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    if isinstance(value, (int, float)):
        return charts.format_number(value)
    return str(value)


def share_format(value: float | None) -> str:
    return cell(value, SHARE)


def _label(mapping: Mapping[str, str]) -> Label:
    return lambda code: mapping.get(code, code)


def month_label(month: str) -> str:
    """"2026-11" as staff read it: "11/2026"."""
    year, _, number = month.partition("-")
    return f"{number}/{year}" if number else month


def local_time(moment: str | None, zone: ZoneInfo) -> str:
    if not moment:
        return ""
    return datetime.fromisoformat(moment).astimezone(zone).strftime("%d/%m/%Y %H:%M")


def day_label(day: str | None) -> str:
    """"2026-11-26" as "26/11/2026"."""
    if not day:
        return ""
    year, month, rest = day[:10].split("-")
    return f"{rest}/{month}/{year}"


# --- overview ------------------------------------------------------------------------------------------


def totals_table(figures: Mapping[str, Any]) -> Table:
    """The totals of the period, in the usual order, then any figure reporting added since."""
    totals = figures.get("totals") or {}
    order = [k for k in labels.REPORT_TOTAL_LABELS if k in totals] + sorted(
        k for k in totals if k not in labels.REPORT_TOTAL_LABELS)
    return Table("totals", "Tổng hợp số liệu trong kỳ",
                 (Column("figure", "Chỉ tiêu"), Column("value", "Số lượng", NUMBER)),
                 [{"figure": labels.REPORT_TOTAL_LABELS.get(k, k), "value": totals[k], "code": k} for k in order])


def reports_table(reports: Sequence[Mapping[str, Any]], zone: ZoneInfo) -> Table:
    """Reports issued to the province, newest period first."""
    rows = []
    for report in reports:
        period = report.get("period") or {}
        rows.append({"kind": labels.REPORT_KIND_LABELS.get(report.get("kind", ""), report.get("kind")),
                     "start": day_label(period.get("start")), "end": day_label(period.get("end")),
                     "revision": report.get("revision"), "generated": local_time(report.get("generated_at"), zone),
                     "report_id": report.get("report_id")})
    return Table("reports", "Báo cáo đã gửi Sở Tư pháp", (
        Column("kind", "Loại báo cáo"), Column("start", "Từ ngày"), Column("end", "Đến ngày"),
        Column("revision", "Lần điều chỉnh", NUMBER), Column("generated", "Thời điểm lập"),
        Column("report_id", "Mã báo cáo")), rows)


# --- Biểu 24/BTP/TGPL ------------------------------------------------------------------------------------


def statistics_table(stats: Mapping[str, Any], group_label: Label) -> Table:
    """Persons helped by field and form of aid, by sex and by beneficiary group, with the total row."""
    groups = list(stats.get("groups") or [])
    columns = [Column("field", "Lĩnh vực"), Column("form", "Hình thức trợ giúp pháp lý"),
               Column("persons", "Số người được trợ giúp", NUMBER), Column("male", "Nam", NUMBER),
               Column("female", "Nữ", NUMBER), Column("other_sex", "Giới tính khác", NUMBER)]
    columns += [Column(f"group:{g}", group_label(g), NUMBER) for g in groups]

    def row(source: Mapping[str, Any], **first: Any) -> dict[str, Any]:
        per_group = source.get("groups") or {}
        return {**first, **{k: source.get(k, 0) for k in ("persons", "male", "female", "other_sex")},
                **{f"group:{g}": per_group.get(g, 0) for g in groups}}

    rows = [row(r, field=labels.FIELD_LABELS.get(r["field"], r["field"]),
                form=labels.AID_FORM_LABELS.get(r["form"], r["form"])) for r in stats.get("rows") or []]
    rows.append(row(stats.get("total") or {}, field="Tổng cộng", form="", _total=True))
    return Table("statistics", "Biểu 24/BTP/TGPL: Số người được trợ giúp pháp lý", columns, rows)


# --- the council: procedural agencies --------------------------------------------------------------------


def council_tables(council: Mapping[str, Any], agency_names: Mapping[str, str],
                   agency: str | None = None) -> dict[str, Table]:
    """Per agency figures, the monthly trend (all agencies, or one) and notices per agency and month."""
    def name(row: Mapping[str, Any]) -> str:
        return row.get("agency_name") or agency_names.get(row["agency_code"]) or row["agency_code"]

    agencies = [{**a, "agency_name": name(a)} for a in council.get("agencies") or []]
    months = list(council.get("months") or [])
    trend = [t for t in council.get("trend") or [] if not agency or t["agency_code"] == agency]
    metrics = {"notices": "Thông báo", "late": "Quá hạn", "missed": "Bỏ sót", "refusals": "Từ chối thụ lý"}
    monthly = [{"month": month_label(m),
                **{k: sum((t.get(k) or [0] * len(months))[i] for t in trend) for k in metrics}}
               for i, m in enumerate(months)]
    per_agency = [{"agency_code": t["agency_code"], "agency_name": name(t),
                   **{f"m:{m}": (t.get("notices") or [0] * len(months))[i] for i, m in enumerate(months)}}
                  for t in council.get("trend") or []]
    scope = f" — {agency_names.get(agency, agency)}" if agency else ""
    return {
        "agencies": Table("agencies", "Số liệu theo cơ quan tiến hành tố tụng", (
            Column("agency_code", "Mã cơ quan"), Column("agency_name", "Cơ quan"),
            Column("notices", "Thông báo", NUMBER), Column("on_time", "Đúng hạn", NUMBER),
            Column("late", "Quá hạn", NUMBER), Column("late_share", "Tỷ lệ quá hạn", SHARE),
            Column("missed", "Người bị bỏ sót", NUMBER), Column("refusals", "Yêu cầu bị từ chối", NUMBER),
            Column("rejected", "Thông báo sai quy cách", NUMBER)), agencies),
        "trend": Table("trend", f"Diễn biến theo tháng{scope}",
                       [Column("month", "Tháng")] + [Column(k, v, NUMBER) for k, v in metrics.items()], monthly),
        "notices_by_month": Table("notices_by_month", "Thông báo theo cơ quan và tháng",
                                  [Column("agency_code", "Mã cơ quan"), Column("agency_name", "Cơ quan")]
                                  + [Column(f"m:{m}", month_label(m), NUMBER) for m in months], per_agency),
    }


def council_charts(tables: Mapping[str, Table]) -> dict[str, Markup]:
    agencies = tables["agencies"].rows
    trend = tables["trend"]
    return {
        "agencies": charts.grouped_bar_chart(
            "Thông báo đúng hạn, quá hạn, người bị bỏ sót và yêu cầu bị từ chối theo cơ quan",
            [a["agency_name"] for a in agencies],
            [charts.Series(label, [a.get(key) for a in agencies]) for key, label in (
                ("on_time", "Đúng hạn"), ("late", "Quá hạn"), ("missed", "Bỏ sót"), ("refusals", "Từ chối thụ lý"))]),
        "trend": charts.line_chart(
            trend.title, [r["month"] for r in trend.rows],
            [charts.Series(c.label, [r[c.key] for r in trend.rows]) for c in trend.columns[1:]]),
    }


# --- coverage -------------------------------------------------------------------------------------------


def coverage_tables(coverage: Mapping[str, Any], branch_names: Mapping[str, str],
                    group_label: Label) -> dict[str, Table]:
    """Communes and branches without a civil-law case, each branch's summary, and under-served groups."""
    def branch(code: str | None) -> str:
        return branch_names.get(code or "", code or "—")

    return {
        "communes": Table("communes", "Xã, phường chưa có vụ việc dân sự", (
            Column("commune_code", "Mã xã, phường"), Column("name", "Tên xã, phường"), Column("branch", "Chi nhánh")),
            [{"commune_code": c["commune_code"], "name": c.get("name") or c["commune_code"],
              "branch": branch(c.get("branch_code"))} for c in coverage.get("communes_without_civil") or []]),
        "branches_without": Table("branches_without", "Chi nhánh chưa có vụ việc dân sự", (
            Column("branch_code", "Mã chi nhánh"), Column("name", "Chi nhánh")),
            [{"branch_code": b["branch_code"], "name": b.get("name") or branch(b["branch_code"])}
             for b in coverage.get("branches_without_civil") or []]),
        "branches": Table("branches", "Tổng hợp theo chi nhánh", (
            Column("name", "Chi nhánh"), Column("communes", "Số xã, phường", NUMBER),
            Column("communes_without_civil", "Xã, phường chưa có vụ việc dân sự", NUMBER),
            Column("civil_cases", "Vụ việc dân sự", NUMBER)),
            [{**b, "name": b.get("name") or branch(b["branch_code"]),
              "_highlight": bool(b.get("communes_without_civil"))} for b in coverage.get("branches") or []]),
        "groups": Table("groups", "Nhóm đối tượng: tỷ lệ thụ lý so với tỷ lệ thông báo", (
            Column("group", "Nhóm đối tượng"), Column("notices", "Thông báo", NUMBER),
            Column("notice_share", "Tỷ lệ trong thông báo", SHARE), Column("cases", "Vụ việc đã thụ lý", NUMBER),
            Column("case_share", "Tỷ lệ trong vụ việc", SHARE),
            Column("under_served", "Chưa được trợ giúp tương xứng")),
            [{**g, "group": group_label(g["group"]), "_highlight": bool(g.get("under_served"))}
             for g in coverage.get("groups") or []]),
    }


def coverage_chart(groups: Table) -> Markup:
    return charts.grouped_bar_chart(
        "Tỷ lệ của mỗi nhóm trong thông báo và trong vụ việc đã thụ lý", [g["group"] for g in groups.rows],
        [charts.Series("Trong thông báo", [g.get("notice_share") for g in groups.rows]),
         charts.Series("Trong vụ việc đã thụ lý", [g.get("case_share") for g in groups.rows])],
        value_format=share_format)


# --- workload -------------------------------------------------------------------------------------------


def workload_tables(workload: Mapping[str, Any], branch_names: Mapping[str, str],
                    only_officer: str | None = None) -> dict[str, Table]:
    """Each officer's load against the quota-adjusted target (or one officer's), leaders vs others, decisions."""
    officers = [o for o in workload.get("officers") or [] if only_officer is None or o["officer_id"] == only_officer]
    decisions = workload.get("decisions") or {}
    kinds = [k for k in labels.DECISION_KIND_LABELS if k in decisions] + sorted(
        k for k in decisions if k not in labels.DECISION_KIND_LABELS and k not in ("total", "override_rate"))
    decision_rows = [{"kind": labels.DECISION_KIND_LABELS.get(k, k), "count": decisions[k]} for k in kinds]
    decision_rows.append({"kind": "Tổng số quyết định", "count": decisions.get("total"), "_total": True})
    return {
        "officers": Table("officers", "Tải công việc so với chỉ tiêu của từng người thực hiện", (
            Column("officer_id", "Mã"), Column("full_name", "Họ tên"), Column("branch", "Chi nhánh"),
            Column("is_leader", "Lãnh đạo"), Column("active", "Đang làm việc"),
            Column("cases", "Vụ việc được giao trong năm", NUMBER),
            Column("active_cases", "Vụ việc đang thực hiện", NUMBER),
            Column("load", "Tải (quy đổi)", DECIMAL), Column("target", "Chỉ tiêu (điều chỉnh)", DECIMAL),
            Column("ratio", "Tỷ lệ tải / chỉ tiêu", DECIMAL),
            Column("overrides_received", "Được lãnh đạo giao khác đề xuất", NUMBER)),
            [{**o, "branch": branch_names.get(o.get("branch_code") or "", o.get("branch_code")),
              "_highlight": (o.get("ratio") or 0) > 1} for o in officers]),
        "groups": Table("groups", "Lãnh đạo so với người thực hiện khác", (
            Column("group", "Nhóm"), Column("officers", "Số người", NUMBER), Column("load", "Tải (quy đổi)", DECIMAL),
            Column("target", "Chỉ tiêu (điều chỉnh)", DECIMAL), Column("ratio", "Tỷ lệ tải / chỉ tiêu", DECIMAL)),
            [{**g, "group": labels.WORKLOAD_GROUP_LABELS.get(g["group"], g["group"])}
             for g in workload.get("groups") or []]),
        "decisions": Table("decisions", "Quyết định phân công theo loại", (
            Column("kind", "Loại quyết định"), Column("count", "Số quyết định", NUMBER)), decision_rows),
    }


def workload_chart(officers: Table) -> Markup:
    return charts.bar_chart(
        "Tỷ lệ tải công việc so với chỉ tiêu (1 = đúng chỉ tiêu)",
        [charts.Bar(o["full_name"] or o["officer_id"], o.get("ratio"), (o.get("ratio") or 0) > 1)
         for o in officers.rows],
        reference=1.0, reference_label="Chỉ tiêu = 1")


# --- quality --------------------------------------------------------------------------------------------

RATING_ORDER = ("very_good", "meets", "fails")


def quality_tables(quality: Mapping[str, Any], criterion_label: Label,
                   officer_rows: bool = True) -> dict[str, Table]:
    """Ratings overall and (for those who may see them) per officer; corrective actions by criterion and officer."""
    ratings = quality.get("ratings") or {}
    codes = list(RATING_ORDER) + sorted(c for c in ratings if c not in RATING_ORDER)
    rating = _label({**labels.RATING_LABELS, "unknown": "Chưa rõ xếp loại"})
    actions = quality.get("actions") or {}
    action_columns = (Column("open", "Chưa hoàn thành", NUMBER), Column("overdue", "Quá hạn", NUMBER),
                      Column("closed", "Đã đóng", NUMBER), Column("closed_late", "Đóng sau hạn", NUMBER))
    tables = {
        "ratings": Table("ratings", "Kết quả đánh giá chất lượng", (
            Column("rating", "Xếp loại"), Column("count", "Số vụ việc", NUMBER)),
            [{"rating": rating(c), "count": ratings.get(c, 0)} for c in codes]),
        "actions": Table("actions", "Biện pháp khắc phục (tính đến hôm nay)", action_columns,
                         [{k: actions.get(k, 0) for k in ("open", "overdue", "closed", "closed_late")}]),
        "actions_by_criterion": Table("actions_by_criterion", "Biện pháp khắc phục theo tiêu chí (tính đến hôm nay)",
                                      (Column("criterion", "Tiêu chí"),) + action_columns,
                                      [{**a, "criterion": criterion_label(a["criterion"])}
                                       for a in actions.get("by_criterion") or []]),
    }
    if officer_rows:
        tables["officers"] = Table("officers", "Kết quả đánh giá theo người thực hiện", (
            Column("officer_id", "Mã"), Column("full_name", "Họ tên"),
            Column("evaluated", "Số vụ việc đã đánh giá", NUMBER),
            *(Column(c, rating(c), NUMBER) for c in codes),
            Column("open_actions", "Biện pháp khắc phục chưa hoàn thành", NUMBER),
            Column("overdue_actions", "Biện pháp khắc phục quá hạn", NUMBER)),
            # Each officer's counts by rating: flat (docs/reporting.md) or under `ratings` (as reporting sends them).
            [{**{c: 0 for c in codes}, **o, **(o.get("ratings") or {}), "_highlight": bool(o.get("overdue_actions"))}
             for o in quality.get("officers") or []])
    return tables


def ratings_chart(ratings: Table) -> Markup:
    return charts.bar_chart("Số vụ việc theo xếp loại chất lượng",
                            [charts.Bar(r["rating"], r["count"]) for r in ratings.rows])


# --- missed beneficiaries -------------------------------------------------------------------------------


def missed_tables(missed: Mapping[str, Any], agency_names: Mapping[str, str], group_label: Label,
                  zone: ZoneInfo) -> dict[str, Table]:
    """Missed beneficiaries by reason, by agency, and the latest ones."""
    reason = _label(labels.MISSED_REASON_LABELS)

    def agency(code: str | None) -> str:
        return agency_names.get(code or "", code) if code else "Trung tâm (quá hạn thụ lý)"

    return {
        "by_reason": Table("by_reason", "Người bị bỏ sót theo lý do", (
            Column("reason", "Lý do"), Column("missed", "Số người", NUMBER)),
            [{"reason": reason(k), "missed": v} for k, v in (missed.get("by_reason") or {}).items()]),
        "by_agency": Table("by_agency", "Người bị bỏ sót theo cơ quan", (
            Column("agency_code", "Mã cơ quan"), Column("agency_name", "Cơ quan"),
            Column("missed", "Số người", NUMBER)),
            [{"agency_code": a["agency_code"], "agency_name": a.get("agency_name") or agency(a["agency_code"]),
              "missed": a["missed"]}
             for a in missed.get("by_agency") or []]),
        "latest": Table("latest", "Những trường hợp gần nhất", (
            Column("at", "Thời điểm"), Column("agency", "Cơ quan"), Column("reason", "Lý do"),
            Column("groups", "Nhóm đối tượng")),
            [{"at": local_time(m.get("at"), zone), "agency": agency(m.get("agency_code")),
              "reason": reason(m.get("reason") or ""),
              "groups": "; ".join(group_label(g) for g in m.get("groups") or [])}
             for m in missed.get("latest") or []]),
    }


def missed_charts(tables: Mapping[str, Table]) -> dict[str, Markup]:
    return {
        "by_reason": charts.bar_chart("Người bị bỏ sót theo lý do",
                                      [charts.Bar(r["reason"], r["missed"]) for r in tables["by_reason"].rows]),
        "by_agency": charts.bar_chart("Người bị bỏ sót theo cơ quan",
                                      [charts.Bar(r["agency_name"], r["missed"]) for r in tables["by_agency"].rows]),
    }

"""An officer's yearly review, computed from all their cases of the quota (calendar) year.

The band (Official Letter 5008/BTP-TGPL) compares the proceedings cases the officer completed in
the year with the quota-adjusted floors assignment publishes; the ratings of the year's finalised
evaluations and the corrective actions still open stand beside it. Every step is a line in
Vietnamese; nothing is typed in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from services.evaluation.domain.actions import CorrectiveAction
from services.evaluation.domain.register import FORM_LABELS
from services.evaluation.domain.rules import EvaluationRules
from services.evaluation.domain.years import local_day, quota_year_bounds

BANDS = ("below", "meets", "good", "very_good")
BAND_LABELS = {"below": "Chưa đạt định mức", "meets": "Đạt định mức", "good": "Khá", "very_good": "Tốt"}
FIELD_LABELS = {"criminal": "hình sự", "civil": "dân sự", "administrative": "hành chính", "labour": "lao động",
                "land": "đất đai", "marriage_family": "hôn nhân và gia đình", "other": "lĩnh vực khác"}
#: Proceedings cases that count towards the quota: completed ones, whatever their field.
QUOTA_FORM, QUOTA_OUTCOME = "proceedings", "completed"


@dataclass(frozen=True)
class ReviewCase:
    """One of the officer's cases, with its local opening and closing days."""

    case_id: str
    field: str | None
    form: str | None
    outcome: str | None
    opened_on: date | None
    closed_on: date | None


@dataclass(frozen=True)
class OfficerTarget:
    """What assignment published for the officer's quota year: the target and the band floors."""

    year: int
    yearly_target: float | None
    band_floors: Mapping[str, float]


@dataclass(frozen=True)
class FinalRating:
    rating: str
    finalized_on: date


@dataclass(frozen=True)
class OfficerReview:
    officer_id: str
    full_name: str | None
    year: int
    band: str | None
    proceedings_cases: int
    target: float | None
    band_floors: Mapping[str, float]
    cases: int
    cases_by_field_form: dict[str, int]
    ratings: dict[str, int]
    open_actions: int
    overdue_actions: int
    explanation: tuple[str, ...]

    @property
    def band_label(self) -> str | None:
        return BAND_LABELS.get(self.band) if self.band else None


def _num(value: float) -> str:
    """A number as Vietnamese staff write it: at most two decimals, a decimal comma."""
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def _within(day: date | None, first: date, last: date) -> bool:
    return day is not None and first <= day <= last


def proceedings_completed(cases: Iterable[ReviewCase], year: int) -> int:
    """Proceedings cases the officer completed in a quota year (what the band counts)."""
    first, last = quota_year_bounds(year)
    return sum(c.form == QUOTA_FORM and c.outcome == QUOTA_OUTCOME and _within(c.closed_on, first, last)
               for c in cases)


def band_for(count: int, floors: Mapping[str, float]) -> str:
    """The highest band whose floor the count reaches; `below` under the `meets` floor."""
    if floors.get("meets", 0) <= 0:
        return "meets"  # exempt for the whole year: nothing was required
    band = "below"
    for name in ("meets", "good", "very_good"):
        if name in floors and count >= floors[name] - 1e-9:
            band = name
    return band


def _band_lines(count: int, target: OfficerTarget | None, year: int) -> tuple[str | None, list[str]]:
    if target is None or target.year != year or not target.band_floors:
        return None, [f"Chưa có chỉ tiêu năm {year} từ phân công (danh sách người thực hiện): chưa xếp được mức."]
    floors = target.band_floors
    lines = ["Chỉ tiêu năm đã quy đổi (Công văn 5008/BTP-TGPL, sau giảm trừ, miễn giảm): "
             + "; ".join(f"{BAND_LABELS[b]} từ {_num(floors[b])} vụ việc" for b in ("meets", "good", "very_good")
                         if b in floors) + "."]
    band = band_for(count, floors)
    if floors.get("meets", 0) <= 0:
        lines.append(f"Được miễn toàn bộ chỉ tiêu năm {year}: xếp {BAND_LABELS[band]}.")
        return band, lines
    higher = {"below": "meets", "meets": "good", "good": "very_good"}.get(band)
    reached = f"{count} ≥ {_num(floors[band])}" if band != "below" else f"{count} < {_num(floors['meets'])}"
    if band != "below" and higher in floors:
        reached += f" và < {_num(floors[higher])}"
    lines.append(f"{reached}: xếp mức {BAND_LABELS[band]}.")
    return band, lines


def review_officer(officer_id: str, full_name: str | None, year: int, cases: Iterable[ReviewCase],
                   target: OfficerTarget | None, ratings: Iterable[FinalRating],
                   actions: Iterable[CorrectiveAction], today: date, rules: EvaluationRules,
                   tz: ZoneInfo) -> OfficerReview:
    """The review of one officer for quota year `year`, as of the local day `today`."""
    first, last = quota_year_bounds(year)
    cases = list(cases)
    of_year = [c for c in cases if _within(c.opened_on, first, last) or _within(c.closed_on, first, last)]
    by_field_form = Counter(f"{c.field or 'unknown'}/{c.form or 'unknown'}" for c in of_year)
    count = proceedings_completed(cases, year)
    lines = [f"Năm {year} ({first:%d/%m/%Y}–{last:%d/%m/%Y}): {len(of_year)} vụ việc thụ lý hoặc kết thúc trong năm."]
    if by_field_form:
        parts = []
        for key, n in sorted(by_field_form.items()):
            field, form = key.split("/")
            parts.append(f"{FIELD_LABELS.get(field, field)}, {FORM_LABELS.get(form, form)}: {n}")
        lines.append("Theo lĩnh vực và hình thức: " + "; ".join(parts) + ".")
    lines.append(f"Vụ việc tham gia tố tụng kết thúc có kết quả trong năm: {count}.")
    band, band_lines = _band_lines(count, target, year)
    lines += band_lines
    if count == 0 and proceedings_completed(cases, year - 1) == 0:
        lines.append(f"Không có vụ việc tham gia tố tụng kết thúc trong hai năm liên tiếp ({year - 1}, {year}): "
                     "lãnh đạo cần xem xét lý do (Công văn 5008/BTP-TGPL).")
    year_ratings = Counter(r.rating for r in ratings if first <= r.finalized_on <= last)
    if year_ratings:
        lines.append("Kết quả đánh giá chất lượng trong năm: "
                     + ", ".join(f"{rules.label(r.code)} {year_ratings[r.code]}" for r in rules.rating_scale
                                 if year_ratings[r.code]) + ".")
    else:
        lines.append("Chưa có vụ việc nào được đánh giá chất lượng trong năm.")
    raised = [a for a in actions if local_day(a.raised_at, tz) <= last]
    still_open = [a for a in raised if not a.is_closed]
    overdue = [a for a in still_open if a.is_overdue(today)]
    if still_open:
        lines.append(f"Biện pháp khắc phục chưa hoàn thành: {len(still_open)}, trong đó quá hạn {len(overdue)} "
                     f"(tính đến {today:%d/%m/%Y}).")
    elif raised:
        lines.append(f"Đã hoàn thành cả {len(raised)} biện pháp khắc phục.")
    return OfficerReview(
        officer_id=officer_id, full_name=full_name, year=year, band=band, proceedings_cases=count,
        target=target.yearly_target if target and target.year == year else None,
        band_floors=dict(target.band_floors) if target and target.year == year else {}, cases=len(of_year),
        cases_by_field_form=dict(sorted(by_field_form.items())),
        ratings={r.code: year_ratings[r.code] for r in rules.rating_scale if year_ratings[r.code]},
        open_actions=len(still_open), overdue_actions=len(overdue), explanation=tuple(lines))

"""The officer's yearly review: the band from the proceedings cases completed against the floors,
the year's ratings and the open corrective actions, each step explained in Vietnamese."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from services.evaluation.domain.actions import ActionRequest, raise_actions
from services.evaluation.domain.review import (
    FinalRating, OfficerTarget, ReviewCase, band_for, proceedings_completed, review_officer,
)
from services.evaluation.domain.rules import load_rules
from services.evaluation.domain.scoring import rate

RULES = load_rules()
VN = ZoneInfo("Asia/Ho_Chi_Minh")
FLOORS = {"meets": 10.5, "good": 15.75, "very_good": 21.0}
TARGET = OfficerTarget(2026, 10.5, FLOORS)


def completed(n: int, closed_on=date(2026, 6, 1), form="proceedings", field="criminal", outcome="completed"):
    return [ReviewCase(f"{form}-{closed_on}-{i}", field, form, outcome, date(2026, 1, 5), closed_on) for i in range(n)]


def review(cases, target=TARGET, ratings=(), actions=(), today=date(2027, 1, 10)):
    return review_officer("TGV-1", "Nguyễn Văn Bình", 2026, cases, target, ratings, actions, today, RULES, VN)


@pytest.mark.parametrize("count, band", [(0, "below"), (10, "below"), (11, "meets"), (15, "meets"), (16, "good"),
                                         (21, "very_good"), (40, "very_good")])
def test_the_band_is_the_highest_floor_reached(count, band):
    assert band_for(count, FLOORS) == band


def test_a_floor_reached_exactly_counts():
    assert band_for(10, {"meets": 10.0, "good": 15.0, "very_good": 20.0}) == "meets"


def test_an_officer_exempt_all_year_meets_the_quota():
    assert band_for(0, {"meets": 0.0, "good": 0.0, "very_good": 0.0}) == "meets"


def test_only_completed_proceedings_cases_closed_in_the_year_count():
    cases = (completed(3) + completed(2, form="advice") + completed(1, outcome="terminated")
             + completed(1, closed_on=date(2025, 12, 31)) + completed(1, closed_on=date(2027, 1, 1))
             + [ReviewCase("open", "civil", "proceedings", None, date(2026, 2, 1), None)])
    assert proceedings_completed(cases, 2026) == 3


def test_a_review_explains_every_step():
    r = review(completed(12) + completed(2, form="advice", field="civil"))
    assert (r.band, r.band_label, r.proceedings_cases, r.target, r.cases) == ("meets", "Đạt định mức", 12, 10.5, 14)
    assert r.cases_by_field_form == {"civil/advice": 2, "criminal/proceedings": 12}
    text = "\n".join(r.explanation)
    assert "Năm 2026 (01/01/2026–31/12/2026): 14 vụ việc" in text
    assert "hình sự, tham gia tố tụng: 12" in text and "dân sự, tư vấn pháp luật: 2" in text
    assert "Đạt định mức từ 10,5 vụ việc; Khá từ 15,75 vụ việc; Tốt từ 21 vụ việc" in text
    assert "12 ≥ 10,5 và < 15,75: xếp mức Đạt định mức." in text
    assert "Chưa có vụ việc nào được đánh giá chất lượng trong năm." in text


def test_below_the_floor_says_so():
    r = review(completed(4))
    assert r.band == "below" and "4 < 10,5: xếp mức Chưa đạt định mức." in r.explanation


def test_without_a_target_of_that_year_no_band_is_given():
    for target in (None, OfficerTarget(2025, 9.0, FLOORS), OfficerTarget(2026, None, {})):
        r = review(completed(30), target=target)
        assert r.band is None and r.target is None
        assert any("Chưa có chỉ tiêu năm 2026" in line for line in r.explanation)


def test_two_years_without_proceedings_are_flagged():
    assert any("hai năm liên tiếp" in line for line in review(completed(3, form="advice")).explanation)
    last_year = completed(1, closed_on=date(2025, 5, 1))
    assert not any("hai năm liên tiếp" in line for line in review(last_year).explanation)


def test_ratings_count_evaluations_finalised_in_the_year():
    ratings = [FinalRating("meets", date(2026, 3, 1)), FinalRating("meets", date(2026, 12, 31)),
               FinalRating("fails", date(2026, 4, 1)), FinalRating("very_good", date(2025, 12, 31))]
    r = review(completed(11), ratings=ratings)
    assert r.ratings == {"meets": 2, "fails": 1}
    assert "Kết quả đánh giá chất lượng trong năm: Đạt chất lượng 2, Không đạt chất lượng 1." in r.explanation


def test_open_and_overdue_actions_as_of_today():
    appraisal = RULES.methods["appraisal"]
    failed = rate(appraisal, {c.code: c.max_score for c in appraisal.criteria} | {"file_complete": 0,
                                                                                   "client_meetings": 0}, RULES)
    at = datetime(2026, 11, 20, 9, tzinfo=timezone(timedelta(hours=7)))
    actions = raise_actions([ActionRequest("file_complete", "Bổ sung", date(2026, 12, 1)),
                             ActionRequest("client_meetings", "Biên bản", date(2027, 2, 1))],
                            rating=failed, case_id="c", evaluation_id="e", performer_id="TGV-1",
                            today=date(2026, 11, 20), default_days=30, by="danhgia", at=at, new_id=lambda: "a")
    r = review(completed(11), actions=actions, today=date(2027, 1, 10))
    assert (r.open_actions, r.overdue_actions) == (2, 1)
    assert "Biện pháp khắc phục chưa hoàn thành: 2, trong đó quá hạn 1 (tính đến 10/01/2027)." in r.explanation
    actions[0].submit("x", "tgv", at)
    actions[0].close("x", "lanhdao", at, date(2026, 11, 30))
    actions[1].submit("x", "tgv", at)
    actions[1].close("x", "lanhdao", at, date(2026, 11, 30))
    assert "Đã hoàn thành cả 2 biện pháp khắc phục." in review(completed(11), actions=actions).explanation
    assert review(completed(11), actions=actions).open_actions == 0

"""Quota-adjusted targets for any date range (Official Letter 5008/BTP-TGPL), with their derivation."""

from datetime import date

import pytest

from services.assignment.domain.quota import target_for, yearly_target, years_served
from services.assignment.domain.roster import Absence, Officer
from services.assignment.domain.rules import load_rules, parse_rules

RULES = load_rules()


def officer(appointed: date, role: str | None = None, absences=()) -> Officer:
    return Officer("o-1", "Một", "CN-A", ("criminal",), appointed, leader_role=role, absences=tuple(absences))


def test_the_2022_bands_are_those_of_the_official_letter():
    assert [(b.min_years, b.meets, b.good, b.very_good) for b in RULES.quota_year(2022).bands] == [
        (0, 6, 12, 16), (3, 10, 15, 21), (5, 13, 21, 27)]


def test_a_year_without_its_own_quota_uses_the_latest_earlier_one():
    assert RULES.quota_year(2026).year == 2022
    assert RULES.quota_year(2019).year == 2022  # before any: the earliest


@pytest.mark.parametrize(("appointed", "on", "years"), [
    (date(2023, 1, 1), date(2025, 12, 31), 2), (date(2023, 1, 1), date(2026, 1, 1), 3),
    (date(2020, 2, 29), date(2021, 2, 28), 0), (date(2020, 2, 29), date(2021, 3, 1), 1)])
def test_years_served_are_full_years(appointed, on, years):
    assert years_served(appointed, on) == years


def test_a_whole_year_in_one_band_is_the_bands_floor():
    target = yearly_target(officer(date(2010, 5, 1)), 2026, RULES)
    assert target.value == 13.0
    assert "mức tối thiểu 13 vụ/năm theo 5008/BTP-TGPL năm 2022" in target.lines[0].text


def test_leaders_reduction_is_applied_and_shown():
    target = yearly_target(officer(date(2010, 5, 1), "deputy_director"), 2026, RULES)
    assert target.value == pytest.approx(13 * 0.7)
    assert "giảm 30% (Phó Giám đốc)" in target.lines[0].text


def test_a_band_change_mid_year_is_prorated_by_days():
    # 3 years on 1 July 2026: 181 days at 6 a year, then 184 days at 10 a year.
    target = yearly_target(officer(date(2023, 7, 1)), 2026, RULES)
    assert target.value == pytest.approx(round(6 * 181 / 365 + 10 * 184 / 365, 4))
    assert len(target.lines) == 3  # two segments and the total


def test_maternity_and_training_are_counted_off_leave_is_not():
    absences = [Absence(date(2026, 3, 1), date(2026, 8, 31), "maternity"),   # 184 days
                Absence(date(2026, 10, 5), date(2026, 10, 9), "training"),    # 5 days
                Absence(date(2026, 12, 21), date(2026, 12, 31), "leave")]     # not counted off
    target = yearly_target(officer(date(2010, 5, 1), absences=absences), 2026, RULES)
    assert target.value == pytest.approx(round(13 - 13 * (184 + 5) / 365, 4))
    texts = " ".join(line.text for line in target.lines)
    assert "Trừ 184 ngày nghỉ thai sản" in texts and "Trừ 5 ngày đào tạo, bồi dưỡng" in texts
    assert "nghỉ phép" not in texts


def test_any_date_range_gets_its_share():
    q1 = target_for(officer(date(2010, 5, 1)), date(2026, 1, 1), date(2026, 3, 31), RULES)
    assert q1.value == pytest.approx(round(13 * 90 / 365, 4))
    across = target_for(officer(date(2010, 5, 1)), date(2025, 7, 1), date(2026, 6, 30), RULES)
    assert across.value == pytest.approx(round(13 * 184 / 365 + 13 * 181 / 365, 4))


def test_days_before_appointment_count_nothing():
    target = yearly_target(officer(date(2026, 7, 1)), 2026, RULES)
    assert target.value == pytest.approx(round(6 * 184 / 365, 4))
    assert "chưa được bổ nhiệm" in target.lines[0].text


def test_the_derivation_adds_up_to_the_target():
    absences = [Absence(date(2026, 2, 1), date(2026, 2, 10), "sick")]
    target = yearly_target(officer(date(2023, 7, 1), "branch_head", absences), 2026, RULES)
    assert sum(line.value for line in target.lines[:-1]) == pytest.approx(target.value, abs=1e-3)
    assert target.lines[-1].value == target.value


def test_a_range_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError):
        target_for(officer(date(2010, 5, 1)), date(2026, 2, 1), date(2026, 1, 1), RULES)


def test_rules_are_data_weights_and_exemptions_change_with_the_file():
    raw = {"version": "t", "rule_name": "r",
           "quota_years": {"2024": {"source": "x", "bands": [{"min_years": 0, "meets": 4, "good": 8, "very_good": 11}]}},
           "absence_exemption": {"leave": 0.5}, "case_weights": {"default": 2.0, "criminal": {"trial": 3.0}}}
    rules = parse_rules(raw)
    assert rules.weight("criminal", "trial") == 3.0 and rules.weight("criminal", "investigation") == 2.0
    assert rules.weight("land", None) == 2.0
    target = yearly_target(officer(date(2020, 1, 1), absences=[Absence(date(2024, 1, 1), date(2024, 1, 10), "leave")]),
                           2024, rules)
    assert target.value == pytest.approx(round(4 - 4 * 10 * 0.5 / 366, 4))


def test_band_floors_scale_like_the_target():
    from services.assignment.domain.quota import band_floors

    plain = band_floors(officer(date(2010, 5, 1)), 2026, RULES)
    assert plain == {"meets": 13.0, "good": 21.0, "very_good": 27.0}
    leader = band_floors(officer(date(2010, 5, 1), "director"), 2026, RULES)
    assert leader == {"meets": 6.5, "good": 10.5, "very_good": 13.5}

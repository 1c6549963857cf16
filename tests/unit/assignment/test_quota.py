"""Yearly quota bands by seniority (Official Letter 5008/BTP-TGPL) and leaders' reductions."""

from datetime import date

from services.assignment.domain.quota import QUOTA_2022, QuotaPolicy, SeniorityBand

APPOINTED = date(2023, 1, 1)


def test_the_2022_bands_are_those_of_the_official_letter():
    assert [(b.min_years, b.meets, b.good, b.very_good) for b in QUOTA_2022.bands] == [
        (0, 6, 12, 16),
        (3, 10, 15, 21),
        (5, 13, 21, 27),
    ]


def test_under_3_years_is_the_first_band():
    assert QUOTA_2022.band_for(APPOINTED, APPOINTED).min_years == 0
    assert QUOTA_2022.band_for(APPOINTED, date(2025, 12, 31)).min_years == 0  # 2 years 364 days


def test_exactly_3_years_is_the_second_band():
    assert QUOTA_2022.band_for(APPOINTED, date(2026, 1, 1)).min_years == 3
    assert QUOTA_2022.band_for(APPOINTED, date(2027, 12, 31)).min_years == 3  # 4 years 364 days


def test_5_years_or_more_is_the_third_band():
    assert QUOTA_2022.band_for(APPOINTED, date(2028, 1, 1)).min_years == 5
    assert QUOTA_2022.band_for(APPOINTED, date(2045, 6, 1)).min_years == 5


def test_full_years_count_from_the_day_and_month_of_appointment():
    appointed = date(2021, 7, 15)
    assert QUOTA_2022.band_for(appointed, date(2024, 7, 14)).min_years == 0
    assert QUOTA_2022.band_for(appointed, date(2024, 7, 15)).min_years == 3


def test_an_appointment_on_29_february_completes_its_year_on_1_march():
    appointed = date(2020, 2, 29)
    assert QUOTA_2022.band_for(appointed, date(2023, 2, 28)).min_years == 0
    assert QUOTA_2022.band_for(appointed, date(2023, 3, 1)).min_years == 3


def test_an_appointment_in_the_future_falls_in_the_first_band():
    assert QUOTA_2022.band_for(date(2027, 1, 1), date(2026, 1, 1)).min_years == 0


def test_bands_need_not_be_listed_in_order():
    policy = QuotaPolicy(version="t", bands=(SeniorityBand(5, 13, 21, 27), SeniorityBand(0, 6, 12, 16),
                                             SeniorityBand(3, 10, 15, 21)))
    assert policy.band_for(APPOINTED, date(2026, 6, 1)).meets == 10
    assert policy.band_for(APPOINTED, date(2029, 6, 1)).meets == 13


def test_the_yearly_target_is_the_meets_floor_of_the_band():
    assert QUOTA_2022.yearly_target(APPOINTED, None, date(2025, 12, 31)) == 6
    assert QUOTA_2022.yearly_target(APPOINTED, None, date(2026, 1, 1)) == 10
    assert QUOTA_2022.yearly_target(APPOINTED, None, date(2028, 1, 1)) == 13


def test_leaders_get_their_reduction():
    on = date(2028, 1, 1)  # third band: 13
    assert QUOTA_2022.yearly_target(APPOINTED, "branch_head", on) == 10  # 13 * 0.8 = 10.4
    assert QUOTA_2022.yearly_target(APPOINTED, "deputy_director", on) == 9  # 13 * 0.7 = 9.1
    assert QUOTA_2022.yearly_target(APPOINTED, "director", date(2026, 1, 1)) == 5  # 10 * 0.5
    assert QUOTA_2022.yearly_target(APPOINTED, "deputy_director", date(2026, 1, 1)) == 7  # 10 * 0.7


def test_a_role_without_a_reduction_keeps_the_full_target():
    assert QUOTA_2022.yearly_target(APPOINTED, "secretary", date(2026, 1, 1)) == 10
    assert QUOTA_2022.yearly_target(APPOINTED, "", date(2026, 1, 1)) == 10


def test_the_target_is_never_below_1():
    policy = QuotaPolicy(version="t", bands=(SeniorityBand(0, 6, 12, 16),), leader_reduction={"director": 1.0})
    assert policy.yearly_target(APPOINTED, "director", date(2024, 1, 1)) == 1
    policy = QuotaPolicy(version="t", bands=(SeniorityBand(0, 1, 2, 3),), leader_reduction={"director": 0.9})
    assert policy.yearly_target(APPOINTED, "director", date(2024, 1, 1)) == 1

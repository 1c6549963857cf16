"""Report identity, periods in Vietnam's local time, and revisions (EXTERNAL.md §2)."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from services.reporting.domain.reports import figures_fingerprint, next_revision, period_bounds, report_id

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_report_id_is_stable_for_the_same_kind_and_period():
    first = report_id("monthly", date(2026, 11, 1), date(2026, 11, 30))
    assert first == "tgpl-monthly-2026-11-01-2026-11-30"
    assert report_id("monthly", date(2026, 11, 1), date(2026, 11, 30)) == first


def test_report_id_differs_by_kind_and_by_period():
    ids = {
        report_id("monthly", date(2026, 11, 1), date(2026, 11, 30)),
        report_id("adhoc", date(2026, 11, 1), date(2026, 11, 30)),
        report_id("monthly", date(2026, 10, 1), date(2026, 10, 31)),
        report_id("adhoc", date(2026, 11, 1), date(2026, 11, 29)),
        report_id("adhoc", date(2026, 11, 2), date(2026, 11, 30)),
    }
    assert len(ids) == 5


def test_report_id_fits_its_column():
    # reports.report_id is String(100).
    assert len(report_id("quarterly", date(2026, 10, 1), date(2026, 12, 31))) <= 100


def test_period_bounds_run_from_local_midnight_to_the_next_midnight_after_the_end():
    start, end = period_bounds(date(2026, 11, 1), date(2026, 11, 30), VN)
    assert start == datetime(2026, 11, 1, 0, 0, tzinfo=VN)
    assert end == datetime(2026, 12, 1, 0, 0, tzinfo=VN)


def test_period_bounds_are_instants_at_plus_seven():
    start, end = period_bounds(date(2026, 11, 1), date(2026, 11, 30), VN)
    assert start.utcoffset() == timedelta(hours=7)
    assert start.astimezone(timezone.utc) == datetime(2026, 10, 31, 17, 0, tzinfo=timezone.utc)
    assert end.astimezone(timezone.utc) == datetime(2026, 11, 30, 17, 0, tzinfo=timezone.utc)


def test_a_one_day_period_spans_24_hours():
    start, end = period_bounds(date(2026, 11, 5), date(2026, 11, 5), VN)
    assert end - start == timedelta(hours=24)


def test_the_end_day_is_included_and_the_next_day_is_not():
    start, end = period_bounds(date(2026, 11, 1), date(2026, 11, 30), VN)
    last_moment = datetime(2026, 11, 30, 23, 59, 59, tzinfo=VN)
    next_day = datetime(2026, 12, 1, 0, 0, tzinfo=VN)
    assert start <= last_moment < end
    assert not (next_day < end)
    # 16:59:59 UTC on 30 November is still 30 November in Vietnam.
    assert datetime(2026, 11, 30, 16, 59, 59, tzinfo=timezone.utc) < end
    assert datetime(2026, 11, 30, 17, 0, tzinfo=timezone.utc) >= end
    # 17:00 UTC on 31 October is already 1 November in Vietnam.
    assert datetime(2026, 10, 31, 16, 59, 59, tzinfo=timezone.utc) < start
    assert datetime(2026, 10, 31, 17, 0, tzinfo=timezone.utc) >= start


def test_period_bounds_cross_the_year_and_leap_days():
    start, end = period_bounds(date(2026, 1, 1), date(2026, 12, 31), VN)
    assert end == datetime(2027, 1, 1, tzinfo=VN)
    assert end - start == timedelta(days=365)
    _, end = period_bounds(date(2028, 2, 1), date(2028, 2, 29), VN)
    assert end == datetime(2028, 3, 1, tzinfo=VN)


def test_the_fingerprint_ignores_key_order():
    one = {"totals": {"cases_opened": 3, "notices_received": 5}, "by_field": [{"field": "civil", "cases_opened": 3}]}
    two = {"by_field": [{"cases_opened": 3, "field": "civil"}], "totals": {"notices_received": 5, "cases_opened": 3}}
    assert figures_fingerprint(one) == figures_fingerprint(two)
    assert len(figures_fingerprint(one)) == 64


def test_the_fingerprint_changes_with_any_figure():
    base = {"totals": {"cases_opened": 3, "notices_received": 5}, "by_field": [{"field": "civil", "cases_opened": 3}]}
    changed_total = {"totals": {"cases_opened": 4, "notices_received": 5},
                     "by_field": [{"field": "civil", "cases_opened": 3}]}
    changed_row = {"totals": {"cases_opened": 3, "notices_received": 5},
                   "by_field": [{"field": "land", "cases_opened": 3}]}
    added_row = {"totals": {"cases_opened": 3, "notices_received": 5},
                 "by_field": [{"field": "civil", "cases_opened": 3}, {"field": "land", "cases_opened": 0}]}
    prints = {figures_fingerprint(f) for f in (base, changed_total, changed_row, added_row)}
    assert len(prints) == 4


def test_the_fingerprint_accepts_dates_and_is_deterministic():
    figures = {"period": {"start": date(2026, 11, 1)}, "at": datetime(2026, 11, 1, tzinfo=VN)}
    assert figures_fingerprint(figures) == figures_fingerprint(dict(reversed(list(figures.items()))))


def test_the_first_report_is_revision_1_and_new():
    assert next_revision(None, "abc") == (1, True)


def test_unchanged_figures_keep_the_revision_and_are_not_new():
    assert next_revision((1, "abc"), "abc") == (1, False)
    assert next_revision((4, "abc"), "abc") == (4, False)


def test_changed_figures_raise_the_revision_by_one():
    assert next_revision((1, "abc"), "def") == (2, True)
    assert next_revision((4, "abc"), "def") == (5, True)


def test_revisions_follow_a_period_as_its_figures_change():
    stored = None
    seen = []
    for figures in ({"n": 1}, {"n": 1}, {"n": 2}, {"n": 2}, {"n": 1}):
        fingerprint = figures_fingerprint(figures)
        revision, new = next_revision(stored, fingerprint)
        seen.append((revision, new))
        stored = (revision, fingerprint)
    assert seen == [(1, True), (1, False), (2, True), (2, False), (3, True)]


def test_periods_of_each_kind_hold_the_day_and_end_inclusively():
    from services.reporting.domain.reports import period_of

    assert period_of("monthly", date(2024, 2, 10)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert period_of("monthly", date(2026, 12, 31)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert period_of("quarterly", date(2026, 11, 28)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert period_of("quarterly", date(2026, 3, 31)) == (date(2026, 1, 1), date(2026, 3, 31))
    assert period_of("yearly", date(2026, 7, 1)) == (date(2026, 1, 1), date(2026, 12, 31))


def test_closed_periods_run_from_the_first_fact_to_the_last_period_that_ended():
    from services.reporting.domain.reports import closed_periods

    assert closed_periods("monthly", date(2026, 9, 15), date(2026, 11, 1)) == [
        (date(2026, 9, 1), date(2026, 9, 30)), (date(2026, 10, 1), date(2026, 10, 31))]
    assert closed_periods("monthly", date(2026, 9, 15), date(2026, 10, 31)) == [(date(2026, 9, 1), date(2026, 9, 30))]
    assert closed_periods("quarterly", date(2026, 9, 15), date(2026, 12, 31)) == [(date(2026, 7, 1), date(2026, 9, 30))]
    assert closed_periods("yearly", date(2025, 12, 31), date(2027, 1, 1)) == [
        (date(2025, 1, 1), date(2025, 12, 31)), (date(2026, 1, 1), date(2026, 12, 31))]
    assert closed_periods("yearly", date(2026, 1, 1), date(2026, 12, 31)) == []

"""The period a report page shows, as staff choose it."""

from datetime import date

from services.intake.entrypoints.report_period import Period, parse_period

TODAY = date(2026, 11, 27)


def test_the_current_month_by_default():
    period, error = parse_period({}, TODAY)
    assert error is None and period == Period("month", date(2026, 11, 1), date(2026, 11, 30))
    assert period.label == "Tháng 11/2026" and period.query() == {"kind": "month", "month": "2026-11"}
    assert period.as_of(TODAY) == TODAY, "a running period is taken as of today"


def test_a_month_quarter_year_or_two_days():
    february, _ = parse_period({"kind": "month", "month": "2028-02"}, TODAY)
    assert (february.start, february.end) == (date(2028, 2, 1), date(2028, 2, 29))
    assert parse_period({"kind": "month", "month": "10/2026"}, TODAY)[0].label == "Tháng 10/2026"
    quarter, _ = parse_period({"kind": "quarter", "year": "2026", "quarter": "4"}, TODAY)
    assert (quarter.start, quarter.end, quarter.label) == (date(2026, 10, 1), date(2026, 12, 31), "Quý IV/2026")
    assert quarter.file_stem == "2026-Q4" and quarter.query() == {"kind": "quarter", "year": "2026", "quarter": "4"}
    year, _ = parse_period({"kind": "year", "year": "2025"}, TODAY)
    assert (year.start, year.end, year.label, year.as_of(TODAY)) == (
        date(2025, 1, 1), date(2025, 12, 31), "Năm 2025", date(2025, 12, 31))
    custom, _ = parse_period({"kind": "custom", "start": "2026-10-05", "end": "20/10/2026"}, TODAY)
    assert (custom.start, custom.end) == (date(2026, 10, 5), date(2026, 10, 20))
    assert custom.label == "Từ 05/10/2026 đến 20/10/2026" and custom.file_stem == "2026-10-05_2026-10-20"
    assert parse_period(custom.query(), TODAY)[0] == custom


def test_a_wrong_choice_says_why_and_falls_back_to_the_current_month():
    for params, words in [
        ({"kind": "month", "month": "2026-13"}, "Tháng không hợp lệ"),
        ({"kind": "quarter", "year": "2026", "quarter": "5"}, "Hãy chọn quý"),
        ({"kind": "year", "year": "20x6"}, "Năm phải là một số"),
        ({"kind": "custom", "start": "2026-10-20", "end": "2026-10-05"}, "Ngày kết thúc phải sau"),
        ({"kind": "custom", "start": "", "end": "2026-10-05"}, "Hãy nhập đủ"),
        ({"kind": "week"}, "không hợp lệ"),
    ]:
        period, error = parse_period(params, TODAY)
        assert error and words in error, params
        assert period.label == "Tháng 11/2026"

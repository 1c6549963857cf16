"""The quality evaluation forms: typed values to evaluation's API bodies, every mistake in Vietnamese,
and the evaluation year (1 November to 31 October) a day falls in."""

from datetime import date

from services.intake.adapters.evaluation_api import ActionRequest, CriterionScore
from services.intake.entrypoints.evaluation_form import (
    default_due,
    evaluation_year,
    failing,
    normalise_case_reference,
    parse_actions,
    parse_plan,
    parse_scores,
    parse_year,
    year_bounds,
)

CRITERIA = [
    {"code": "file_complete", "label_vi": "Hồ sơ đầy đủ", "max_score": 10, "pass_score": 6, "critical": True},
    {"code": "legal_argument", "label_vi": "Luận cứ", "max_score": 20, "pass_score": 10, "critical": True},
    {"code": "result_recorded", "label_vi": "Kết quả", "max_score": 10, "pass_score": 5, "critical": False},
]


def test_the_evaluation_year_runs_from_november_and_is_named_by_its_end():
    assert evaluation_year(date(2026, 10, 31)) == 2026
    assert evaluation_year(date(2026, 11, 1)) == 2027
    assert evaluation_year(date(2026, 1, 15)) == 2026
    assert year_bounds(2026) == (date(2025, 11, 1), date(2026, 10, 31))
    assert evaluation_year(date(2026, 7, 1), "07-01") == 2027 and year_bounds(2027, "07-01")[0] == date(2026, 7, 1)


def test_a_year_typed_is_a_plausible_year_or_the_default():
    assert parse_year("", 2026) == 2026 and parse_year(" 2025 ", 2026) == 2025
    assert parse_year("20x6", 2026) is None and parse_year("1999", 2026) is None


def test_a_plan_draw_takes_a_decimal_comma_and_an_optional_seed():
    draw = parse_plan({"year": "2026", "sample_percent": "12,5", "seed": "42"})
    assert (draw.year, draw.sample_percent, draw.seed, draw.errors) == (2026, 12.5, "42", {})
    blank = parse_plan({"year": "2026", "sample_percent": "", "seed": ""})
    assert (blank.sample_percent, blank.seed, blank.errors) == (None, None, {})


def test_a_wrong_plan_draw_says_which_field_and_keeps_what_was_typed():
    draw = parse_plan({"year": "năm nay", "sample_percent": "150", "seed": "12 34"})
    assert set(draw.errors) == {"year", "sample_percent", "seed"}
    assert "không quá 100" in draw.errors["sample_percent"] and "viết liền" in draw.errors["seed"]
    assert draw.values == {"year": "năm nay", "sample_percent": "150", "seed": "12 34"}


def test_a_register_number_is_padded_as_the_register_prints_it():
    assert normalise_case_reference(" 12/2026/tl ") == "00012/2026/TL"
    assert normalise_case_reference("00012/2026/TL") == "00012/2026/TL"
    assert normalise_case_reference("4f1c-case-id") == "4f1c-case-id"


def test_scores_are_whole_numbers_up_to_the_maximum_blank_meaning_not_scored_yet():
    sheet = parse_scores({"score:file_complete": "8", "note:file_complete": " Đủ ",
                          "score:legal_argument": "", "note:legal_argument": "",
                          "score:result_recorded": "3", "successful": "yes", "effective": ""}, CRITERIA)
    assert sheet.errors == {}
    assert sheet.criteria == [CriterionScore("file_complete", 8, "Đủ"), CriterionScore("result_recorded", 3, None)]
    assert (sheet.successful, sheet.effective) == (True, None)
    assert failing(CRITERIA, {c.code: c.score for c in sheet.criteria}) == ["result_recorded"]


def test_a_score_out_of_range_is_refused_next_to_its_criterion():
    sheet = parse_scores({"score:file_complete": "11", "score:legal_argument": "7,5",
                          "score:result_recorded": "-1", "successful": "maybe"}, CRITERIA)
    assert sheet.errors == {"score:file_complete": "Điểm là số nguyên từ 0 đến 10.",
                            "score:legal_argument": "Điểm là số nguyên từ 0 đến 20.",
                            "score:result_recorded": "Điểm là số nguyên từ 0 đến 10.",
                            "successful": "Chọn vụ việc có thành công hay không."}
    assert sheet.values["score:legal_argument"] == "7,5"


def test_a_note_is_kept_with_a_score_only():
    sheet = parse_scores({"score:file_complete": "", "note:file_complete": "Chờ giải trình"}, CRITERIA)
    assert sheet.errors == {"score:file_complete": "Nhập điểm của tiêu chí này để lưu ghi chú."}
    assert sheet.values["note:file_complete"] == "Chờ giải trình"


def test_corrective_actions_are_raised_only_where_chosen_with_what_must_be_shown():
    today = date(2026, 5, 4)
    form = {"raise:result_recorded": "on", "owner:result_recorded": "", "due:result_recorded": "2026-06-03",
            "evidence:result_recorded": "Bổ sung biên bản lưu hồ sơ",
            "raise:legal_argument": "", "evidence:legal_argument": ""}
    choices = parse_actions(form, ["result_recorded", "legal_argument"], today)
    assert choices.errors == {}
    assert choices.actions == [ActionRequest("result_recorded", "Bổ sung biên bản lưu hồ sơ", date(2026, 6, 3), None)]
    assert choices.actions[0].as_json() == {"criterion": "result_recorded", "required_evidence":
                                            "Bổ sung biên bản lưu hồ sơ", "due_on": "2026-06-03",
                                            "owner_officer_id": None}


def test_a_raised_action_needs_its_evidence_and_a_due_date_not_in_the_past():
    choices = parse_actions({"raise:result_recorded": "on", "due:result_recorded": "2026-05-03",
                             "evidence:result_recorded": "  "}, ["result_recorded"], date(2026, 5, 4))
    assert choices.errors == {"due:result_recorded": "Hạn khắc phục không được trước hôm nay.",
                              "evidence:result_recorded": "Cần ghi kết quả khắc phục cần chứng minh."}
    assert default_due(date(2026, 5, 4), 30) == date(2026, 6, 3) and default_due(date(2026, 5, 4), None) == date(
        2026, 6, 3)

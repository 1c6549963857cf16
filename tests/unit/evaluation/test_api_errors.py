"""The evaluation API names a bad input the way a form does, with a Vietnamese message."""

from services.evaluation.entrypoints.errors import FALLBACK, field_name, message_of


def test_field_names_drop_the_location_and_index_lists():
    assert field_name(("body", "criteria", 2, "score")) == "criteria[2].score"
    assert field_name(("body", "actor", "roles", 0)) == "actor.roles[0]"
    assert field_name(("query", "status")) == "status"
    assert field_name(("body",)) is None


def test_messages_are_vietnamese_with_their_limits():
    assert message_of({"type": "missing"}) == "Thiếu thông tin bắt buộc."
    assert message_of({"type": "string_too_short", "ctx": {"min_length": 5}}) == "Nội dung quá ngắn (ít nhất 5 ký tự)."
    assert message_of({"type": "less_than_equal", "ctx": {"le": 100}}) == "Giá trị không được vượt quá 100."


def test_an_unknown_error_or_a_template_without_its_value_falls_back():
    assert message_of({"type": "something_new"}) == FALLBACK
    assert message_of({"type": "string_too_short"}) == FALLBACK

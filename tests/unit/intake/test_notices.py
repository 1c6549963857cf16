"""Reading agency notices, their 12 h / 24 h deadline, their revisions."""

import json
from datetime import datetime, timedelta, timezone


from services.intake.domain.notices import (
    Rejection,
    RevisionOutcome,
    read_notice,
    revision_outcome,
)
from shared.external import ReferralNotice

from tests import harness

ICT = timezone(timedelta(hours=7))
NOW = datetime(2026, 11, 26, 9, 30, tzinfo=ICT)


def _raw(**overrides) -> bytes:
    base = {"sent_at": NOW.isoformat(), "request_received_at": (NOW - timedelta(hours=2)).isoformat()}
    base.update(overrides)
    return json.dumps(harness.make_notice(**base), ensure_ascii=False).encode()


def _sent_after(delay: timedelta, status: str) -> ReferralNotice:
    notice = read_notice(_raw(procedural_status=status, request_received_at=(NOW - delay).isoformat()), NOW)
    assert isinstance(notice, ReferralNotice)
    return notice


# --- read_notice --------------------------------------------------------------------------------------


def test_a_valid_notice_is_read():
    notice = read_notice(_raw(notice_id="N-7", revision=2), NOW)
    assert isinstance(notice, ReferralNotice)
    assert notice.notice_id == "N-7"
    assert notice.revision == 2
    assert notice.person.full_name == "Nguyễn Văn An"


def test_garbage_is_rejected_as_a_whole_never_raised():
    for data in (b"", b"   ", b"not json", b"{", b'{"a": 1', b"\xff\xfe\xfd", b"\xc3\x28", b"\x00\x01"):
        result = read_notice(data, NOW)
        assert isinstance(result, Rejection), data
        assert result.agency_code is None and result.notice_id is None, data
        assert [e.field for e in result.errors] == ["$"], data


def test_non_utf8_bytes_are_named_in_the_message():
    result = read_notice(b'{"notice_id": "\xff"}', NOW)
    assert isinstance(result, Rejection)
    assert result.errors[0].field == "$"
    assert "not valid UTF-8 JSON" in result.errors[0].message


def test_json_that_is_not_an_object_is_rejected():
    for data in (b"[]", b'[{"notice_id": "N-1"}]', b'"notice"', b"42", b"null", b"true"):
        result = read_notice(data, NOW)
        assert isinstance(result, Rejection), data
        assert result.errors[0].field == "$", data
        assert result.errors[0].message == "must be a JSON object", data


def test_an_empty_object_lists_every_missing_field():
    result = read_notice(b"{}", NOW)
    assert isinstance(result, Rejection)
    assert {e.field for e in result.errors} == {"schema_version", "notice_id", "agency", "sent_at", "person",
                                                 "procedural_status", "wants_legal_aid", "case"}
    assert (result.agency_code, result.notice_id) == (None, None)


def test_nesting_within_the_parsers_limit_is_rejected_by_field():
    nested = b"[" * 900 + b"]" * 900
    data = b'{"notice_id": "N-1", "agency": {"code": "CA-GL"}, "person": ' + nested + b"}"
    result = read_notice(data, NOW)
    assert isinstance(result, Rejection)
    assert "person" in {e.field for e in result.errors}
    assert (result.agency_code, result.notice_id) == ("CA-GL", "N-1")


def test_deeply_nested_json_is_rejected_not_raised():
    result = read_notice(b"[" * 100_000 + b"]" * 100_000, NOW)
    assert isinstance(result, Rejection)
    assert result.errors[0].field == "$"


def test_a_huge_number_is_rejected_not_raised():
    result = read_notice(b'{"revision": ' + b"9" * 5000 + b"}", NOW)
    assert isinstance(result, Rejection)


def test_utf16_json_is_rejected_as_not_utf8():
    result = read_notice('{"schema_version": 1}'.encode("utf-16"), NOW)
    assert isinstance(result, Rejection) and result.errors[0].field == "$"


def test_errors_are_named_by_dotted_field_path():
    result = read_notice(_raw(person__national_id="123"), NOW)
    assert isinstance(result, Rejection)
    assert [e.field for e in result.errors] == ["person.national_id"]
    assert result.errors[0].message


def test_list_items_are_named_by_index():
    result = read_notice(_raw(claimed_groups=["child", "nobody"]), NOW)
    assert isinstance(result, Rejection)
    assert [e.field for e in result.errors] == ["claimed_groups.1"]


def test_a_notice_level_rule_is_named_dollar():
    result = read_notice(_raw(request_received_at=harness.DELETE), NOW)
    assert isinstance(result, Rejection)
    assert [e.field for e in result.errors] == ["$"]
    assert "request_received_at" in result.errors[0].message


def test_the_future_rule_uses_the_now_it_is_given():
    data = _raw(sent_at=(NOW + timedelta(minutes=30)).isoformat())
    assert [e.field for e in read_notice(data, NOW).errors] == ["sent_at"]
    assert isinstance(read_notice(data, NOW + timedelta(minutes=25)), ReferralNotice)


def test_a_rejection_keeps_the_identity_it_could_read():
    result = read_notice(_raw(notice_id="N-42", agency__code="CA-GL-QN", person__national_id="x"), NOW)
    assert isinstance(result, Rejection)
    assert (result.agency_code, result.notice_id) == ("CA-GL-QN", "N-42")


def test_identity_is_read_best_effort():
    cases = [
        ({"notice_id": "N-1"}, (None, "N-1")),
        ({"agency": {"code": "CA-GL"}}, ("CA-GL", None)),
        ({"agency": "CA-GL", "notice_id": 12}, (None, None)),
        ({"agency": {"code": 7}, "notice_id": ["N-1"]}, (None, None)),
        ({"agency": {"code": "  "}, "notice_id": ""}, (None, None)),
        ({"agency": None, "notice_id": None}, (None, None)),
    ]
    for document, identity in cases:
        result = read_notice(json.dumps(document).encode(), NOW)
        assert isinstance(result, Rejection), document
        assert (result.agency_code, result.notice_id) == identity, document


def test_identity_is_kept_when_a_field_rule_fails_on_it():
    result = read_notice(_raw(notice_id="n" * 65), NOW)
    assert isinstance(result, Rejection)
    assert result.notice_id == "n" * 65
    assert [e.field for e in result.errors] == ["notice_id"]


# --- the deadline -------------------------------------------------------------------------------------

def test_revision_outcome():
    assert revision_outcome(None, 1) is RevisionOutcome.NEW
    assert revision_outcome(None, 5) is RevisionOutcome.NEW
    assert revision_outcome(1, 2) is RevisionOutcome.NEWER_REVISION
    assert revision_outcome(2, 9) is RevisionOutcome.NEWER_REVISION
    assert revision_outcome(2, 2) is RevisionOutcome.STALE
    assert revision_outcome(3, 2) is RevisionOutcome.STALE

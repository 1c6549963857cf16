"""Property-based tests of the inbound contract (EXTERNAL.md §1): whatever bytes arrive on
`tgpl.inbound.referral`, reading them gives a valid notice or a rejection that names at least one
field and why; it never raises. The broker-level version is in tests/integration/intake."""

import json
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from services.intake.domain.notices import Rejection, read_notice
from shared.external import ReferralNotice
from tests import harness

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=timezone(timedelta(hours=7)))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30,
)

#: Paths into a valid notice whose values the tests replace with anything.
PATHS = ["schema_version", "notice_id", "revision", "agency", "agency.kind", "agency.code", "agency.name", "sent_at",
         "request_received_at", "person", "person.full_name", "person.birth_date", "person.gender",
         "person.national_id", "person.commune_code", "procedural_status", "wants_legal_aid", "claimed_groups",
         "case", "case.field", "case.agency_case_ref", "case.trial_date"]


def _outcome(data: bytes):
    result = read_notice(data, NOW)
    assert isinstance(result, (ReferralNotice, Rejection))
    if isinstance(result, Rejection):
        assert result.errors, "a rejection must say why"
        for error in result.errors:
            assert error.field and error.message
    return result


@given(st.binary(max_size=2000))
@example(b"")
@example(b"\xff\xfe{\x00}\x00")  # UTF-16 with a BOM: the contract is UTF-8
@example(b"[" * 100_000)  # nesting deeper than any parser's stack
@example(b'{"notice_id": 1e999999}')
@example("{\"notice_id\": \"\ud800\"}".encode("utf-8", "surrogatepass"))  # a lone surrogate
def test_any_bytes_are_a_notice_or_a_rejection_with_reasons(data):
    _outcome(data)


@given(json_values)
def test_any_json_document_is_a_notice_or_a_rejection_with_reasons(document):
    _outcome(json.dumps(document).encode())


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), json_values)
def test_a_valid_notice_with_any_field_replaced_is_read_or_rejected_naming_a_field(path, value):
    notice = harness.make_notice(**{path.replace(".", "__"): value})
    result = _outcome(json.dumps(notice).encode())
    if isinstance(result, Rejection):
        # The identity is kept whenever it is readable, so the agency can be answered.
        if path not in ("agency", "agency.code") and notice["agency"]["code"] == "CA-GL":
            assert result.agency_code == "CA-GL"


@settings(max_examples=100)
@given(st.integers(min_value=1, max_value=3650 * 24))
def test_notices_dated_in_the_future_are_rejected_on_sent_at(hours):
    notice = harness.make_notice(sent_at=(NOW + timedelta(hours=hours)).isoformat(),
                                 request_received_at=None)
    result = _outcome(json.dumps(notice).encode())
    assert isinstance(result, Rejection) and any(e.field == "sent_at" for e in result.errors)


@settings(max_examples=200)
@given(st.text(max_size=20))
def test_a_national_id_that_is_not_twelve_digits_is_rejected_on_that_field(national_id):
    notice = harness.make_notice(person__national_id=national_id)
    result = _outcome(json.dumps(notice).encode())
    digits = national_id.strip()
    if not (len(digits) == 12 and digits.isascii() and digits.isdigit()):
        assert isinstance(result, Rejection)
        assert any(e.field == "person.national_id" for e in result.errors)


def test_a_megabyte_of_padding_is_read_without_trouble():
    notice = harness.make_notice()
    notice["case"]["summary"] = "x" * 1_000_000
    _outcome(json.dumps(notice).encode())

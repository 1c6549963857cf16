"""The external contracts of EXTERNAL.md, field by field: what an agency or province system may send."""

import json
import unicodedata
from datetime import date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from shared.external import (
    SENT_AT_MAX_FUTURE,
    FieldError,
    NoticeRejection,
    ReferralNotice,
    Report,
    ReportPeriod,
    ReportRequest,
    ReportTotals,
)
from tests import harness

ICT = timezone(timedelta(hours=7))
NOW = datetime(2026, 11, 26, 9, 30, tzinfo=ICT)


def _doc(**overrides) -> dict:
    """A valid notice sent at NOW, its request received two hours before."""
    base = {"sent_at": NOW.isoformat(), "request_received_at": (NOW - timedelta(hours=2)).isoformat()}
    base.update(overrides)
    return harness.make_notice(**base)


def _validate(document: dict, now: datetime = NOW) -> ReferralNotice:
    return ReferralNotice.model_validate(document, context={"now": now})


def _error_paths(document: dict, now: datetime = NOW) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        _validate(document, now)
    return {".".join(str(part) for part in err["loc"]) for err in caught.value.errors()}


# --- the valid notice -----------------------------------------------------------------------------


def test_the_harness_notice_is_valid_and_read_field_for_field():
    document = _doc(notice_id="CAQN-2026-000123")
    notice = _validate(document)
    assert notice.schema_version == 1
    assert notice.notice_id == "CAQN-2026-000123"
    assert notice.revision == 1
    assert notice.agency.kind == "police"
    assert notice.agency.code == "CA-GL"
    assert notice.sent_at == NOW
    assert notice.request_received_at == NOW - timedelta(hours=2)
    assert notice.person.full_name == "Nguyễn Văn An"
    assert notice.person.birth_date == date(2009, 4, 12)
    assert notice.person.gender == "male"
    assert notice.person.national_id is not None and len(notice.person.national_id) == 12
    assert notice.person.commune_code == "21583"
    assert notice.procedural_status == "arrested"
    assert notice.wants_legal_aid is True
    assert notice.claimed_groups == ["accused_aged_16_18"]
    assert notice.case.field == "criminal"
    assert notice.case.summary == "Trộm cắp tài sản"
    assert notice.case.trial_date is None


def test_the_example_of_external_md_parses_from_json():
    raw = json.dumps({
        "schema_version": 1, "notice_id": "CAQN-2026-000123", "revision": 1,
        "agency": {"kind": "police", "code": "CA-GL-QN", "name": "Công an phường Quy Nhơn"},
        "sent_at": "2026-11-26T09:15:00+07:00", "request_received_at": "2026-11-26T08:30:00+07:00",
        "person": {"full_name": "Nguyễn Văn An", "birth_date": "2009-04-12", "gender": "male",
                   "national_id": "052209001234", "commune_code": "21583", "ethnicity": "Kinh"},
        "procedural_status": "arrested", "wants_legal_aid": True, "claimed_groups": ["accused_aged_16_18"],
        "case": {"agency_case_ref": "45/2026/HS", "field": "criminal", "summary": "Trộm cắp tài sản",
                 "trial_date": None},
    }, ensure_ascii=False).encode()
    notice = ReferralNotice.model_validate_json(raw, context={"now": NOW})
    assert notice.dedup_key == "CA-GL-QN:CAQN-2026-000123:1"
    assert notice.sent_at == datetime(2026, 11, 26, 2, 15, tzinfo=timezone.utc)


def test_dedup_key_carries_the_revision():
    assert _validate(_doc(notice_id="N-1", revision=3)).dedup_key == "CA-GL:N-1:3"


def test_a_notice_is_frozen():
    notice = _validate(_doc())
    with pytest.raises(ValidationError):
        notice.revision = 2


# --- schema_version, notice_id, revision ------------------------------------------------------------


def test_schema_version_must_be_1():
    assert _error_paths(_doc(schema_version=2)) == {"schema_version"}
    assert _error_paths(_doc(schema_version=harness.DELETE)) == {"schema_version"}


def test_notice_id_is_1_to_64_chars():
    assert _validate(_doc(notice_id="x")).notice_id == "x"
    assert _validate(_doc(notice_id="n" * 64)).notice_id == "n" * 64
    assert _error_paths(_doc(notice_id="n" * 65)) == {"notice_id"}
    assert _error_paths(_doc(notice_id="")) == {"notice_id"}
    assert _error_paths(_doc(notice_id="   ")) == {"notice_id"}
    assert _error_paths(_doc(notice_id=harness.DELETE)) == {"notice_id"}


def test_revision_defaults_to_1():
    assert _validate(_doc(revision=harness.DELETE)).revision == 1


def test_revision_is_a_strict_integer_of_at_least_1():
    assert _validate(_doc(revision=7)).revision == 7
    assert _error_paths(_doc(revision=0)) == {"revision"}
    assert _error_paths(_doc(revision=-1)) == {"revision"}
    assert _error_paths(_doc(revision="2")) == {"revision"}
    assert _error_paths(_doc(revision=True)) == {"revision"}
    assert _error_paths(_doc(revision=2.0)) == {"revision"}


# --- agency -----------------------------------------------------------------------------------------


def test_agency_kind_is_one_of_four():
    for kind in ("police", "procuracy", "court", "detention_facility"):
        assert _validate(_doc(agency__kind=kind)).agency.kind == kind
    assert _error_paths(_doc(agency__kind="army")) == {"agency.kind"}
    assert _error_paths(_doc(agency__kind="Police")) == {"agency.kind"}


def test_agency_code_and_name_are_non_empty():
    assert _error_paths(_doc(agency__code="")) == {"agency.code"}
    assert _error_paths(_doc(agency__code="  ")) == {"agency.code"}
    assert _error_paths(_doc(agency__name="")) == {"agency.name"}
    assert _error_paths(_doc(agency__name=harness.DELETE)) == {"agency.name"}


def test_an_unknown_agency_code_is_accepted():
    assert _validate(_doc(agency__code="XX-NOT-IN-REFERENCE")).agency.code == "XX-NOT-IN-REFERENCE"


# --- sent_at, request_received_at --------------------------------------------------------------------


def test_sent_at_is_required():
    assert _error_paths(_doc(sent_at=harness.DELETE)) == {"sent_at"}


def test_sent_at_must_carry_an_offset():
    assert _error_paths(_doc(sent_at="2026-11-26T09:15:00")) == {"sent_at"}


def test_sent_at_may_be_up_to_10_minutes_in_the_future():
    assert SENT_AT_MAX_FUTURE == timedelta(minutes=10)
    at_limit = NOW + timedelta(minutes=10)
    assert _validate(_doc(sent_at=at_limit.isoformat())).sent_at == at_limit
    past_limit = NOW + timedelta(minutes=10, seconds=1)
    assert _error_paths(_doc(sent_at=past_limit.isoformat())) == {"sent_at"}


def test_the_future_rule_uses_the_receivers_clock_from_the_context():
    sent = NOW + timedelta(hours=1)
    document = _doc(sent_at=sent.isoformat())
    assert _error_paths(document, now=NOW) == {"sent_at"}
    assert _validate(document, now=NOW + timedelta(minutes=55)).sent_at == sent


def test_sent_at_in_another_offset_is_compared_as_an_instant():
    # 02:35 UTC is 09:35 in Vietnam: 5 minutes ahead of NOW, within the skew.
    assert _validate(_doc(sent_at="2026-11-26T02:35:00+00:00")).sent_at == NOW + timedelta(minutes=5)
    assert _error_paths(_doc(sent_at="2026-11-26T02:45:00+00:00")) == {"sent_at"}


def test_request_received_at_is_required_when_legal_aid_is_wanted():
    paths = _error_paths(_doc(request_received_at=harness.DELETE, wants_legal_aid=True))
    assert paths == {""}  # a model-level rule: reported on the notice itself, not on a field
    notice = _validate(_doc(request_received_at=harness.DELETE, wants_legal_aid=False))
    assert notice.request_received_at is None
    assert notice.wants_legal_aid is False


def test_request_received_at_must_carry_an_offset():
    assert _error_paths(_doc(request_received_at="2026-11-26T07:30:00")) == {"request_received_at"}


# --- person -------------------------------------------------------------------------------------------


def test_vietnamese_names_with_diacritics_are_accepted():
    for name in ("Nguyễn Thị Ánh Đào", "H'Hen Niê", "Trần Văn Bảy", "Lê-Phạm Thu Hà", "Đặng Ngọc Ẩn"):
        assert _validate(_doc(person__full_name=name)).person.full_name == name


def test_full_name_whitespace_is_collapsed():
    assert _validate(_doc(person__full_name="  Nguyễn   Văn  An ")).person.full_name == "Nguyễn Văn An"


def test_full_name_rejects_digits_markup_and_empty():
    for name in ("Nguyễn Văn 2", "<script>alert(1)</script>", "An_Bình", "", "   ", "x" * 201):
        assert _error_paths(_doc(person__full_name=name)) == {"person.full_name"}, name
    assert _error_paths(_doc(person__full_name=harness.DELETE)) == {"person.full_name"}


def test_full_name_in_decomposed_unicode_is_accepted():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh Đào")
    assert _validate(_doc(person__full_name=decomposed)).person.full_name == "Nguyễn Thị Ánh Đào"


def test_birth_date_is_a_required_key_but_may_be_null():
    assert _validate(_doc(person__birth_date=None)).person.birth_date is None
    assert _error_paths(_doc(person__birth_date=harness.DELETE)) == {"person.birth_date"}
    assert _error_paths(_doc(person__birth_date="12/04/2009")) == {"person.birth_date"}


def test_gender_is_one_of_four():
    for gender in ("male", "female", "other", "unknown"):
        assert _validate(_doc(person__gender=gender)).person.gender == gender
    assert _error_paths(_doc(person__gender="M")) == {"person.gender"}
    assert _error_paths(_doc(person__gender=harness.DELETE)) == {"person.gender"}


def test_national_id_is_optional_but_exactly_12_digits_when_present():
    assert _validate(_doc(person__national_id=harness.DELETE)).person.national_id is None
    assert _validate(_doc(person__national_id=None)).person.national_id is None
    for bad in ("123", "05220900123", "0522090012345", "05220900123a", "", " 052209001234"):
        assert _error_paths(_doc(person__national_id=bad)) == {"person.national_id"}, bad
    assert _error_paths(_doc(person__national_id=52209001234)) == {"person.national_id"}


def test_typographic_apostrophe_in_a_name_is_accepted_as_ascii():
    assert _validate(_doc(person__full_name="H\u2019Hen Niê")).person.full_name == "H'Hen Niê"


def test_commune_code_is_5_digits_or_null_or_absent():
    assert _validate(_doc(person__commune_code=None)).person.commune_code is None
    assert _validate(_doc(person__commune_code=harness.DELETE)).person.commune_code is None
    assert _validate(_doc(person__commune_code="00001")).person.commune_code == "00001"
    for bad in ("2158", "215830", "2158a", ""):
        assert _error_paths(_doc(person__commune_code=bad)) == {"person.commune_code"}, bad


def test_ethnicity_is_optional():
    assert _validate(_doc(person__ethnicity=harness.DELETE)).person.ethnicity is None


# --- procedural_status, wants_legal_aid, claimed_groups --------------------------------------------


def test_procedural_status_is_one_of_eight():
    statuses = ("arrested", "held_in_custody", "suspect", "defendant", "victim", "involved_party", "witness",
                "other")
    for status in statuses:
        assert _validate(_doc(procedural_status=status)).procedural_status == status
    assert _error_paths(_doc(procedural_status="detained")) == {"procedural_status"}


def test_wants_legal_aid_is_a_strict_bool():
    assert _validate(_doc(wants_legal_aid=False)).wants_legal_aid is False
    for bad in ("true", 1, 0, "yes", None):
        assert _error_paths(_doc(wants_legal_aid=bad)) == {"wants_legal_aid"}, bad
    assert _error_paths(_doc(wants_legal_aid=harness.DELETE)) == {"wants_legal_aid"}


def test_claimed_groups_come_from_the_vocabulary_and_may_be_empty():
    assert _validate(_doc(claimed_groups=[])).claimed_groups == []
    assert _validate(_doc(claimed_groups=harness.DELETE)).claimed_groups == []
    notice = _validate(_doc(claimed_groups=["poor_household", "child", "hiv"]))
    assert notice.claimed_groups == ["poor_household", "child", "hiv"]
    assert _error_paths(_doc(claimed_groups=["child", "rich_household"])) == {"claimed_groups.1"}
    assert _error_paths(_doc(claimed_groups="child")) == {"claimed_groups"}


# --- case ---------------------------------------------------------------------------------------------


def test_case_field_is_one_of_seven():
    for field in ("criminal", "civil", "administrative", "labour", "land", "marriage_family", "other"):
        assert _validate(_doc(case__field=field)).case.field == field
    assert _error_paths(_doc(case__field="family")) == {"case.field"}


def test_agency_case_ref_is_required_and_non_empty():
    assert _error_paths(_doc(case__agency_case_ref="")) == {"case.agency_case_ref"}
    assert _error_paths(_doc(case__agency_case_ref=harness.DELETE)) == {"case.agency_case_ref"}


def test_summary_is_at_most_2000_chars_and_optional():
    assert _validate(_doc(case__summary="ạ" * 2000)).case.summary == "ạ" * 2000
    assert _error_paths(_doc(case__summary="ạ" * 2001)) == {"case.summary"}
    assert _validate(_doc(case__summary=harness.DELETE)).case.summary == ""


def test_trial_date_is_an_optional_date():
    assert _validate(_doc(case__trial_date="2026-12-15")).case.trial_date == date(2026, 12, 15)
    assert _validate(_doc(case__trial_date=harness.DELETE)).case.trial_date is None
    assert _error_paths(_doc(case__trial_date="next week")) == {"case.trial_date"}


# --- forward compatibility, several errors ----------------------------------------------------------


def test_unknown_extra_fields_are_ignored_at_every_level():
    document = _doc(priority="high", agency__region="central", person__nickname="Tí", case__court_room="3")
    notice = _validate(document)
    assert notice.notice_id == document["notice_id"]
    dumped = notice.model_dump()
    assert "priority" not in dumped
    assert "region" not in dumped["agency"]
    assert "nickname" not in dumped["person"]
    assert "court_room" not in dumped["case"]


def test_every_broken_rule_is_reported_with_its_path():
    document = _doc(revision="2", person__national_id="123", case__field="family", agency__kind="army")
    assert _error_paths(document) == {"revision", "person.national_id", "case.field", "agency.kind"}


# --- NoticeRejection ----------------------------------------------------------------------------------


def test_notice_rejection_has_the_contract_shape():
    rejection = NoticeRejection(agency_code="CA-GL-QN", notice_id="CAQN-2026-000123", received_at=NOW,
                                errors=[FieldError(field="person.national_id", message="12 digits")])
    body = json.loads(rejection.model_dump_json())
    assert body == {
        "schema_version": 1,
        "agency_code": "CA-GL-QN",
        "notice_id": "CAQN-2026-000123",
        "received_at": "2026-11-26T09:30:00+07:00",
        # `code` is an added field (EXTERNAL.md allows additions, never renames or removals)
        "errors": [{"field": "person.national_id", "message": "12 digits", "code": None}],
    }


def test_notice_rejection_identity_may_be_null_but_must_be_given():
    rejection = NoticeRejection(agency_code=None, notice_id=None, received_at=NOW,
                                errors=[FieldError(field="$", message="not JSON")])
    body = json.loads(rejection.model_dump_json())
    assert body["agency_code"] is None
    assert body["notice_id"] is None
    with pytest.raises(ValidationError):
        NoticeRejection(received_at=NOW, errors=[])


def test_notice_rejection_received_at_must_be_aware():
    with pytest.raises(ValidationError):
        NoticeRejection(agency_code=None, notice_id=None, received_at=datetime(2026, 11, 26, 9, 30), errors=[])


# --- ReportRequest, Report --------------------------------------------------------------------------


def test_report_request_reads_both_dates():
    request = ReportRequest.model_validate_json(b'{"period_start": "2026-11-01", "period_end": "2026-11-30"}')
    assert (request.period_start, request.period_end) == (date(2026, 11, 1), date(2026, 11, 30))


def test_report_request_may_cover_one_day_and_ignores_extra_fields():
    request = ReportRequest.model_validate({"period_start": "2026-11-05", "period_end": "2026-11-05", "x": 1})
    assert request.period_start == request.period_end == date(2026, 11, 5)


def test_report_request_end_before_start_fails():
    with pytest.raises(ValidationError) as caught:
        ReportRequest.model_validate({"period_start": "2026-11-30", "period_end": "2026-11-01"})
    assert "period_end must not be before period_start" in str(caught.value)


def test_report_request_needs_both_dates_as_dates():
    with pytest.raises(ValidationError):
        ReportRequest.model_validate({"period_start": "2026-11-01"})
    with pytest.raises(ValidationError):
        ReportRequest.model_validate({"period_start": "2026-11-01", "period_end": "30/11/2026"})


def test_report_msg_id_is_report_id_and_revision():
    report = Report(report_id="tgpl-monthly-2026-11-01-2026-11-30", revision=3, kind="monthly",
                    period=ReportPeriod(start=date(2026, 11, 1), end=date(2026, 11, 30)),
                    generated_at=NOW, totals=ReportTotals())
    assert report.msg_id == "tgpl-monthly-2026-11-01-2026-11-30:3"


def test_report_carries_every_required_field_of_the_contract():
    report = Report(report_id="r", revision=1, kind="adhoc",
                    period=ReportPeriod(start=date(2026, 11, 1), end=date(2026, 11, 30)),
                    generated_at=NOW, totals=ReportTotals(cases_opened=4))
    body = json.loads(report.model_dump_json())
    assert {"schema_version", "report_id", "revision", "period", "generated_at", "totals", "by_agency",
            "by_locality", "by_field", "by_group", "officers"} <= body.keys()
    assert body["schema_version"] == 1
    assert body["period"] == {"start": "2026-11-01", "end": "2026-11-30"}
    assert set(body["totals"]) == {"notices_received", "notices_rejected", "cases_opened", "requests_refused",
                                   "cases_assigned", "cases_closed", "cases_evaluated", "missed_beneficiaries",
                                   "late_notices"}
    assert body["totals"]["cases_opened"] == 4
    assert body["totals"]["late_notices"] == 0


def test_report_revision_starts_at_1():
    with pytest.raises(ValidationError):
        Report(report_id="r", revision=0, kind="adhoc",
               period=ReportPeriod(start=date(2026, 11, 1), end=date(2026, 11, 30)),
               generated_at=NOW, totals=ReportTotals())

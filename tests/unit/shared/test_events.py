"""The event envelope, the internal events and the subjects and streams they travel on."""

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from shared import events as ev
from shared.envelope import Event
from shared.external import FieldError
from shared.subjects import (
    EVENT_SUBJECTS,
    INBOUND_REFERRAL,
    INBOUND_REJECTED,
    REPORT_SUBJECTS,
    REPORTS_REQUEST,
    STREAMS,
    rejected_subject_for,
    stream_of,
    subject_of,
)

ICT = timezone(timedelta(hours=7))
AT = datetime(2026, 11, 26, 9, 30, tzinfo=ICT)

#: One instance of every event type, with every required field.
SAMPLES: list[Event] = [
    ev.NoticeReceived(notice_key="CA-GL:N-1", revision=2, agency_code="CA-GL", agency_kind="police",
                      agency_known=True, sent_at=AT, request_received_at=AT - timedelta(hours=13),
                      procedural_status="arrested", wants_legal_aid=True, field="criminal", commune_code="21583",
                      commune_known=True, gender="female", claimed_groups=["child"], late=True, deadline_hours=12),
    ev.NoticeRejected(rejection_id="rj-1", agency_code=None, notice_id=None, received_at=AT,
                      errors=[FieldError(field="$", message="not JSON")]),
    ev.CaseOpened(case_id="c-1", register_no="00001/2026/TL", channel="agency_notice", notice_key="CA-GL:N-1",
                  field="civil", commune_code=None, branch_code=None, gender="unknown", birth_date=date(2009, 4, 12),
                  groups=["child"], procedural_status="victim", urgent=True),
    ev.CaseNoticeLinked(case_id="c-1", matter_id="m-1", notice_key="VKS-GL:N-9", agency_code="VKS-GL",
                        stage="prosecution", rule="matter.next_stage.v1"),
    ev.MissedBeneficiaryDetected(missed_id="mb-1", notice_key="CA-GL:N-2", person_id="p-1", agency_code="CA-GL",
                                 reason="did_not_ask", groups=["child"], explanation="Trẻ em chưa yêu cầu"),
    ev.PerformerChangeRequested(case_id="c-1", officer_id="o-1", reason="Không tin tưởng", due=AT + timedelta(days=3)),
    ev.RequestRefused(request_id="r-1", ground="d", reason="Đã có tổ chức khác thụ lý"),
    ev.CaseClosed(case_id="c-1", outcome="terminated:withdrawn", officer_id="o-1"),
    ev.OfficerRegistered(officer_id="o-1", full_name="Trần Thị Bình", branch_code="HQ", is_leader=True,
                         leader_role="branch_head", fields=["criminal", "land"], appointed_on=date(2019, 3, 1),
                         quota_target=10),
    ev.CaseAssigned(case_id="c-1", officer_id="o-1", is_leader=False, branch_code="HQ", rule="r/v1", reason="lý do",
                    candidates=[ev.CandidateScore(officer_id="o-1", eligible=True, load=2.0, target=6, score=0.33),
                                ev.CandidateScore(officer_id="o-2", eligible=False, excluded_by="inactive")]),
    ev.CaseAssignmentFailed(case_id="c-1", branch_code=None, reason="không có ai"),
    ev.CaseTakeRequested(request_id="t-1", case_id="c-1", officer_id="o-2", reason="Tôi đã quen địa bàn này"),
    ev.CaseTakeRequestDecided(request_id="t-1", case_id="c-1", officer_id="o-2", approved=False, decided_by="lanhdao",
                              reason="Chưa có căn cứ đặc biệt"),
    ev.CaseEvaluated(case_id="c-1", officer_id=None, method="appraisal", rating="meets", successful=None),
    ev.CorrectiveActionRaised(action_id="a-1", case_id="c-1", evaluation_id="e-1", criterion="file.complete",
                              officer_id="o-1", due_on=date(2026, 12, 31), required_evidence="Bản sao biên bản",
                              raised_by="danhgia"),
    ev.CorrectiveActionClosed(action_id="a-1", case_id="c-1", criterion="file.complete", officer_id="o-1",
                              closed_by="lanhdao", note="Đã bổ sung", late=False),
    ev.OfficerReviewed(review_id="r-1", officer_id="o-1", year=2026, band="meets", proceedings_cases=13),
]


def test_the_samples_cover_every_event_type():
    assert sorted(type(s).TYPE for s in SAMPLES) == sorted(ev.EVENT_TYPES)
    assert len(ev.EVENT_TYPES) == len(ev.ALL_EVENTS) == 17


def test_event_types_are_distinct_and_named_by_their_service():
    types = [cls.TYPE for cls in ev.ALL_EVENTS]
    assert len(set(types)) == len(types)
    for cls in ev.ALL_EVENTS:
        service, _, name = cls.TYPE.partition(".")
        assert service in {"intake", "assignment", "evaluation"}, cls
        assert name and name == name.lower(), cls


# --- the envelope -------------------------------------------------------------------------------------


def test_type_and_schema_version_come_from_the_class():
    event = ev.CaseClosed(case_id="c-1", outcome="closed")
    assert event.type == "intake.case_closed"
    assert event.schema_version == 1


def test_a_wrong_type_passed_by_a_caller_is_overwritten():
    event = ev.CaseClosed(case_id="c-1", outcome="closed", type="intake.case_opened")
    assert event.type == "intake.case_closed"


def test_an_explicit_schema_version_is_kept():
    assert ev.CaseClosed(case_id="c-1", outcome="closed", schema_version=2).schema_version == 2


def test_event_id_is_a_fresh_uuid_each_time():
    ids = [ev.CaseClosed(case_id="c-1", outcome="closed").event_id for _ in range(50)]
    assert len(set(ids)) == 50
    assert all(str(uuid.UUID(i)) == i for i in ids)


def test_correlation_id_defaults_to_the_event_id():
    event = ev.CaseClosed(case_id="c-1", outcome="closed")
    assert event.correlation_id == event.event_id
    assert event.causation_id is None


def test_an_explicit_correlation_id_is_kept():
    event = ev.CaseClosed(case_id="c-1", outcome="closed", correlation_id="corr-1", causation_id="cause-1")
    assert event.correlation_id == "corr-1"
    assert event.causation_id == "cause-1"
    assert event.event_id != "corr-1"


def test_occurred_at_defaults_to_an_aware_now():
    before = datetime.now(timezone.utc)
    event = ev.CaseClosed(case_id="c-1", outcome="closed")
    assert event.occurred_at.tzinfo is not None
    assert before <= event.occurred_at <= datetime.now(timezone.utc)


def test_occurred_at_must_be_aware():
    with pytest.raises(ValidationError):
        ev.CaseClosed(case_id="c-1", outcome="closed", occurred_at=datetime(2026, 11, 26, 9, 30))


def test_events_are_frozen():
    event = ev.CaseClosed(case_id="c-1", outcome="closed")
    with pytest.raises(ValidationError):
        event.outcome = "terminated"
    with pytest.raises(ValidationError):
        event.event_id = "other"
    assert event.outcome == "closed"


def test_unknown_fields_are_ignored_when_reading_an_event():
    event = ev.CaseClosed.model_validate({"case_id": "c-1", "outcome": "closed", "added_later": 1})
    assert "added_later" not in event.model_dump()


def test_every_event_round_trips_through_json_by_its_type():
    for sample in SAMPLES:
        raw = sample.model_dump_json()
        read = ev.EVENT_TYPES[sample.type].model_validate_json(raw)
        assert type(read) is type(sample)
        assert read == sample
        assert read.event_id == sample.event_id
        assert read.correlation_id == sample.correlation_id
        assert read.occurred_at == sample.occurred_at


def test_a_round_trip_keeps_nested_values():
    assigned = next(s for s in SAMPLES if isinstance(s, ev.CaseAssigned))
    read = ev.CaseAssigned.model_validate_json(assigned.model_dump_json())
    assert read.candidates[1].excluded_by == "inactive"
    assert read.candidates[0].score == 0.33
    received = next(s for s in SAMPLES if isinstance(s, ev.NoticeReceived))
    read = ev.NoticeReceived.model_validate_json(received.model_dump_json())
    assert read.request_received_at == AT - timedelta(hours=13)
    assert read.agency_kind == "police"


# --- subjects and streams -----------------------------------------------------------------------------


def test_every_event_type_has_its_own_subject():
    assert set(EVENT_SUBJECTS) == set(ev.ALL_EVENTS)
    subjects = [subject_of(cls) for cls in ev.ALL_EVENTS]
    assert len(set(subjects)) == len(subjects)
    assert subject_of(ev.CaseOpened) == "tgpl.intake.case_opened"


def test_an_event_subject_names_its_producer():
    for cls in ev.ALL_EVENTS:
        service = cls.TYPE.split(".")[0]
        assert subject_of(cls).startswith(f"tgpl.{service}."), cls


def test_every_event_subject_is_captured_by_its_services_stream():
    expected = {"intake": "TGPL_INTAKE", "assignment": "TGPL_ASSIGNMENT", "evaluation": "TGPL_EVALUATION"}
    for cls in ev.ALL_EVENTS:
        assert stream_of(subject_of(cls)).name == expected[cls.TYPE.split(".")[0]], cls


def test_external_subjects_are_captured_by_their_streams():
    assert stream_of(INBOUND_REFERRAL).name == "TGPL_INBOUND"
    assert stream_of(INBOUND_REJECTED).name == "TGPL_INBOUND"
    assert set(REPORT_SUBJECTS) == {"monthly", "quarterly", "yearly", "adhoc"}
    for subject in REPORT_SUBJECTS.values():
        assert stream_of(subject).name == "TGPL_REPORTS", subject


def test_the_report_request_subject_is_in_no_stream():
    # A stream capturing it would answer every request with a PubAck instead of the report.
    assert REPORTS_REQUEST == "tgpl.reports.request"
    with pytest.raises(KeyError):
        stream_of(REPORTS_REQUEST)
    for spec in STREAMS:
        for pattern in spec.subjects:
            assert pattern not in {REPORTS_REQUEST, "tgpl.reports.>", "tgpl.reports.*", "tgpl.>"}, spec.name


def test_an_unknown_subject_is_in_no_stream():
    with pytest.raises(KeyError):
        stream_of("tgpl.unknown.thing")


def test_stream_names_are_unique():
    names = [spec.name for spec in STREAMS]
    assert len(set(names)) == len(names) == 5


def test_no_two_streams_overlap():
    # NATS refuses streams with overlapping subjects; check every pair of patterns token by token.
    patterns = [(spec.name, pattern) for spec in STREAMS for pattern in spec.subjects]
    for i, (name_a, a) in enumerate(patterns):
        for name_b, b in patterns[i + 1:]:
            if name_a == name_b:
                continue
            ta, tb = a.split("."), b.split(".")
            overlap = True
            for k in range(max(len(ta), len(tb))):
                x = ta[k] if k < len(ta) else None
                y = tb[k] if k < len(tb) else None
                if x == ">" or y == ">":
                    overlap = x is not None and y is not None
                    break
                if x is None or y is None or (x != y and "*" not in (x, y)):
                    overlap = False
                    break
            assert not overlap, (name_a, a, name_b, b)


def test_each_concrete_stream_subject_is_found_in_its_own_stream():
    for spec in STREAMS:
        for pattern in spec.subjects:
            concrete = pattern.replace(">", "anything").replace("*", "anything")
            assert stream_of(concrete) is spec, pattern


def test_an_agencys_own_rejection_subject_needs_a_subject_token_and_is_in_the_inbound_stream():
    assert rejected_subject_for("CA-GL") == "tgpl.inbound.rejected.CA-GL"
    assert stream_of("tgpl.inbound.rejected.CA-GL").name == "TGPL_INBOUND"
    for unusable in (None, "", "CA.GL", "CA GL", "*", ">", "CA-GL.>", "Công-an", "-CA"):
        assert rejected_subject_for(unusable) is None, unusable

"""The case register: register numbers and a case opened from an agency notice."""

import json
from datetime import date, datetime, timedelta, timezone

from services.intake.domain.cases import Case, CaseStatus, register_no
from services.intake.domain.notices import read_notice
from shared.external import ReferralNotice
from shared.vocabulary import RequestChannel
from tests import harness

ICT = timezone(timedelta(hours=7))
NOW = datetime(2026, 11, 26, 9, 30, tzinfo=ICT)


def _notice(**overrides) -> ReferralNotice:
    base = {"sent_at": NOW.isoformat(), "request_received_at": (NOW - timedelta(hours=2)).isoformat()}
    base.update(overrides)
    notice = read_notice(json.dumps(harness.make_notice(**base), ensure_ascii=False).encode(), NOW)
    assert isinstance(notice, ReferralNotice)
    return notice


def test_register_no_is_numbered_per_year():
    assert register_no(2026, 1) == "00001/2026/TL"
    assert register_no(2026, 123) == "00123/2026/TL"
    assert register_no(2027, 99999) == "99999/2027/TL"
    assert register_no(2027, 123456) == "123456/2027/TL"


def test_a_case_opened_from_a_notice_is_urgent_and_copies_the_notice():
    notice = _notice(notice_id="N-9", agency__code="CA-GL-QN", claimed_groups=["child", "poor_household"],
                     case__field="civil", case__summary="Tranh chấp", person__gender="female",
                     person__full_name="Nguyễn Thị Ánh Đào", person__national_id="052209001234")
    opened_at = NOW + timedelta(minutes=1)
    case = Case.open_from_notice(notice, number="00007/2026/TL", opened_at=opened_at, branch_code="CN-QN")
    assert case.urgent is True
    assert case.channel is RequestChannel.AGENCY_NOTICE
    assert case.status == CaseStatus.OPEN
    assert case.register_no == "00007/2026/TL"
    assert case.opened_at == opened_at
    assert case.branch_code == "CN-QN"
    assert case.full_name == "Nguyễn Thị Ánh Đào"
    assert case.birth_date == date(2009, 4, 12)
    assert case.gender == "female"
    assert case.national_id == "052209001234"
    assert case.commune_code == "21583"
    assert case.field == "civil"
    assert case.summary == "Tranh chấp"
    assert case.groups == ["child", "poor_household"]  # without an assessment: the claimed groups
    established = Case.open_from_notice(notice, number="00008/2026/TL", opened_at=opened_at, branch_code=None,
                                        groups=["child"])
    assert established.groups == ["child"]
    assert (case.notice_agency_code, case.notice_id) == ("CA-GL-QN", "N-9")


def test_a_case_from_a_notice_keeps_unknowns_and_gets_a_fresh_id():
    notice = _notice(person__birth_date=None, person__national_id=harness.DELETE,
                     person__commune_code=None, claimed_groups=[])
    first = Case.open_from_notice(notice, number="00001/2026/TL", opened_at=NOW, branch_code=None)
    second = Case.open_from_notice(notice, number="00002/2026/TL", opened_at=NOW, branch_code=None)
    assert (first.birth_date, first.national_id, first.commune_code, first.branch_code) == (None, None, None, None)
    assert first.groups == []
    assert first.case_id != second.case_id
    assert len(first.case_id) == 36

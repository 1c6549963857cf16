"""The load generator behind `tgpl simulate`: deterministic, contract-valid, with its promised mix."""

import json
import re
import unicodedata
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from deploy.demo.simulate import GeneratedMessage, generate, load_reference
from shared.external import ReferralNotice

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=timezone(timedelta(hours=7)))
COUNT = 2000


@pytest.fixture(scope="module")
def messages() -> list[GeneratedMessage]:
    return list(generate(COUNT, seed=7, now=NOW))


def _validate(message: GeneratedMessage) -> ReferralNotice:
    return ReferralNotice.model_validate(json.loads(message.data), context={"now": NOW})


def _by_kind(messages: list[GeneratedMessage], kind: str) -> list[GeneratedMessage]:
    return [m for m in messages if m.kind == kind]


def test_reference_data_loads():
    agencies, communes = load_reference()
    assert {a["kind"] for a in agencies} == {"police", "procuracy", "court", "detention_facility"}
    assert communes and all(re.fullmatch(r"\d{5}", c) for c in communes)


def test_same_seed_same_messages_and_other_seed_differs():
    first = list(generate(300, seed=3, now=NOW))
    assert first == list(generate(300, seed=3, now=NOW))
    assert first != list(generate(300, seed=4, now=NOW))


@pytest.mark.parametrize("count", [0, 1, 17, 500])
def test_exact_count(count):
    assert len(list(generate(count, now=NOW))) == count


def test_ratios_roughly_respected(messages):
    kinds = Counter(m.kind for m in messages)
    assert sum(kinds.values()) == COUNT
    assert 0.03 * COUNT <= kinds["duplicate"] <= 0.07 * COUNT
    assert 0.01 * COUNT <= kinds["revision"] <= 0.035 * COUNT
    assert 0.01 * COUNT <= kinds["malformed"] <= 0.035 * COUNT
    fresh = _by_kind(messages, "valid")
    wanting = [m for m in fresh if m.wants_legal_aid]
    assert 0.62 <= len(wanting) / len(fresh) <= 0.78
    assert 0.05 <= sum(m.late for m in wanting) / len(wanting) <= 0.15
    assert not any(m.late for m in fresh if not m.wants_legal_aid)


def test_custom_ratios_are_honoured():
    kinds = Counter(m.kind for m in generate(1000, now=NOW, duplicate_ratio=0, revision_ratio=0, malformed_ratio=0.5))
    assert kinds["duplicate"] == kinds["revision"] == 0
    assert 400 <= kinds["malformed"] <= 600


def test_every_non_malformed_message_validates(messages):
    for message in messages:
        if message.kind != "malformed":
            notice = _validate(message)
            assert message.notice_key == f"{notice.agency.code}:{notice.notice_id}"
            assert message.wants_legal_aid == notice.wants_legal_aid
            assert notice.sent_at - NOW <= timedelta(minutes=10)
            assert notice.sent_at.utcoffset() == timedelta(hours=7)


def test_every_malformed_message_fails(messages):
    malformed = _by_kind(messages, "malformed")
    assert len(malformed) >= 7  # every variant at least once
    for message in malformed:
        assert message.notice_key is None and message.wants_legal_aid is None and message.late is None
        try:
            obj = json.loads(message.data)
        except ValueError:
            continue
        with pytest.raises(ValidationError):
            ReferralNotice.model_validate(obj, context={"now": NOW})


def test_malformed_variants_rotate(messages):
    reasons = set()
    for message in _by_kind(messages, "malformed")[:7]:
        try:
            obj = json.loads(message.data)
        except ValueError:
            reasons.add("not json")
            continue
        if isinstance(obj, list):
            reasons.add("array")
            continue
        try:
            ReferralNotice.model_validate(obj, context={"now": NOW})
        except ValidationError as exc:
            reasons.add(str(exc.errors()[0]["loc"]))
    assert len(reasons) == 7


def test_msg_id_header_format_and_some_senders_omit_it(messages):
    valid = [m for m in messages if m.kind != "malformed"]
    with_header = [m for m in valid if "Nats-Msg-Id" in m.headers]
    assert 0.75 * len(valid) <= len(with_header) < len(valid)
    for message in with_header:
        notice = _validate(message)
        assert message.headers["Nats-Msg-Id"] == f"{notice.agency.code}:{notice.notice_id}:{notice.revision}"
        assert re.fullmatch(r"[^:]+:[^:]+:\d+", message.headers["Nats-Msg-Id"])


def test_notice_ids_unique_per_agency_and_well_formed(messages):
    fresh = [_validate(m) for m in _by_kind(messages, "valid")]
    keys = [(n.agency.code, n.notice_id) for n in fresh]
    assert len(keys) == len(set(keys))
    for notice in fresh:
        assert re.fullmatch(rf"{notice.agency.code.replace('-', '')}-2026-\d{{6}}", notice.notice_id)
        assert re.fullmatch(r"\d+/2026/\w+", notice.case.agency_case_ref)


def test_duplicates_resend_an_earlier_message(messages):
    for index, message in enumerate(messages):
        if message.kind == "duplicate":
            earlier = [m for m in messages[:index] if m.kind in ("valid", "revision")]
            assert any(m.data == message.data and m.headers == message.headers for m in earlier)


def test_revisions_correct_an_earlier_notice(messages):
    revisions = _by_kind(messages, "revision")
    assert revisions
    for message in revisions:
        index = messages.index(message)
        notice = _validate(message)
        assert notice.revision > 1
        earlier = [m for m in messages[:index] if m.notice_key == message.notice_key]
        assert earlier and all(m.data != message.data for m in earlier)
        earlier_ids = {m.headers.get("Nats-Msg-Id") for m in earlier}
        if "Nats-Msg-Id" in message.headers:
            assert message.headers["Nats-Msg-Id"] not in earlier_ids
        previous = max(_validate(m).revision for m in earlier)
        assert notice.revision == previous + 1


def test_late_flag_follows_the_12h_24h_rule(messages):
    for message in messages:
        if message.kind == "malformed":
            continue
        notice = _validate(message)
        if notice.request_received_at is None:
            assert message.late is False
            continue
        limit = timedelta(hours=12 if notice.procedural_status in ("arrested", "held_in_custody") else 24)
        assert message.late == (notice.sent_at - notice.request_received_at > limit)
        assert notice.request_received_at < notice.sent_at


def test_people_are_varied_and_consistent(messages):
    notices = [_validate(m) for m in _by_kind(messages, "valid")]
    names = {n.person.full_name for n in notices}
    assert any(unicodedata.normalize("NFD", name) != name for name in names)  # diacritics
    assert len(names) > 300
    assert {n.person.gender for n in notices} >= {"male", "female"}
    assert 0.02 <= sum(n.person.birth_date is None for n in notices) / len(notices) <= 0.08
    ages = [(NOW.date() - n.person.birth_date).days / 365.25 for n in notices if n.person.birth_date]
    assert min(ages) < 16 and any(16 <= a < 18 for a in ages) and max(ages) >= 60
    _, known = load_reference()
    communes = [n.person.commune_code for n in notices]
    assert 0.01 <= communes.count(None) / len(notices) <= 0.06
    assert 0 < sum(c is not None and c not in known for c in communes) / len(notices) <= 0.03
    allowed = {
        "police": {"arrested", "held_in_custody", "suspect", "victim", "witness"},
        "procuracy": {"defendant", "suspect", "victim"},
        "court": {"defendant", "victim", "involved_party"},
        "detention_facility": {"held_in_custody"},
    }
    kinds = {a["code"]: a["kind"] for a in load_reference()[0]}
    for notice in notices:
        assert notice.agency.kind == kinds[notice.agency.code]
        assert notice.procedural_status in allowed[notice.agency.kind]
        if notice.agency.kind in ("police", "detention_facility"):
            assert notice.case.field == "criminal"
        if "accused_aged_16_18" in notice.claimed_groups:
            assert notice.procedural_status in ("arrested", "held_in_custody", "suspect", "defendant")
    assert {n.case.field for n in notices if n.agency.kind == "court"} > {"criminal", "civil", "land"}
    groups = Counter(g for n in notices for g in n.claimed_groups)
    assert {"child", "accused_aged_16_18", "poor_household", "ethnic_minority_hardship_area"} <= set(groups)


def test_without_now_notices_are_dated_at_generation():
    before = datetime.now(timezone.utc)
    for message in generate(50, seed=2, malformed_ratio=0):
        sent_at = datetime.fromisoformat(json.loads(message.data)["sent_at"])
        assert before - timedelta(minutes=20) <= sent_at <= datetime.now(timezone.utc) + timedelta(minutes=10)

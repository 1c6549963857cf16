"""Intake against a real nats-server and a real database."""

import pytest

from shared import subjects
from tests import harness

pytestmark = pytest.mark.integration


@pytest.fixture
def intake(intake_stack):
    stack = intake_stack
    return stack.host, stack.client


async def _cases(client) -> list[dict]:
    return (await client.get("/api/cases", params={"size": 500})).json()["cases"]


async def test_valid_notice_opens_an_urgent_case_and_emits_events(intake, jetstream, db_backend):
    host, client = intake
    notice = harness.make_notice()
    await harness.publish(jetstream, subjects.INBOUND_REFERRAL, notice, harness.msg_id_of(notice))

    cases = await harness.eventually(lambda: _cases(client))
    assert len(cases) == 1
    case = cases[0]
    assert case["notice_id"] == notice["notice_id"] and case["urgent"] is True
    assert case["branch_code"] == "HQ" and case["commune_name"] == "Phường Quy Nhơn"
    assert case["register_no"].endswith("/TL")

    opened = await harness.eventually(lambda: harness.events_of(jetstream, "TGPL_INTAKE", "intake.case_opened"))
    received = await harness.events_of(jetstream, "TGPL_INTAKE", "intake.notice_received")
    assert [e["case_id"] for e in opened] == [case["case_id"]]
    assert received[0]["notice_key"] == f"CA-GL:{notice['notice_id']}" and received[0]["late"] is False
    assert opened[0]["correlation_id"] == received[0]["correlation_id"]


async def test_notice_without_request_for_aid_is_stored_without_a_case(intake, jetstream, db_backend):
    _, client = intake
    notice = harness.make_notice(wants_legal_aid=False, request_received_at=None)
    await harness.publish(jetstream, subjects.INBOUND_REFERRAL, notice)
    received = await harness.eventually(
        lambda: harness.events_of(jetstream, "TGPL_INTAKE", "intake.notice_received"))
    assert received[0]["wants_legal_aid"] is False
    assert await _cases(client) == []


async def test_same_notice_twice_counts_once_and_late_notice_is_flagged(intake, jetstream, db_backend):
    _, client = intake
    notice = harness.make_notice(request_received_at="2026-01-01T08:00:00+07:00",
                                 sent_at="2026-01-01T21:00:00+07:00")  # 13 h for an arrested person
    # Twice with the header (JetStream drops one), then once more without it (intake dedups on the body).
    await harness.publish(jetstream, subjects.INBOUND_REFERRAL, notice, harness.msg_id_of(notice))
    await harness.publish(jetstream, subjects.INBOUND_REFERRAL, notice, harness.msg_id_of(notice))
    await harness.publish(jetstream, subjects.INBOUND_REFERRAL, notice)
    marker = harness.make_notice()
    await harness.publish(jetstream, subjects.INBOUND_REFERRAL, marker)
    await harness.eventually(lambda: _count_cases(client, 2))

    async def both_published() -> list[dict]:
        # The cases are committed before the outbox relay publishes their events: wait for both events.
        received = await harness.events_of(jetstream, "TGPL_INTAKE", "intake.notice_received")
        return received if len(received) >= 2 else []

    received = await harness.eventually(both_published)
    late = [e for e in received if e["notice_key"].endswith(notice["notice_id"])]
    assert len(late) == 1 and late[0]["late"] is True and late[0]["deadline_hours"] == 12


async def _count_cases(client, n: int) -> bool:
    return len(await _cases(client)) == n


async def test_higher_revision_updates_the_notice_and_lower_is_ignored(intake, jetstream, db_backend):
    _, client = intake
    first = harness.make_notice()
    second = {**first, "revision": 2, "case": {**first["case"], "summary": "Cướp giật tài sản"}}
    await harness.publish(jetstream, subjects.INBOUND_REFERRAL, first, harness.msg_id_of(first))
    await harness.publish(jetstream, subjects.INBOUND_REFERRAL, second, harness.msg_id_of(second))
    await harness.publish(jetstream, subjects.INBOUND_REFERRAL, first, "resent-after-correction")
    revisions = await harness.eventually(lambda: _revisions(jetstream, 2))
    assert revisions == [1, 2]
    assert len(await _cases(client)) == 1


async def _revisions(js, n: int):
    found = [e["revision"] for e in await harness.events_of(js, "TGPL_INTAKE", "intake.notice_received")]
    return found if len(found) >= n else None


@pytest.mark.parametrize("body, field", [
    (b"not json at all", "$"),
    (b"[1, 2]", "$"),
    (None, "person.national_id"),
])
async def test_invalid_notice_is_kept_and_answered_on_rejected(intake, jetstream, db_backend, body, field):
    _, client = intake
    if body is None:
        body = harness.make_notice(person__national_id="12345")
    await harness.publish(jetstream, subjects.INBOUND_REFERRAL, body)
    answers = await harness.eventually(
        lambda: harness.stream_messages(jetstream, "TGPL_INBOUND", subjects.INBOUND_REJECTED))
    _, headers, answer = answers[0]
    assert answer["schema_version"] == 1 and answer["errors"][0]["field"] == field
    if isinstance(body, dict):
        assert answer["agency_code"] == "CA-GL" and answer["notice_id"] == body["notice_id"]
    else:
        assert answer["agency_code"] is None and answer["notice_id"] is None
    # the same answer on the agency's own subject, the one its NATS identity may read (docs/security.md)
    if isinstance(body, dict):
        own = await harness.eventually(
            lambda: harness.stream_messages(jetstream, "TGPL_INBOUND", subjects.rejected_subject_for("CA-GL")))
        assert [a for _, _, a in own] == [answer]
    else:  # an unreadable agency code has no subject of its own
        info = await jetstream.stream_info("TGPL_INBOUND", subjects_filter=subjects.INBOUND_REJECTED_BY_AGENCY)
        assert not info.state.subjects
    kept = (await client.get("/api/notices/rejected")).json()
    assert len(kept) == 1 and kept[0]["errors"][0]["field"] == field
    assert await _cases(client) == []
    page = await client.get("/notices/rejected")
    assert page.status_code == 200 and "Thông báo không hợp lệ" in page.text


async def test_case_register_shows_the_assigned_officer(intake, jetstream, db_backend):
    from shared import events as ev

    _, client = intake
    notice = harness.make_notice()
    await harness.publish(jetstream, subjects.INBOUND_REFERRAL, notice)
    case = (await harness.eventually(lambda: _cases(client)))[0]
    officer = ev.OfficerRegistered(officer_id="TGV-900", full_name="Trần Thị Lan", branch_code="HQ",
                                   is_leader=False, fields=["criminal"], appointed_on="2015-01-01", quota_target=13)
    assigned = ev.CaseAssigned(case_id=case["case_id"], officer_id="TGV-900", is_leader=False, branch_code="HQ",
                               rule="test", reason="Lý do thử nghiệm")
    for event in (officer, assigned):
        await harness.publish(jetstream, subjects.subject_of(type(event)), event.model_dump_json().encode(),
                              event.event_id)

    async def shows_officer():
        return (await _cases(client))[0]["officer_name"] == "Trần Thị Lan"

    await harness.eventually(shows_officer)
    page = await client.get("/cases")
    assert "Trần Thị Lan" in page.text and "Sổ thụ lý" in page.text and notice["person"]["full_name"] in page.text

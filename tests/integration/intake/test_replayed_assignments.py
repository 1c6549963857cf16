"""Assignment's decisions arriving out of order, as after `tgpl republish` (live decisions first,
republished older ones after): the case register keeps the newest."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from services.intake.adapters import tables as t
from services.runtime.unit_of_work import utcnow
from shared import events as ev
from shared import subjects
from tests import harness

pytestmark = pytest.mark.integration


async def _publish(jetstream, event: ev.Event) -> None:
    await harness.publish(jetstream, subjects.subject_of(type(event)), event.model_dump_json().encode(),
                          event.event_id)


async def test_an_older_decision_after_a_newer_one_changes_nothing(intake_stack, jetstream, db_backend):
    host = intake_stack.host
    notice = harness.make_notice()
    await harness.publish(jetstream, subjects.INBOUND_REFERRAL, notice, harness.msg_id_of(notice))

    async def the_case():
        async with host.engine.connect() as conn:
            return (await conn.execute(sa.select(t.cases.c.case_id, t.cases.c.officer_id,
                                                 t.cases.c.assignment_reason))).one_or_none()

    case_id = (await harness.eventually(the_case)).case_id
    now = utcnow()
    decision = dict(case_id=case_id, is_leader=False, branch_code="HQ", rule="test")
    newer = ev.CaseAssigned(officer_id="TGV-002", reason="Phân công lại", kind="reassignment",
                            occurred_at=now - timedelta(hours=1), **decision)
    older = ev.CaseAssigned(officer_id="TGV-001", reason="Phân công lần đầu", occurred_at=now - timedelta(hours=2),
                            **decision)
    old_failure = ev.CaseAssignmentFailed(case_id=case_id, branch_code="HQ", reason="Không có trợ giúp viên phù hợp",
                                          occurred_at=now - timedelta(hours=3))
    for event in (newer, older, old_failure):
        await _publish(jetstream, event)

    async def handled(n: int):
        return host.consumers.stats.processed >= n

    await harness.eventually(lambda: handled(4))
    after_replay = await the_case()

    # A failure after the newest decision (no one could replace the officer) still shows.
    later_failure = ev.CaseAssignmentFailed(case_id=case_id, branch_code="HQ", reason="Không ai thay được",
                                            occurred_at=now)
    await _publish(jetstream, later_failure)
    await harness.eventually(lambda: handled(5))
    after_failure = await the_case()

    assert (after_replay.officer_id, after_replay.assignment_reason) == ("TGV-002", "Phân công lại")
    assert (after_failure.officer_id, after_failure.assignment_reason) == ("TGV-002", "Không ai thay được")

"""Hostile input on the real broker: random bytes, random JSON, valid notices with a field replaced
by anything, deep nesting, near-limit and over-limit sizes, published on `tgpl.inbound.referral`.
Each one the server accepted ends as a stored notice or as a kept rejection answered on
`tgpl.inbound.rejected`; nothing is dead-lettered, nothing is silently dropped; an over-limit
message is refused to its sender by the server itself."""

import json
import random

import pytest
import sqlalchemy as sa
from nats.errors import MaxPayloadError

from services.intake.adapters import tables as t
from shared import subjects
from tests import harness
from tests.unit.intake.test_notice_properties import PATHS

pytestmark = pytest.mark.integration


def payloads(seed: int) -> list[bytes]:
    """A fixed, varied mix of hostile and valid payloads (seeded, so a failure replays); the
    unit tests (test_notice_properties) let hypothesis search the same space much wider."""
    rng = random.Random(seed)
    found: list[bytes] = [bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300))) for _ in range(8)]
    found += [b"", b"null", b"[]", b'"text"', b"{}", b"[" * 50_000, "{\"a\": \"\ud800\"}".encode("utf-8", "surrogatepass"),
              json.dumps(harness.make_notice()).encode("utf-16")]
    for _ in range(14):
        path = rng.choice([p for p in PATHS if p != "notice_id"])  # every notice keeps its own identity
        value = rng.choice([None, 0, -1, 10**30, 1.5, "", " ", "x" * 500, [], {}, [None], {"a": [1, {"b": None}]},
                            "2999-01-01T00:00:00+07:00", "0000000000000", "Nguyễn", True])
        found.append(json.dumps(harness.make_notice(**{path.replace(".", "__"): value})).encode())
    big = harness.make_notice()
    big["case"]["summary"] = "x" * 900_000  # just under the server's 1 MB limit
    found += [json.dumps(harness.make_notice()).encode() for _ in range(3)] + [json.dumps(big).encode()]
    return found


async def test_every_message_the_server_took_is_stored_or_rejected_and_answered(intake_stack, jetstream, db_backend):
    sent = payloads(seed=20261128)
    for body in sent:
        await jetstream.publish(subjects.INBOUND_REFERRAL, body)  # no Nats-Msg-Id: agencies may not set one
    with pytest.raises(MaxPayloadError):  # over the limit: the sender is told at once, nothing half-stored
        await jetstream._nc.publish(subjects.INBOUND_REFERRAL, b"x" * 1_100_000)

    engine = intake_stack.host.engine

    async def settled():
        async with engine.connect() as conn:
            notices = (await conn.execute(sa.select(sa.func.count()).select_from(t.notices))).scalar_one()
            rejected = (await conn.execute(sa.select(sa.func.count()).select_from(t.rejected_notices))).scalar_one()
        return (notices, rejected) if notices + rejected == len(sent) else None

    notices, rejected = await harness.eventually(settled, timeout=60)
    assert notices >= 4 and rejected >= 16
    answers = await harness.eventually(lambda: _answers(jetstream, rejected), timeout=30)
    assert len(answers) == rejected
    for _, _, answer in answers:
        assert answer["errors"] and all(e["field"] and e["message"] for e in answer["errors"])
    dead = (await intake_stack.client.get("/api/dead-letters")).json()
    assert dead == []


async def _answers(js, n: int):
    found = await harness.stream_messages(js, "TGPL_INBOUND", subjects.INBOUND_REJECTED)
    return found if len(found) >= n else None

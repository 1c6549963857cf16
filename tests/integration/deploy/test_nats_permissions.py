"""Who may do what on NATS: a real nats-server with the generated `authorization` block, and a real
nats-py client connected as each identity, doing its job and being refused everything else.

A refusal is asserted by the server's own "Permissions Violation" for that exact subject (reported to
the client's error callback), never by a timeout alone.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import nats
import pytest
from nats.aio.client import Client as NatsClient
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import NotFoundError, ServerError

from deploy.local.credentials import ensure_identities
from deploy.local.nats_identities import (
    AGENCY,
    OPERATOR,
    PROVINCE,
    SERVICE,
    Identity,
    IdentitySet,
    ensure_province_consumers,
    province_consumer_name,
)
from deploy.local.nats_server import EmbeddedNats, free_port
from services.runtime.streams import ensure_streams
from shared import events as ev
from shared import subjects
from tests import harness

pytestmark = pytest.mark.integration

AGENCIES = ["CA-GL", "TA-GL"]
PROVINCES = ["STP-GL", "UBND-GL"]
#: one event subject of each service, and what each service may publish of them
OWN_SUBJECT = {
    "intake": subjects.subject_of(ev.CaseOpened),
    "assignment": subjects.subject_of(ev.CaseAssigned),
    "evaluation": subjects.subject_of(ev.CaseEvaluated),
    "reporting": subjects.REPORTS_MONTHLY,
}
INTERNAL = [*OWN_SUBJECT.values(), subjects.INBOUND_REJECTED, subjects.rejected_subject_for("CA-GL")]


@dataclass
class Server:
    url: str
    identities: IdentitySet

    def identity(self, role: str, code: str | None = None) -> Identity:
        found = self.identities.find(role, code)
        assert found is not None
        return found


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Server:
    """A nats-server that admits only the generated identities (its own: the session's has no auth)."""
    directory = tmp_path_factory.mktemp("nats-auth")
    identities, _ = ensure_identities(directory / "nats.json", agencies=AGENCIES, provinces=PROVINCES)
    embedded = EmbeddedNats(free_port(), directory, identities=identities)
    embedded.start()
    yield Server(embedded.url, IdentitySet(identities))
    embedded.stop()


@dataclass
class Session:
    """A connection as one identity, with the errors the server reported to it."""

    nc: NatsClient
    errors: list[str] = field(default_factory=list)

    async def refused(self, action: str, subject: str) -> None:
        """Wait for the server's permissions violation for `action` ("publish" or "subscription") on `subject`."""
        wanted = f'permissions violation for {action} to "{subject}"'.lower()

        async def reported() -> bool:
            await self.nc.flush()
            return any(wanted in error.lower() for error in self.errors)

        await harness.eventually(reported)  # the default 15 s: a loaded machine answers late, not never


@asynccontextmanager
async def connected(server: Server, identity: Identity, **overrides) -> AsyncIterator[Session]:
    """Connect as `identity` (its user, password and own inbox prefix, unless overridden)."""
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    nc = await nats.connect(server.url, error_cb=on_error, allow_reconnect=False,
                            **{**identity.connect_options(), **overrides})
    try:
        yield Session(nc, errors)
    finally:
        await nc.close()


@pytest.fixture
async def streams(server: Server) -> None:
    """Fresh tgpl streams and the province systems' consumers, declared by the operator."""
    async with connected(server, server.identity(OPERATOR)) as operator:
        js = operator.nc.jetstream()
        for spec in subjects.STREAMS:
            try:
                await js.delete_stream(spec.name)
            except NotFoundError:
                pass
        # nats-server removes a deleted stream's files after answering: creating it again at once can
        # fail with "error creating store for stream" (err_code 10049) on a busy machine.
        for attempt in range(50):
            try:
                await ensure_streams(js)
                break
            except ServerError as exc:
                if exc.err_code != 10049 or attempt == 49:
                    raise
                await asyncio.sleep(0.1)
        await ensure_province_consumers(js, server.identities.identities)


async def stored(server: Server, stream: str, subject: str) -> list[tuple[str, dict, dict]]:
    async with connected(server, server.identity(OPERATOR)) as operator:
        return await harness.stream_messages(operator.nc.jetstream(), stream, subject)


# --- who gets in ---------------------------------------------------------------------------------

async def test_nobody_connects_without_a_valid_password(server):
    with pytest.raises(Exception, match="Authorization Violation"):
        await nats.connect(server.url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=2)
    agency = server.identity(AGENCY, "CA-GL")
    with pytest.raises(Exception, match="Authorization Violation"):
        await nats.connect(server.url, user=agency.user, password=agency.password + "x", allow_reconnect=False,
                           max_reconnect_attempts=0, connect_timeout=2)
    # the same password as another identity's user name does not get in either
    other = server.identity(AGENCY, "TA-GL")
    with pytest.raises(Exception, match="Authorization Violation"):
        await nats.connect(server.url, user=other.user, password=agency.password, allow_reconnect=False,
                           max_reconnect_attempts=0, connect_timeout=2)


# --- agencies ------------------------------------------------------------------------------------

async def test_an_agency_sends_a_notice_and_gets_the_jetstream_ack(server, streams):
    notice = harness.make_notice()
    async with connected(server, server.identity(AGENCY, "CA-GL")) as agency:
        ack = await harness.publish(agency.nc.jetstream(), subjects.INBOUND_REFERRAL, notice, harness.msg_id_of(notice))
        assert agency.errors == []
    assert ack.stream == subjects.INBOUND_STREAM.name and not ack.duplicate
    [(_, headers, body)] = await stored(server, subjects.INBOUND_STREAM.name, subjects.INBOUND_REFERRAL)
    assert body["notice_id"] == notice["notice_id"] and headers["Nats-Msg-Id"] == harness.msg_id_of(notice)


async def test_an_agency_reads_its_own_rejections_and_no_one_elses(server, streams):
    answer = {"schema_version": 1, "agency_code": "CA-GL", "notice_id": "N-1", "received_at": "2026-11-26T09:00:00Z",
              "errors": [{"field": "person.national_id", "message": "..."}]}
    async with connected(server, server.identity(AGENCY, "CA-GL")) as agency, \
            connected(server, server.identity(SERVICE, "intake")) as intake:
        own = await agency.nc.subscribe(subjects.rejected_subject_for("CA-GL"))
        for subject in (subjects.rejected_subject_for("TA-GL"), subjects.INBOUND_REJECTED, "tgpl.inbound.rejected.>",
                        subjects.INBOUND_REFERRAL, "tgpl.intake.>", "tgpl.reports.>", ">", "_INBOX.>"):
            await agency.nc.subscribe(subject)
            await agency.refused("subscription", subject)
        await agency.nc.flush()
        for code in ("TA-GL", "CA-GL"):  # as intake publishes them, through JetStream
            await intake.nc.jetstream().publish(subjects.rejected_subject_for(code), json.dumps(
                {**answer, "agency_code": code}).encode(), headers={"Nats-Msg-Id": f"rejected:{uuid.uuid4()}:agency"})
        message = await own.next_msg(timeout=5)
        assert json.loads(message.data)["agency_code"] == "CA-GL"
        with pytest.raises(NatsTimeout):  # TA-GL's never reaches CA-GL
            await own.next_msg(timeout=0.5)
        assert intake.errors == []


@pytest.mark.parametrize("subject", INTERNAL)
async def test_an_agency_cannot_publish_internal_subjects(server, streams, subject):
    async with connected(server, server.identity(AGENCY, "CA-GL")) as agency:
        with pytest.raises(NatsTimeout):  # no ack: the server dropped it
            await agency.nc.jetstream().publish(subject, b"{}", timeout=1)
        await agency.refused("publish", subject)
    assert await stored(server, subjects.stream_of(subject).name, subject) == []


async def test_an_agency_cannot_manage_streams_or_read_them(server, streams):
    async with connected(server, server.identity(AGENCY, "CA-GL")) as agency:
        js = agency.nc.jetstream(timeout=1)  # the answer to a refused call never comes
        with pytest.raises(NatsTimeout):
            await js.delete_stream(subjects.INBOUND_STREAM.name)
        await agency.refused("publish", f"$JS.API.STREAM.DELETE.{subjects.INBOUND_STREAM.name}")
        with pytest.raises(NatsTimeout):
            await js.purge_stream(subjects.INTAKE_STREAM.name)
        await agency.refused("publish", f"$JS.API.STREAM.PURGE.{subjects.INTAKE_STREAM.name}")
        with pytest.raises(NatsTimeout):  # a consumer would let it read every agency's notices
            await js.pull_subscribe(subjects.INBOUND_REFERRAL, durable="spy", stream=subjects.INBOUND_STREAM.name)
        await agency.refused("publish", f"$JS.API.CONSUMER.INFO.{subjects.INBOUND_STREAM.name}.spy")
    async with connected(server, server.identity(OPERATOR)) as operator:
        assert (await operator.nc.jetstream().stream_info(subjects.INBOUND_STREAM.name)).config.name


async def test_an_agency_must_use_its_own_inbox_prefix(server, streams):
    async with connected(server, server.identity(AGENCY, "CA-GL"), inbox_prefix="_INBOX") as session:
        with pytest.raises(NatsTimeout):  # the ack goes to an inbox it may not read
            await session.nc.jetstream().publish(subjects.INBOUND_REFERRAL, b"{}", timeout=1)
        inbox = session.nc.new_inbox()
        await session.nc.subscribe(inbox)
        await session.refused("subscription", inbox)


# --- province systems ----------------------------------------------------------------------------

async def test_a_province_asks_for_a_report_and_reads_the_reports_stream(server, streams):
    province = server.identity(PROVINCE, "STP-GL")
    async with connected(server, server.identity(SERVICE, "reporting")) as reporting, \
            connected(server, province) as session:

        async def answer(msg) -> None:  # as the reporting service answers, with its own identity
            await msg.respond(json.dumps({"report_id": "adhoc", "asked": json.loads(msg.data)}).encode())

        await reporting.nc.subscribe(subjects.REPORTS_REQUEST, queue="tgpl-reporting", cb=answer)
        await reporting.nc.flush()
        live = await session.nc.subscribe("tgpl.reports.>")
        reply = await session.nc.request(subjects.REPORTS_REQUEST, b'{"period_start": "2026-11-01", '
                                         b'"period_end": "2026-11-30"}', timeout=5)
        assert json.loads(reply.data)["asked"]["period_start"] == "2026-11-01"
        ack = await reporting.nc.jetstream().publish(subjects.REPORTS_MONTHLY, b'{"report_id": "m-2026-11"}',
                                                     headers={"Nats-Msg-Id": "m-2026-11:1"})
        assert ack.stream == subjects.REPORTS_STREAM.name
        assert (await live.next_msg(timeout=5)).subject == subjects.REPORTS_MONTHLY
        # a province that was down catches up through its own durable consumer
        js = session.nc.jetstream()
        pull = await js.pull_subscribe_bind(province_consumer_name(province), subjects.REPORTS_STREAM.name)
        [message] = await pull.fetch(1, timeout=5)
        assert json.loads(message.data) == {"report_id": "m-2026-11"}
        await message.ack_sync(timeout=5)
        info = await js.consumer_info(subjects.REPORTS_STREAM.name, province_consumer_name(province))
        assert info.num_ack_pending == 0 and info.num_pending == 0
        assert session.errors == [] and reporting.errors == []


async def test_a_province_cannot_forge_reports_publish_internal_events_or_manage_streams(server, streams):
    async with connected(server, server.identity(PROVINCE, "STP-GL")) as province:
        for subject in (subjects.REPORTS_MONTHLY, subjects.REPORTS_ADHOC, subjects.subject_of(ev.CaseOpened),
                        subjects.INBOUND_REFERRAL):
            await province.nc.publish(subject, b"{}")
            await province.refused("publish", subject)
        with pytest.raises(NatsTimeout):
            await province.nc.jetstream(timeout=1).delete_stream(subjects.REPORTS_STREAM.name)
        await province.refused("publish", f"$JS.API.STREAM.DELETE.{subjects.REPORTS_STREAM.name}")
    assert await stored(server, subjects.REPORTS_STREAM.name, subjects.REPORTS_MONTHLY) == []


async def test_a_province_reads_only_its_own_consumer_and_cannot_take_requests(server, streams):
    other = province_consumer_name(server.identity(PROVINCE, "UBND-GL"))
    inbox = server.identity(PROVINCE, "STP-GL").inbox_prefix
    async with connected(server, server.identity(PROVINCE, "STP-GL")) as province:
        js = province.nc.jetstream(timeout=1)
        with pytest.raises(NatsTimeout):
            await js.consumer_info(subjects.REPORTS_STREAM.name, other)
        await province.refused("publish", f"$JS.API.CONSUMER.INFO.{subjects.REPORTS_STREAM.name}.{other}")
        await province.nc.publish(f"$JS.API.CONSUMER.MSG.NEXT.{subjects.REPORTS_STREAM.name}.{other}", b"1",
                                  reply=f"{inbox}.x")
        await province.refused("publish", f"$JS.API.CONSUMER.MSG.NEXT.{subjects.REPORTS_STREAM.name}.{other}")
        with pytest.raises(NatsTimeout):  # its own consumer is made by the operator, never by the province
            await js.pull_subscribe("tgpl.reports.>", durable="mine", stream=subjects.REPORTS_STREAM.name)
        await province.refused("publish", f"$JS.API.CONSUMER.INFO.{subjects.REPORTS_STREAM.name}.mine")
        # joining reporting's queue group would take other systems' requests
        await province.nc.subscribe(subjects.REPORTS_REQUEST, queue="tgpl-reporting")
        await province.refused("subscription", subjects.REPORTS_REQUEST)
        for subject in ("tgpl.intake.>", subjects.INBOUND_REJECTED, "_INBOX.>"):
            await province.nc.subscribe(subject)
            await province.refused("subscription", subject)


# --- services ------------------------------------------------------------------------------------

@pytest.mark.parametrize("service", list(OWN_SUBJECT))
async def test_a_service_publishes_its_own_subjects_only(server, streams, service):
    async with connected(server, server.identity(SERVICE, service)) as session:
        js = session.nc.jetstream()
        ack = await js.publish(OWN_SUBJECT[service], b"{}", headers={"Nats-Msg-Id": str(uuid.uuid4())})
        assert ack.stream == subjects.stream_of(OWN_SUBJECT[service]).name
        for other in (s for name, s in OWN_SUBJECT.items() if name != service):
            await session.nc.publish(other, b"{}")
            await session.refused("publish", other)
        await session.nc.publish(subjects.INBOUND_REFERRAL, b"{}")  # nobody inside poses as an agency
        await session.refused("publish", subjects.INBOUND_REFERRAL)


async def test_a_service_consumes_through_its_durable_but_cannot_change_streams(server, streams):
    async with connected(server, server.identity(SERVICE, "assignment")) as assignment, \
            connected(server, server.identity(SERVICE, "intake")) as intake:
        await intake.nc.jetstream().publish(OWN_SUBJECT["intake"], b'{"n": 1}', headers={"Nats-Msg-Id": "e-1"})
        js = assignment.nc.jetstream(timeout=2)
        pull = await js.pull_subscribe(OWN_SUBJECT["intake"], durable="assignment-test-v1",
                                       stream=subjects.INTAKE_STREAM.name)
        [message] = await pull.fetch(1, timeout=5)
        await message.ack_sync(timeout=5)
        assert json.loads(message.data) == {"n": 1}
        with pytest.raises(NatsTimeout):
            await js.delete_stream(subjects.INTAKE_STREAM.name)
        await assignment.refused("publish", f"$JS.API.STREAM.DELETE.{subjects.INTAKE_STREAM.name}")
        with pytest.raises(NatsTimeout):
            await js.purge_stream(subjects.INTAKE_STREAM.name)
        await assignment.refused("publish", f"$JS.API.STREAM.PURGE.{subjects.INTAKE_STREAM.name}")
        with pytest.raises(NatsTimeout):
            await js.add_stream(name="TGPL_SHADOW", subjects=["tgpl.shadow.>"])
        await assignment.refused("publish", "$JS.API.STREAM.CREATE.TGPL_SHADOW")
        # and it reads replies only under its own inbox prefix
        await assignment.nc.subscribe("_INBOX.>")
        await assignment.refused("subscription", "_INBOX.>")
    assert len(await stored(server, subjects.INTAKE_STREAM.name, OWN_SUBJECT["intake"])) == 1


async def test_only_the_operator_manages_streams(server, streams):
    async with connected(server, server.identity(OPERATOR)) as operator:
        js = operator.nc.jetstream()
        await js.add_stream(name="TGPL_SCRATCH", subjects=["tgpl.scratch.>"])
        assert await js.delete_stream("TGPL_SCRATCH")
        assert operator.errors == []


async def test_only_the_operator_asks_a_service_to_retry_its_dead_letters(server, streams):
    retry = subjects.dead_letter_retry_subject("reporting")
    async with connected(server, server.identity(SERVICE, "reporting")) as reporting, \
            connected(server, server.identity(OPERATOR)) as operator:

        async def answer(msg) -> None:  # as the service answers, with its own identity
            await msg.respond(json.dumps({"service": "reporting", "results": []}).encode())

        await reporting.nc.subscribe(retry, queue="tgpl-reporting-ops", cb=answer)
        await reporting.nc.flush()
        reply = await operator.nc.request(retry, b'{"ids": [1]}', timeout=15)
        assert json.loads(reply.data) == {"service": "reporting", "results": []}
        assert reporting.errors == [] and operator.errors == []
    for identity in (server.identity(AGENCY, "CA-GL"), server.identity(PROVINCE, "STP-GL"),
                     server.identity(SERVICE, "intake")):
        async with connected(server, identity) as session:
            await session.nc.publish(retry, b'{"ids": [1]}')
            await session.refused("publish", retry)
            # nor may anyone else join the service's queue group and take the operator's requests
            await session.nc.subscribe(retry, queue="tgpl-reporting-ops")
            await session.refused("subscription", retry)

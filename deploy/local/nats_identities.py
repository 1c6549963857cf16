"""Who may do what on tgpl's NATS: the identities and their permissions, in one place.

The launcher's embedded server, `tgpl nats-config` (deploy/nats/) and the tests all render their
`authorization` block from here. Four kinds of identity:

- the operator (`tgpl-operator`): everything; declares streams and consumers, runs admin commands
  (`tgpl dead-letters retry`, `tgpl backup`, `tgpl restore`);
- one user per service (`tgpl-<service>`): publishes only its own subjects, uses JetStream but may
  not create, change, purge or delete streams;
- one user per sending agency (`agency-<code>`): publishes `tgpl.inbound.referral` and reads only
  `tgpl.inbound.rejected.<code>`;
- one user per province system (`province-<code>`): sends `tgpl.reports.request`, reads
  `tgpl.reports.>` live and through its own durable consumer on the reports stream.

Every identity reads replies only under its own inbox prefix `_INBOX.<user>` (clients set it:
nats-py `inbox_prefix=`, Go `nats.CustomInboxPrefix`), so nobody reads anybody else's acks and replies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared import subjects

OPERATOR = "operator"
SERVICE = "service"
AGENCY = "agency"
PROVINCE = "province"
ROLES = (OPERATOR, SERVICE, AGENCY, PROVINCE)
SERVICES = ("intake", "assignment", "evaluation", "reporting")

#: Stream management only the operator does; a service identity is refused these JetStream API calls.
STREAM_ADMINISTRATION = (
    "$JS.API.STREAM.CREATE.>", "$JS.API.STREAM.UPDATE.>", "$JS.API.STREAM.DELETE.>", "$JS.API.STREAM.PURGE.>",
    "$JS.API.STREAM.MSG.DELETE.>", "$JS.API.STREAM.SNAPSHOT.>", "$JS.API.STREAM.RESTORE.>",
    "$JS.API.STREAM.PEER.REMOVE.>", "$JS.API.STREAM.LEADER.STEPDOWN.>", "$JS.API.ACCOUNT.PURGE.>",
    "$JS.API.META.>", "$JS.API.SERVER.>",
)

#: What each service publishes (through its outbox), besides the JetStream API.
SERVICE_PUBLISHES: dict[str, tuple[str, ...]] = {
    "intake": (subjects.INTAKE_EVENTS, subjects.INBOUND_REJECTED, subjects.INBOUND_REJECTED_BY_AGENCY),
    "assignment": (subjects.ASSIGNMENT_EVENTS,),
    "evaluation": (subjects.EVALUATION_EVENTS,),
    "reporting": tuple(subjects.REPORT_SUBJECTS.values()),
}
#: Core subscriptions a service makes besides its inbox (its JetStream consumers are pulled through the API):
#: the operator's requests to retry its dead letters, and reporting's report requests.
SERVICE_SUBSCRIBES: dict[str, tuple[str, ...]] = {
    service: (subjects.dead_letter_retry_subject(service), *((subjects.REPORTS_REQUEST,) if service == "reporting" else ()))
    for service in SERVICES
}


class IdentityError(ValueError):
    """A code that cannot name a NATS identity (it must be one subject token)."""


@dataclass(frozen=True)
class Identity:
    """One NATS user: who it is (role and code) and its password."""

    role: str
    code: str  # the service name, agency code or province system code; "" for the operator
    password: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise IdentityError(f"unknown role {self.role!r}")
        if self.role == SERVICE and self.code not in SERVICES:
            raise IdentityError(f"unknown service {self.code!r}")
        if self.role in (AGENCY, PROVINCE) and not subjects.SUBJECT_TOKEN.fullmatch(self.code):
            raise IdentityError(f"{self.role} code {self.code!r} is not one subject token "
                                f"(letters, digits, '-' and '_', at most 64)")

    @property
    def user(self) -> str:
        """The NATS user name: `tgpl-operator`, `tgpl-<service>`, `agency-<code>` or `province-<code>`."""
        if self.role == OPERATOR:
            return "tgpl-operator"
        if self.role == SERVICE:
            return f"tgpl-{self.code}"
        return f"{self.role}-{self.code}"

    @property
    def inbox_prefix(self) -> str:
        """The prefix of this identity's reply subjects; the only inboxes it may read."""
        return subjects.inbox_prefix_of(self.user)

    def connect_options(self) -> dict[str, str]:
        """Keyword arguments for `nats.connect` as this identity."""
        return {"user": self.user, "password": self.password, "inbox_prefix": self.inbox_prefix}

    def to_json(self) -> dict[str, str]:
        """The identity as a credentials file keeps it."""
        return {"role": self.role, "code": self.code, "user": self.user, "password": self.password}


@dataclass(frozen=True)
class Permissions:
    """A user's NATS permissions (nats-server `permissions` block)."""

    publish: tuple[str, ...]
    subscribe: tuple[str, ...]
    publish_deny: tuple[str, ...] = ()
    subscribe_deny: tuple[str, ...] = ()
    allow_responses: bool = False

    def render(self) -> dict:
        """The block as nats-server reads it (JSON is valid nats-server configuration)."""
        block: dict = {"publish": {"allow": list(self.publish)}, "subscribe": {"allow": list(self.subscribe)}}
        if self.publish_deny:
            block["publish"]["deny"] = list(self.publish_deny)
        if self.subscribe_deny:
            block["subscribe"]["deny"] = list(self.subscribe_deny)
        if self.allow_responses:
            block["allow_responses"] = True
        return block


def province_consumer_name(identity: Identity) -> str:
    """The durable consumer on the reports stream that a province system reads its reports through."""
    return identity.user


def permissions(identity: Identity) -> Permissions | None:
    """What an identity may publish and subscribe; None for the operator (everything)."""
    inbox = f"{identity.inbox_prefix}.>"
    if identity.role == OPERATOR:
        return None
    if identity.role == SERVICE:
        return Permissions(
            publish=(*SERVICE_PUBLISHES[identity.code], "$JS.API.>", "$JS.ACK.>"),
            publish_deny=STREAM_ADMINISTRATION,
            subscribe=(inbox, *SERVICE_SUBSCRIBES.get(identity.code, ())),
            # every service answers the operator's dead-letter retries, reporting also report requests,
            # on the requester's inbox
            allow_responses=True,
        )
    if identity.role == AGENCY:
        return Permissions(publish=(subjects.INBOUND_REFERRAL,),
                           subscribe=(inbox, subjects.rejected_subject_for(identity.code)))
    stream, consumer = subjects.REPORTS_STREAM.name, province_consumer_name(identity)
    return Permissions(
        publish=(subjects.REPORTS_REQUEST, f"$JS.API.CONSUMER.INFO.{stream}.{consumer}",
                 f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}", f"$JS.ACK.{stream}.{consumer}.>"),
        subscribe=(inbox, "tgpl.reports.>"),
        # a province reading the requests could join reporting's queue group and take them
        subscribe_deny=(subjects.REPORTS_REQUEST,),
    )


def province_consumer_config(identity: Identity) -> ConsumerConfig:
    """The durable a province system pulls reports from, made by the operator: a province may not
    create consumers itself (a consumer's delivery subject could then point anywhere)."""
    return ConsumerConfig(durable_name=province_consumer_name(identity), ack_policy=AckPolicy.EXPLICIT,
                          deliver_policy=DeliverPolicy.ALL, ack_wait=60.0,
                          description=f"Reports for the province system {identity.code}")


async def ensure_province_consumers(js, identities: Iterable[Identity]) -> list[str]:
    """Create each province system's durable on the reports stream (idempotent)."""
    done = []
    for identity in identities:
        if identity.role == PROVINCE:
            await js.add_consumer(subjects.REPORTS_STREAM.name, province_consumer_config(identity))
            done.append(f"{subjects.REPORTS_STREAM.name}/{province_consumer_name(identity)}: ready")
    return done


def password_variable(identity: Identity) -> str:
    """The environment variable a config template reads this identity's password from."""
    return "TGPL_NATS_PASSWORD_" + re.sub(r"[^A-Z0-9]", "_", identity.user.upper())


def authorization_block(identities: Sequence[Identity], *, passwords_from_env: bool = False) -> str:
    """The nats-server `authorization` block for these identities. With `passwords_from_env` each
    password is a `$TGPL_NATS_PASSWORD_…` reference, resolved by nats-server from its environment."""
    users = {identity.user for identity in identities}
    if len(users) != len(identities):
        raise IdentityError("two identities have the same user name")
    if passwords_from_env and len({password_variable(i) for i in identities}) != len(identities):
        raise IdentityError("two identities have the same password variable")
    lines = ["authorization {", "  users = ["]
    for identity in identities:
        password = f"${password_variable(identity)}" if passwords_from_env else json.dumps(identity.password)
        lines += [f"    # {identity.role} {identity.code}".rstrip(), "    {",
                  f"      user: {json.dumps(identity.user)}", f"      password: {password}"]
        rules = permissions(identity)
        if rules is not None:
            rendered = json.dumps(rules.render(), indent=2).replace("\n", "\n      ")
            lines.append(f"      permissions: {rendered}")
        lines.append("    }")
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


@dataclass
class IdentitySet:
    """All identities of one system (what a credentials file holds)."""

    identities: list[Identity] = field(default_factory=list)

    def find(self, role: str, code: str | None = None) -> Identity | None:
        """The identity of this role (and code, when given); the first one of the role otherwise."""
        return next((i for i in self.identities if i.role == role and (code is None or i.code == code)), None)

    def of_role(self, role: str) -> list[Identity]:
        """Every identity of one role."""
        return [i for i in self.identities if i.role == role]


def wanted_identities(agencies: Iterable[str], provinces: Iterable[str]) -> list[tuple[str, str]]:
    """(role, code) of every identity a system with these agencies and province systems needs."""
    return [(OPERATOR, ""), *((SERVICE, name) for name in SERVICES), *((AGENCY, code) for code in agencies),
            *((PROVINCE, code) for code in provinces)]

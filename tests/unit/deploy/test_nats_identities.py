"""The permission rules, checked as rules: no identity from outside may publish anything internal, each
service publishes only its own subjects, and the deployment template is what the code renders."""

import re

import pytest

from deploy.local.nats_identities import (
    AGENCY,
    OPERATOR,
    PROVINCE,
    SERVICE,
    Identity,
    IdentityError,
    authorization_block,
    password_variable,
    permissions,
    wanted_identities,
)
from deploy.nats_config import TEMPLATE, DeploymentOptions, render
from shared import subjects


def matches(pattern: str, subject: str) -> bool:
    """NATS wildcard matching: `*` is one token, `>` one or more at the end."""
    pattern_tokens, subject_tokens = pattern.split("."), subject.split(".")
    for index, token in enumerate(pattern_tokens):
        if token == ">":
            return len(subject_tokens) > index
        if index >= len(subject_tokens) or token not in ("*", subject_tokens[index]):
            return False
    return len(pattern_tokens) == len(subject_tokens)


def may_publish(identity: Identity, subject: str) -> bool:
    rules = permissions(identity)
    if rules is None:
        return True
    return (any(matches(p, subject) for p in rules.publish)
            and not any(matches(p, subject) for p in rules.publish_deny))


def may_subscribe(identity: Identity, subject: str) -> bool:
    rules = permissions(identity)
    return rules is None or (any(matches(p, subject) for p in rules.subscribe)
                             and not any(matches(p, subject) for p in rules.subscribe_deny))


IDENTITIES = [Identity(role, code, "pw") for role, code in wanted_identities(["CA-GL", "TA-GL"], ["STP-GL"])]
OUTSIDERS = [i for i in IDENTITIES if i.role in (AGENCY, PROVINCE)]
INTERNAL = [*subjects.EVENT_SUBJECTS.values(), *subjects.REPORT_SUBJECTS.values(), subjects.INBOUND_REJECTED,
            "tgpl.inbound.rejected.CA-GL", *(f"$JS.API.STREAM.{op}.TGPL_INBOUND" for op in ("DELETE", "PURGE", "UPDATE")),
            "$JS.API.STREAM.CREATE.X", "$JS.API.CONSUMER.CREATE.TGPL_INBOUND", "$JS.API.CONSUMER.DURABLE.CREATE.TGPL_REPORTS.x",
            "$JS.API.STREAM.SNAPSHOT.TGPL_INBOUND", "$JS.API.STREAM.RESTORE.TGPL_INBOUND",
            *(subjects.dead_letter_retry_subject(s) for s in ("intake", "assignment", "evaluation", "reporting"))]


def test_the_matcher_follows_nats_wildcards():
    assert matches("tgpl.>", "tgpl.a.b") and not matches("tgpl.>", "tgpl")
    assert matches("a.*.c", "a.b.c") and not matches("a.*", "a.b.c") and not matches("a.b", "a.b.c")


@pytest.mark.parametrize("identity", OUTSIDERS, ids=lambda i: i.user)
def test_no_outsider_may_publish_anything_internal(identity):
    for subject in INTERNAL:
        assert not may_publish(identity, subject), (identity.user, subject)


def test_an_agency_sends_notices_and_reads_only_its_own_rejections():
    agency = next(i for i in IDENTITIES if i.role == AGENCY and i.code == "CA-GL")
    assert may_publish(agency, subjects.INBOUND_REFERRAL)
    assert may_subscribe(agency, "tgpl.inbound.rejected.CA-GL")
    assert may_subscribe(agency, "_INBOX.agency-CA-GL.abc.*")
    for subject in ("tgpl.inbound.rejected.TA-GL", subjects.INBOUND_REJECTED, "tgpl.inbound.rejected.*",
                    subjects.INBOUND_REFERRAL, "_INBOX.abc.*", "_INBOX.agency-TA-GL.x", "tgpl.reports.monthly"):
        assert not may_subscribe(agency, subject), subject


def test_a_province_requests_reads_reports_and_only_its_own_consumer():
    province = next(i for i in IDENTITIES if i.role == PROVINCE)
    assert may_publish(province, subjects.REPORTS_REQUEST)
    assert may_publish(province, "$JS.API.CONSUMER.MSG.NEXT.TGPL_REPORTS.province-STP-GL")
    assert may_publish(province, "$JS.ACK.TGPL_REPORTS.province-STP-GL.1.2.3.4.5")
    assert not may_publish(province, "$JS.API.CONSUMER.MSG.NEXT.TGPL_REPORTS.province-UBND-GL")
    assert not may_publish(province, "$JS.API.CONSUMER.MSG.NEXT.TGPL_INBOUND.intake-referrals-v1")
    for subject in subjects.REPORT_SUBJECTS.values():
        assert may_subscribe(province, subject)
    assert not may_subscribe(province, subjects.REPORTS_REQUEST)


def test_each_service_publishes_its_own_subjects_and_never_manages_streams():
    owner = {"intake": "tgpl.intake.", "assignment": "tgpl.assignment.", "evaluation": "tgpl.evaluation."}
    services = [i for i in IDENTITIES if i.role == SERVICE]
    for subject in subjects.EVENT_SUBJECTS.values():
        assert [s.code for s in services if may_publish(s, subject)] == [
            name for name, prefix in owner.items() if subject.startswith(prefix)], subject
    for subject in subjects.REPORT_SUBJECTS.values():
        assert [s.code for s in services if may_publish(s, subject)] == ["reporting"]
    for subject in (subjects.INBOUND_REJECTED, "tgpl.inbound.rejected.CA-GL"):
        assert [s.code for s in services if may_publish(s, subject)] == ["intake"]
    for service in services:
        assert not may_publish(service, subjects.INBOUND_REFERRAL)
        assert may_publish(service, f"$JS.API.CONSUMER.CREATE.TGPL_INTAKE.{service.code}-v1.tgpl.intake.>")
        for op in ("CREATE", "UPDATE", "DELETE", "PURGE"):
            assert not may_publish(service, f"$JS.API.STREAM.{op}.TGPL_INTAKE"), (service.code, op)
    # every service answers the operator's dead-letter retries; each takes only its own
    assert all(permissions(s).allow_responses for s in services)
    for service in services:
        assert [s.code for s in services if may_subscribe(s, subjects.dead_letter_retry_subject(service.code))] == [
            service.code]
        assert not may_publish(service, subjects.dead_letter_retry_subject(service.code))


def test_the_operator_has_no_limits_and_codes_must_be_subject_tokens():
    assert permissions(next(i for i in IDENTITIES if i.role == OPERATOR)) is None
    for bad in ("CA.GL", "CA GL", "CA-*", ">", ""):
        with pytest.raises(IdentityError):
            Identity(AGENCY, bad, "pw")


def test_the_rendered_block_holds_each_password_or_its_variable():
    block = authorization_block(IDENTITIES)
    assert block.count('password: "pw"') == len(IDENTITIES)
    from_env = authorization_block(IDENTITIES, passwords_from_env=True)
    assert '"pw"' not in from_env
    for identity in IDENTITIES:
        assert f"password: ${password_variable(identity)}\n" in from_env


def test_the_checked_in_template_is_what_the_code_renders_and_holds_no_secret():
    template = TEMPLATE.read_text(encoding="utf-8")
    assert template == render(DeploymentOptions()), "run `tgpl nats-config --out deploy/nats/nats-server.conf`"
    passwords = re.findall(r"^\s*password:\s*(.+)$", template, flags=re.M)
    assert passwords and all(re.fullmatch(r"\$TGPL_NATS_PASSWORD_[A-Z0-9_]+", p) for p in passwords)

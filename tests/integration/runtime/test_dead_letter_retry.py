"""Dead letters handled again once their cause is fixed: a real reporting service, a real nats-server,
a real database, and `tgpl dead-letters` as the operator runs it."""

import asyncio
import json
import uuid
from datetime import timedelta

import nats
import pytest
from sqlalchemy import text

from deploy.cli import main as tgpl
from services.reporting.bootstrap import build as build_reporting
from services.reporting.config import ReportingSettings
from services.runtime import dead_letters
from services.runtime.dead_letters import DeadLetterRetrier, count_dead_letters, list_dead_letters, request_retry
from shared import events as ev
from shared import subjects
from tests import harness

pytestmark = pytest.mark.integration

REFUSAL = "rm_cases is closed for maintenance"


def case_opened() -> ev.CaseOpened:
    return ev.CaseOpened(producer="test", case_id=str(uuid.uuid4()), register_no="00001/2026/TL",
                         channel="agency_notice", field="criminal", commune_code="21583", branch_code="HQ",
                         gender="female", urgent=True)


async def refuse_cases(engine) -> None:
    """The cause of the failure: the table a CaseOpened is written to refuses every row (a trigger)."""
    async with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            await conn.execute(text(f"CREATE TRIGGER refuse_cases BEFORE INSERT ON rm_cases "
                                    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"))
        else:
            await conn.execute(text(f"CREATE FUNCTION refuse_cases() RETURNS trigger AS $$ BEGIN "
                                    f"RAISE EXCEPTION '{REFUSAL}'; END $$ LANGUAGE plpgsql"))
            await conn.execute(text("CREATE TRIGGER refuse_cases BEFORE INSERT ON rm_cases FOR EACH ROW "
                                    "EXECUTE FUNCTION refuse_cases()"))


async def fix_cases(engine) -> None:
    async with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            await conn.execute(text("DROP TRIGGER refuse_cases"))
        else:
            await conn.execute(text("DROP TRIGGER refuse_cases ON rm_cases"))


async def cases_counted(host, event: ev.CaseOpened) -> int:
    day = event.occurred_at.replace(hour=0, minute=0, second=0, microsecond=0)
    async with host.uow() as uow:
        return (await uow.figures.figures(day, day + timedelta(days=1)))["totals"]["cases_opened"]


async def tgpl_command(capsys, *argv: str) -> tuple[int, str, str]:
    """Run `tgpl ...` as the operator would (in a thread: it runs its own event loop)."""
    capsys.readouterr()
    code = await asyncio.to_thread(tgpl, list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
async def failing_reporting(jetstream, nats_url, database_url, tmp_path, monkeypatch, db_backend):
    """A running reporting service whose CaseOpened handling fails until `fix_cases`, and a dead letter of it."""
    url = await database_url("reporting")
    settings = ReportingSettings(nats_url=nats_url, database_url=url, data_dir=tmp_path, max_deliver=2,
                                 retry_delays_s=[0.1])
    # `tgpl` finds the same database and broker from the environment, as on the server.
    for name, value in {"TGPL_DATA_DIR": str(tmp_path), "TGPL_REPORTING_DATABASE_URL": url,
                        "TGPL_NATS_URL": nats_url}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TGPL_NATS_USER", raising=False)
    host = build_reporting(settings)
    async with harness.running(host):
        await refuse_cases(host.engine)
        event = case_opened()
        await harness.publish(jetstream, subjects.subject_of(ev.CaseOpened), event.model_dump_json().encode(),
                              event.event_id)
        [letter] = await harness.eventually(lambda: list_dead_letters(host.engine, host.tables, status="waiting"))
        yield host, event, letter


async def test_a_dead_letter_retried_after_its_cause_is_fixed_is_handled_exactly_once(
        failing_reporting, nats_url, capsys):
    host, event, letter = failing_reporting
    assert letter["message_key"] == event.event_id and letter["deliveries"] == 2 and REFUSAL in letter["error"]
    assert await cases_counted(host, event) == 0

    nc = await nats.connect(nats_url)
    try:
        # Retried before the cause is fixed: it fails again, rolls back and keeps waiting, its first error kept.
        [early] = await request_retry(nc, "reporting", [letter["id"]])
        assert early.outcome == dead_letters.FAILED and REFUSAL in early.error
        assert (await list_dead_letters(host.engine, host.tables))[0]["status"] == dead_letters.WAITING

        await fix_cases(host.engine)
        code, out, _ = await tgpl_command(capsys, "dead-letters", "retry", f"reporting:{letter['id']}", "--json")
        assert code == 0, out
        assert json.loads(out) == [{"letter": f"reporting:{letter['id']}", "consumer": "reporting-intake-events-v2",
                                    "outcome": dead_letters.PROCESSED, "error": None}]
        assert await cases_counted(host, event) == 1

        # Retried again: nothing is handled twice.
        [again] = await request_retry(nc, "reporting", [letter["id"]])
        assert again.outcome == dead_letters.ALREADY_RETRIED
        missing = await request_retry(nc, "reporting", [letter["id"] + 1000])
        assert [o.outcome for o in missing] == [dead_letters.NOT_FOUND]
    finally:
        await nc.close()
    assert await cases_counted(host, event) == 1
    [kept] = await list_dead_letters(host.engine, host.tables)  # kept as evidence, marked retried
    assert kept["status"] == dead_letters.RETRIED and kept["retried_at"] and REFUSAL in kept["error"]
    assert await count_dead_letters(host.engine, host.tables) == 0
    health = await host.health()
    assert health["dead_letters"] == 0


async def test_two_retries_at_once_handle_the_letter_once(failing_reporting):
    host, event, letter = failing_reporting
    await fix_cases(host.engine)
    retrier = DeadLetterRetrier(host.engine, host.tables, host.uow, host.consumers)
    outcomes = await asyncio.gather(retrier.retry(letter["id"]), retrier.retry(letter["id"]))
    assert sorted(o.outcome for o in outcomes) == [dead_letters.ALREADY_RETRIED, dead_letters.PROCESSED]
    assert await cases_counted(host, event) == 1


async def test_the_operator_lists_shows_and_retries_a_consumers_letters_with_tgpl(failing_reporting, capsys):
    host, event, letter = failing_reporting
    ref = f"reporting:{letter['id']}"

    code, out, err = await tgpl_command(capsys, "dead-letters", "list", "--service", "reporting", "--json")
    assert code == 0, err
    [listed] = json.loads(out)
    assert (listed["ref"], listed["status"], listed["consumer"]) == (ref, "waiting", "reporting-intake-events-v2")
    code, out, _ = await tgpl_command(capsys, "dead-letters", "list", "--service", "reporting")
    assert ref in out and "waiting" in out and "rm_cases is closed" in out

    code, out, _ = await tgpl_command(capsys, "dead-letters", "show", ref, "--json")
    shown = json.loads(out)
    assert json.loads(shown["payload"])["case_id"] == event.case_id  # the whole message, as it arrived
    assert shown["headers"]["Nats-Msg-Id"] == event.event_id and REFUSAL in shown["error"]
    code, out, _ = await tgpl_command(capsys, "dead-letters", "show", ref)
    assert event.case_id in out and f"message key: {event.event_id}" in out

    # All of a consumer's waiting letters, while the cause is still there: the command says they failed.
    code, out, _ = await tgpl_command(capsys, "dead-letters", "retry", "--consumer", "reporting-intake-events-v2")
    assert code == 1 and f"{ref}" in out and "failed" in out
    await fix_cases(host.engine)
    code, out, _ = await tgpl_command(capsys, "dead-letters", "retry", "--consumer", "reporting-intake-events-v2")
    assert code == 0 and "processed" in out
    code, out, err = await tgpl_command(capsys, "dead-letters", "retry", "--consumer", "reporting-intake-events-v2")
    assert code == 0 and out == ""  # none waits any more

    code, out, _ = await tgpl_command(capsys, "dead-letters", "list", "--service", "reporting", "--status", "retried",
                                      "--json")
    assert [d["ref"] for d in json.loads(out)] == [ref]
    code, _, err = await tgpl_command(capsys, "dead-letters", "show", "reporting:999999")
    assert code == 1 and "no dead letter 999999" in err
    code, _, err = await tgpl_command(capsys, "dead-letters", "show", "nowhere:1")
    assert code == 2 and "SERVICE:ID" in err
    assert await cases_counted(host, event) == 1

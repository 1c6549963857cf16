"""`tgpl dead-letters list|show|retry`: the services' dead letters, for the operator on the server.

`list` and `show` read each service's own database (found from its settings, as `tgpl republish`
does), so they work while the services are down; they show personal data (names, ID numbers in
payloads) unmasked: the operator's tool, like the databases themselves. `retry` asks the running
service that dead-lettered a message to handle it again (services/runtime/dead_letters.py says
how that stays exactly once), over NATS as the operator identity.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from deploy.cli_errors import CommandFailed, reported
from deploy.republish import DatabaseMissing, service_settings, source_of
from services.runtime import dead_letters
from services.runtime.dead_letters import RetryOutcome
from services.runtime.settings import server_list

SERVICES = ("intake", "assignment", "evaluation", "reporting")

#: Outcomes after which nothing more needs doing.
SETTLED = (dead_letters.PROCESSED, dead_letters.ALREADY_PROCESSED, dead_letters.NOT_READ, dead_letters.ALREADY_RETRIED)


class LetterNotFound(Exception):
    """No dead letter has that reference."""


def parse_reference(text: str) -> tuple[str, int]:
    """`reporting:12` → ("reporting", 12); a letter's id is its row in that service's database."""
    service, _, number = text.partition(":")
    if service not in SERVICES or not number.isdigit():
        raise ValueError(f"a dead letter is named SERVICE:ID, e.g. reporting:12 (services: {', '.join(SERVICES)}); "
                         f"got {text!r}")
    return service, int(number)


@dataclass
class Found:
    """Dead letters gathered from the services' databases, and the databases that could not be read."""

    letters: list[dict] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)


async def gather(services: list[str], *, consumer: str | None = None, status: str | None = None,
                 limit: int = 100) -> Found:
    """The dead letters of these services, newest first, each with its `service` and `ref`."""
    found = Found()
    for service in services:
        try:
            source = source_of(service, service_settings(service))
        except DatabaseMissing as exc:
            found.missing[service] = str(exc)
            continue
        try:
            rows = await dead_letters.list_dead_letters(source.engine, source.tables, limit=limit, consumer=consumer,
                                                        status=status)
        finally:
            await source.engine.dispose()
        found.letters += [{"service": service, "ref": f"{service}:{row['id']}", **row} for row in rows]
    found.letters.sort(key=lambda letter: letter["failed_at"] or "", reverse=True)
    del found.letters[limit:]
    return found


async def show(reference: str) -> dict:
    """One dead letter, whole (payload and headers)."""
    service, letter_id = parse_reference(reference)
    source = source_of(service, service_settings(service))
    try:
        letter = await dead_letters.get_dead_letter(source.engine, source.tables, letter_id)
    finally:
        await source.engine.dispose()
    if letter is None:
        raise LetterNotFound(f"{service} has no dead letter {letter_id}")
    return {"service": service, "ref": f"{service}:{letter_id}", **letter}


async def retry(references: list[tuple[str, int]], *, nats_url: str, login: dict[str, str],
                timeout: float) -> dict[str, list[RetryOutcome]]:
    """Ask each service to retry its letters among `references`; its outcomes, by service."""
    import nats

    by_service: dict[str, list[int]] = {}
    for service, letter_id in references:
        by_service.setdefault(service, []).append(letter_id)
    nc = await nats.connect(server_list(nats_url), name="tgpl-dead-letters", max_reconnect_attempts=2, **login)
    try:
        return {service: await dead_letters.request_retry(nc, service, ids, timeout=timeout)
                for service, ids in by_service.items()}
    finally:
        await nc.close()


# --- what the operator reads -----------------------------------------------------------------------

def _local(moment: str | None, tz: ZoneInfo) -> str:
    return datetime.fromisoformat(moment).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def letters_table(letters: list[dict], tz: ZoneInfo) -> str:
    """The list as a plain table, one letter a line, its error cut to one line."""
    header = ("LETTER", "FAILED AT", "STATUS", "CONSUMER", "TRIES", "ERROR")
    rows = [(d["ref"], _local(d["failed_at"], tz), d["status"], d["consumer"], str(d["deliveries"]),
             (d["error"].splitlines() or [""])[0][:120]) for d in letters]
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header) - 1)]
    return "\n".join("  ".join([*(str(c).ljust(w) for c, w in zip(r, widths)), r[-1]]) for r in (header, *rows))


def letter_text(letter: dict, tz: ZoneInfo) -> str:
    """One letter in full: its facts, headers, payload (indented when it is JSON) and error."""
    try:
        payload = json.dumps(json.loads(letter["payload"]), indent=2, ensure_ascii=False)
    except ValueError:
        payload = letter["payload"]
    retried = f" (at {_local(letter['retried_at'], tz)})" if letter["retried_at"] else ""
    lines = [
        f"letter:      {letter['ref']}",
        f"status:      {letter['status']}{retried}",
        f"consumer:    {letter['consumer']}",
        f"subject:     {letter['subject']}",
        f"message key: {letter['message_key']}",
        f"stream seq:  {letter['stream_seq'] if letter['stream_seq'] is not None else '-'}",
        f"deliveries:  {letter['deliveries']}",
        f"failed at:   {_local(letter['failed_at'], tz)}",
        "headers:", *(f"  {k}: {v}" for k, v in sorted((letter.get("headers") or {}).items())),
        "payload:", payload,
        "error:", letter["error"],
    ]
    return "\n".join(lines)


def command(args: argparse.Namespace, tz: ZoneInfo) -> int:
    """`tgpl dead-letters list|show|retry` (deploy/cli.py parses the arguments); the exit code."""
    from nats.errors import NoRespondersError, TimeoutError as NatsTimeout

    try:
        # Only `retry` talks to NATS (and has --nats-url); list and show read the databases.
        with reported("dead-letters", getattr(args, "nats_url", ""), DatabaseMissing, LetterNotFound, RuntimeError):
            return {"list": _list, "show": _show, "retry": _retry}[args.action](args, tz)
    except ValueError as exc:
        raise CommandFailed(f"tgpl dead-letters: {exc}", code=2) from exc
    except (NoRespondersError, NatsTimeout):
        raise CommandFailed("tgpl dead-letters: the service did not answer: a retry runs in the service itself, so "
                            "it must be running (tgpl up)") from None


def _list(args: argparse.Namespace, tz: ZoneInfo) -> int:
    found = asyncio.run(gather(list(dict.fromkeys(args.service or SERVICES)), consumer=args.consumer,
                               status=args.status, limit=args.limit))
    for problem in found.missing.values():
        print(f"tgpl dead-letters: {problem}", file=sys.stderr)
    if args.json:
        print(json.dumps(found.letters, indent=2, ensure_ascii=False))
    elif found.letters:
        print(letters_table(found.letters, tz))
    else:
        print("no dead letters", file=sys.stderr)
    return 1 if found.missing and args.service else 0


def _show(args: argparse.Namespace, tz: ZoneInfo) -> int:
    letters = [asyncio.run(show(reference)) for reference in args.letters]
    if args.json:
        print(json.dumps(letters if len(letters) > 1 else letters[0], indent=2, ensure_ascii=False))
    else:
        print("\n\n".join(letter_text(letter, tz) for letter in letters))
    return 0


def _retry(args: argparse.Namespace, _tz: ZoneInfo) -> int:
    from deploy.local.credentials import cli_login
    from deploy.local.nats_identities import OPERATOR

    references = [parse_reference(reference) for reference in args.letters]
    if args.consumer:
        found = asyncio.run(gather(list(dict.fromkeys(args.service or SERVICES)), consumer=args.consumer,
                                   status=dead_letters.WAITING, limit=100_000))
        references += [(letter["service"], letter["id"]) for letter in found.letters]
    if not references:
        print("tgpl dead-letters retry: nothing to retry (name letters as SERVICE:ID, or --consumer with waiting "
              "letters)", file=sys.stderr)
        return 0 if args.consumer else 2
    outcomes = asyncio.run(retry(list(dict.fromkeys(references)), nats_url=args.nats_url, login=cli_login(OPERATOR),
                                 timeout=args.timeout))
    rows = [{"letter": f"{service}:{o.id}", "consumer": o.consumer, "outcome": o.outcome, "error": o.error}
            for service, results in outcomes.items() for o in results]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for row in rows:
            error = f"  {row['error'].splitlines()[0][:120]}" if row["error"] else ""
            print(f"{row['letter']:<16} {row['outcome']:<18} {row['consumer'] or ''}{error}")
    return 0 if all(row["outcome"] in SETTLED for row in rows) else 1

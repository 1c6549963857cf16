"""Rules about agency referral notices: reading them, their deadline, their revisions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from pydantic import ValidationError

from shared.external import FieldError, ReferralNotice



@dataclass(frozen=True)
class Rejection:
    """Why a notice could not be accepted, with whatever identity could be read from it."""

    agency_code: str | None
    notice_id: str | None
    errors: list[FieldError]


def read_notice(data: bytes, now: datetime) -> ReferralNotice | Rejection:
    """Parse and validate a raw inbound notice; never raises on bad input."""
    try:
        # Decode explicitly: json.loads(bytes) would also accept UTF-16/32; the contract is UTF-8.
        document = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, huge numbers, deep nesting
        return Rejection(None, None, [FieldError(field="$", message=f"not valid UTF-8 JSON: {str(exc)[:200]}",
                                                 code="json_invalid")])
    if not isinstance(document, dict):
        return Rejection(None, None, [FieldError(field="$", message="must be a JSON object", code="not_an_object")])
    agency = document.get("agency")
    agency_code = agency.get("code") if isinstance(agency, dict) else None
    notice_id = document.get("notice_id")
    identity = (
        agency_code if isinstance(agency_code, str) and agency_code.strip() else None,
        notice_id if isinstance(notice_id, str) and notice_id.strip() else None,
    )
    try:
        return ReferralNotice.model_validate(document, context={"now": now})
    except ValidationError as exc:
        return Rejection(*identity, errors=field_errors(exc))


def field_errors(exc: ValidationError) -> list[FieldError]:
    """One FieldError per broken rule, named by the field's dotted path."""
    errors = []
    for err in exc.errors(include_url=False):
        path = ".".join(str(part) for part in err["loc"]) or "$"
        errors.append(FieldError(field=path, message=err["msg"], code=err["type"]))
    return errors


class RevisionOutcome(Enum):
    NEW = "new"
    NEWER_REVISION = "newer_revision"
    STALE = "stale"


def revision_outcome(stored_revision: int | None, incoming_revision: int) -> RevisionOutcome:
    """A higher revision updates the notice; a lower or equal one is ignored and recorded."""
    if stored_revision is None:
        return RevisionOutcome.NEW
    if incoming_revision > stored_revision:
        return RevisionOutcome.NEWER_REVISION
    return RevisionOutcome.STALE

"""The "Tiến độ và kết thúc vụ việc" section of the case page: the performer (or a leader) records
dated progress notes and closes the case with its outcome; everyone else reads them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from services.intake.adapters.accounts import Session
from services.intake.domain.cases import CaseAlreadyClosed, CaseStatus, InvalidCaseFileEntry, keeps_case_file
from services.intake.domain.staff import Permission, StaffUser
from services.intake.entrypoints import auth, labels
# The module, not its names: web.py includes this router, so either may be imported first.
from services.intake.entrypoints import web as pages
from services.intake.service_layer.case_actions import CaseFileForbidden, CaseNotFound, close_case, record_progress
from services.intake.service_layer.policy import IntakePolicy
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from services.runtime.unit_of_work import utcnow
from shared.vocabulary import AidForm

router = APIRouter(include_in_schema=False)

#: Runs one entry in a unit of work; returns what the audit log keeps of it.
EntryHandler = Callable[[IntakeUnitOfWork, dict[str, str]], Awaitable[dict[str, Any]]]

#: The section's anchor on the case page.
ANCHOR = "tien-do"


@dataclass(frozen=True)
class EntryOutcome:
    """A progress note or a closing that did not go through: which form ("progress" or "close"), the
    message of each wrong field, what was typed, or a message for the whole section."""

    form: str
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    message: str | None = None


def _policy(request: Request) -> IntakePolicy:
    return request.app.state.policy


def panel(request: Request, user: StaffUser, case: dict, entry: EntryOutcome | None = None) -> dict[str, Any]:
    """What the case page shows of the case's progress and closing, and whether this user may add to it."""
    rules = _policy(request).rules
    zone = rules.zone
    form = AidForm(case["form"])
    closed = case["status"] == CaseStatus.CLOSED
    today = utcnow().astimezone(zone).date()
    for note in case.get("progress", []):
        note["recorded_local"] = pages.local_time(note["recorded_at"], zone)
    closure = None
    if closed and case.get("closure_outcome"):
        result = rules.case_result(form, case["closure_result"])
        ground = rules.termination_grounds.get(case["closure_ground"] or "")
        closure = {
            "outcome": labels.OUTCOME_LABELS.get(case["closure_outcome"], case["closure_outcome"]),
            "result": result.label_vi if result else case["closure_result"],
            "ground": ground.label_vi if ground else case["closure_ground"],
            "legal_basis": ground.legal_basis if ground else None,
            "transferred_to": case["transferred_to"], "note": case["closure_note"],
            "closed_on": _day(case["closed_on"]), "closed_by": case.get("closed_by_name") or case["closed_by"],
            "recorded_local": pages.local_time(case["closed_at"], zone),
        }
    return {
        "entry": entry,
        "form_label": labels.AID_FORM_LABELS[form.value],
        "notes": case.get("progress", []),
        "closure": closure,
        "may_keep": not closed and keeps_case_file(user, case["officer_id"]),
        "outcome_labels": labels.OUTCOME_LABELS,
        "results": [(r.code, r.label_vi) for r in rules.case_results[form]],
        "grounds": [(g.code, g.label_vi, g.legal_basis) for g in rules.termination_grounds.values()],
        "today": today.isoformat(),
        "opened_on": case["opened_at"].astimezone(zone).date().isoformat(),
    }


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


async def _entry(request: Request, session: Session, case_id: str, form: str, values: dict[str, str],
                 action: str, handle: EntryHandler) -> Response:
    """Run one entry on the case file: back to the section on success, else the page again with the
    messages next to the form and what was typed."""
    try:
        async with request.app.state.uow() as uow:
            detail = await handle(uow, values)
    except CaseNotFound as exc:
        return pages.TEMPLATES.TemplateResponse(request, "message.html", {
            "title": "Không tìm thấy vụ việc", "message": str(exc)}, status_code=404)
    except CaseFileForbidden:
        raise auth.Forbidden() from None
    except CaseAlreadyClosed as exc:
        return await pages.render_case(request, session, case_id, status_code=409,
                                       case_entry=EntryOutcome(form, values=values, message=exc.message_vi))
    except InvalidCaseFileEntry as exc:
        return await pages.render_case(request, session, case_id, status_code=422,
                                       case_entry=EntryOutcome(form, errors=exc.errors, values=values))
    await request.app.state.accounts.audit(session.user, action, case_id, **detail)
    return RedirectResponse(f"/cases/{case_id}#{ANCHOR}", status_code=303)


@router.post("/cases/{case_id}/progress", dependencies=[Depends(auth.csrf_checked)])
async def add_progress(request: Request, case_id: str, done_on: str = Form(""), text: str = Form(""),
                       session: Session = Depends(auth.require(Permission.PERFORM_CASE))) -> Response:
    """The performer or a leader records what was done on a day (met the beneficiary, attended a hearing)."""
    async def handle(uow: IntakeUnitOfWork, values: dict[str, str]) -> dict[str, Any]:
        note = await record_progress(uow, case_id, values, session.user, _policy(request), utcnow())
        return {"note_id": note.note_id, "done_on": note.done_on.isoformat(), "text": note.text}

    values = {"done_on": done_on, "text": text}
    return await _entry(request, session, case_id, "progress", values, "record_case_progress", handle)


@router.post("/cases/{case_id}/close", dependencies=[Depends(auth.csrf_checked)])
async def close(request: Request, case_id: str, outcome: str = Form(""), result: str = Form(""),
                ground: str = Form(""), transferred_to: str = Form(""), note: str = Form(""),
                closed_on: str = Form(""),
                session: Session = Depends(auth.require(Permission.PERFORM_CASE))) -> Response:
    """The performer or a leader closes the case: completed with a result, terminated on a ground, or
    transferred; once."""
    async def handle(uow: IntakeUnitOfWork, values: dict[str, str]) -> dict[str, Any]:
        case = await close_case(uow, case_id, values, session.user, _policy(request), utcnow())
        closure = case.closure
        assert closure is not None
        return {"outcome": closure.outcome.value, "result": closure.result, "ground": closure.ground,
                "transferred_to": closure.transferred_to, "closed_on": closure.closed_on.isoformat(),
                "note": closure.note}

    values = {"outcome": outcome, "result": result, "ground": ground, "transferred_to": transferred_to,
              "note": note, "closed_on": closed_on}
    return await _entry(request, session, case_id, "close", values, "close_case", handle)

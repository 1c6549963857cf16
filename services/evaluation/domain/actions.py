"""Corrective actions: a failed criterion raises one; its owner reports what was done; a leader
verifies and closes it, or sends it back. Overdue means not closed after its due day (local time)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from services.evaluation.domain.errors import Invalid, Refused
from services.evaluation.domain.scoring import RatingResult


class ActionStatus:
    OPEN = "open"
    SUBMITTED = "submitted"
    CLOSED = "closed"


STATUS_LABELS = {ActionStatus.OPEN: "đang khắc phục", ActionStatus.SUBMITTED: "chờ lãnh đạo xác nhận",
                 ActionStatus.CLOSED: "đã hoàn thành"}


@dataclass(frozen=True)
class ActionStep:
    """One change of a corrective action: who did what, when, with which words."""

    status: str
    by: str
    at: datetime
    note: str


@dataclass
class CorrectiveAction:
    action_id: str
    case_id: str
    evaluation_id: str
    criterion: str
    owner_officer_id: str
    due_on: date
    required_evidence: str
    raised_by: str
    raised_at: datetime
    status: str = ActionStatus.OPEN
    evidence: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    late: bool | None = None
    history: list[ActionStep] = field(default_factory=list)

    @property
    def is_closed(self) -> bool:
        return self.status == ActionStatus.CLOSED

    def is_overdue(self, on: date) -> bool:
        """Not closed and past its due day on the given local day."""
        return not self.is_closed and on > self.due_on

    def submit(self, text: str, by: str, at: datetime) -> None:
        """The owner reports what was done; a new report replaces an unverified one."""
        if self.is_closed:
            raise Refused("Biện pháp khắc phục đã được lãnh đạo xác nhận hoàn thành.")
        self.evidence, self.status = text, ActionStatus.SUBMITTED
        self.history.append(ActionStep(ActionStatus.SUBMITTED, by, at, text))

    def close(self, note: str, by: str, at: datetime, today: date) -> None:
        """A leader verifies the reported correction; late when closed after the due day."""
        if self.status != ActionStatus.SUBMITTED:
            raise Refused("Chỉ xác nhận hoàn thành biện pháp đã có báo cáo kết quả khắc phục."
                          if self.status == ActionStatus.OPEN else "Biện pháp khắc phục đã được xác nhận hoàn thành.")
        self.status, self.closed_at, self.closed_by, self.late = ActionStatus.CLOSED, at, by, today > self.due_on
        self.history.append(ActionStep(ActionStatus.CLOSED, by, at, note))

    def reopen(self, note: str, by: str, at: datetime) -> None:
        """A leader finds the reported correction insufficient and sends it back to the owner."""
        if self.status != ActionStatus.SUBMITTED:
            raise Refused("Chỉ trả lại biện pháp đang chờ lãnh đạo xác nhận.")
        self.status = ActionStatus.OPEN
        self.history.append(ActionStep(ActionStatus.OPEN, by, at, note))


@dataclass(frozen=True)
class ActionRequest:
    """What the evaluator asks for when finalising: which failed criterion, shown how, by when, by whom."""

    criterion: str
    required_evidence: str
    due_on: date | None = None
    owner_officer_id: str | None = None


def raise_actions(requests: list[ActionRequest], *, rating: RatingResult, case_id: str, evaluation_id: str,
                  performer_id: str | None, today: date, default_days: int, by: str, at: datetime,
                  new_id: Callable[[], str]) -> list[CorrectiveAction]:
    """The corrective actions a finalised evaluation raises; only failed criteria may raise one, once."""
    seen: set[str] = set()
    raised = []
    for index, request in enumerate(requests):
        where = f"actions[{index}]"
        if request.criterion not in rating.failed:
            raise Invalid(f"Tiêu chí {request.criterion} không bị đánh giá là không đạt nên không cần "
                          "biện pháp khắc phục.", f"{where}.criterion")
        if request.criterion in seen:
            raise Invalid(f"Tiêu chí {request.criterion} đã có biện pháp khắc phục.", f"{where}.criterion")
        seen.add(request.criterion)
        due_on = request.due_on or today + timedelta(days=default_days)
        if due_on < today:
            raise Invalid("Hạn khắc phục không được trước ngày hoàn thành đánh giá.", f"{where}.due_on")
        owner = request.owner_officer_id or performer_id
        if owner is None:
            raise Invalid("Cần chỉ định người chịu trách nhiệm khắc phục.", f"{where}.owner_officer_id")
        action = CorrectiveAction(action_id=new_id(), case_id=case_id, evaluation_id=evaluation_id,
                                  criterion=request.criterion, owner_officer_id=owner, due_on=due_on,
                                  required_evidence=request.required_evidence, raised_by=by, raised_at=at)
        action.history.append(ActionStep(ActionStatus.OPEN, by, at, request.required_evidence))
        raised.append(action)
    return raised


def _tally(actions: list[CorrectiveAction], on: date) -> dict[str, int]:
    return {"open": sum(not a.is_closed for a in actions),
            "submitted": sum(a.status == ActionStatus.SUBMITTED for a in actions),
            "overdue": sum(a.is_overdue(on) for a in actions),
            "closed": sum(a.is_closed for a in actions),
            "closed_late": sum(bool(a.is_closed and a.late) for a in actions)}


def count_actions(actions: Iterable[CorrectiveAction], on: date) -> dict:
    """Counts as of a local day: open (not closed), submitted, overdue, closed, closed late; by owner and criterion."""
    actions = list(actions)
    by_officer: dict[str, list[CorrectiveAction]] = defaultdict(list)
    by_criterion: dict[str, list[CorrectiveAction]] = defaultdict(list)
    for action in actions:
        by_officer[action.owner_officer_id].append(action)
        by_criterion[action.criterion].append(action)
    return {**_tally(actions, on), "as_of": on,
            "by_officer": {k: _tally(v, on) for k, v in sorted(by_officer.items())},
            "by_criterion": {k: _tally(v, on) for k, v in sorted(by_criterion.items())}}


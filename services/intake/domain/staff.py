"""Staff accounts and what each role may do (Vietnamese labels for the UI)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CLERK = "clerk"
    OFFICER = "officer"
    LEADER = "leader"
    EVALUATOR = "evaluator"
    ADMINISTRATOR = "administrator"


ROLE_LABELS = {
    Role.CLERK: "Cán bộ tiếp nhận",
    Role.OFFICER: "Trợ giúp viên pháp lý",
    Role.LEADER: "Lãnh đạo Trung tâm",
    Role.EVALUATOR: "Người đánh giá chất lượng",
    Role.ADMINISTRATOR: "Quản trị hệ thống",
}


def mask_national_id(number: str | None) -> str | None:
    """A national ID number with all but its last three digits hidden (`•••••••••123`)."""
    if not number:
        return number
    shown = 3 if len(number) > 6 else 0
    return "•" * (len(number) - shown) + number[len(number) - shown:]


class Permission(StrEnum):
    VIEW_REGISTER = "view_register"
    VIEW_PERSON = "view_person"
    REGISTER_REQUEST = "register_request"
    DECIDE_REQUEST = "decide_request"
    MAP_REFERENCE = "map_reference"
    VIEW_OPERATIONS = "view_operations"
    VIEW_ROSTER = "view_roster"
    MANAGE_ROSTER = "manage_roster"
    OVERSEE_ASSIGNMENT = "oversee_assignment"
    DECIDE_ASSIGNMENT = "decide_assignment"
    PERFORM_CASE = "perform_case"
    VIEW_EVALUATION = "view_evaluation"
    EVALUATE = "evaluate"
    OVERSEE_CORRECTIVE_ACTIONS = "oversee_corrective_actions"
    CLOSE_CORRECTIVE_ACTION = "close_corrective_action"
    REVIEW_OFFICERS = "review_officers"
    VIEW_REPORTS = "view_reports"
    VIEW_OFFICER_FIGURES = "view_officer_figures"
    VIEW_NATIONAL_ID = "view_national_id"


#: Who may do what. Reading a person's data is itself audited (see the audit log).
GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.VIEW_REGISTER: frozenset(Role),
    Permission.VIEW_PERSON: frozenset({Role.CLERK, Role.OFFICER, Role.LEADER, Role.EVALUATOR}),
    Permission.REGISTER_REQUEST: frozenset({Role.CLERK, Role.LEADER}),
    Permission.DECIDE_REQUEST: frozenset({Role.CLERK, Role.LEADER}),
    Permission.MAP_REFERENCE: frozenset({Role.CLERK, Role.LEADER, Role.ADMINISTRATOR}),
    Permission.VIEW_OPERATIONS: frozenset({Role.LEADER, Role.ADMINISTRATOR}),
    # The roster of legal aid officers (assignment): read by those who route cases, kept by administrators.
    Permission.VIEW_ROSTER: frozenset({Role.CLERK, Role.LEADER, Role.ADMINISTRATOR}),
    Permission.MANAGE_ROSTER: frozenset({Role.ADMINISTRATOR}),
    # Leaders' overrides, approved requests and the signs of favouritism, for those who answer for them.
    Permission.OVERSEE_ASSIGNMENT: frozenset({Role.LEADER, Role.ADMINISTRATOR}),
    # Give a case to another officer than the rule chose; approve or reject a request to take one.
    Permission.DECIDE_ASSIGNMENT: frozenset({Role.LEADER}),
    # Decline one's own case or ask to take one (needs the account's own roster entry too).
    Permission.PERFORM_CASE: frozenset({Role.OFFICER, Role.LEADER}),
    # Quality (evaluation service). The section itself: one's own corrective actions and review.
    Permission.VIEW_EVALUATION: frozenset({Role.EVALUATOR, Role.LEADER, Role.OFFICER, Role.ADMINISTRATOR}),
    # Draw the yearly plan, record complaints, evaluate cases (never one's own: the service checks independence).
    Permission.EVALUATE: frozenset({Role.EVALUATOR, Role.LEADER}),
    # Every officer's corrective actions and their counts (others see only the actions they own).
    Permission.OVERSEE_CORRECTIVE_ACTIONS: frozenset({Role.EVALUATOR, Role.LEADER, Role.ADMINISTRATOR}),
    # Verify a corrective action and close it, or send it back.
    Permission.CLOSE_CORRECTIVE_ACTION: frozenset({Role.LEADER}),
    # Every officer's yearly review side by side, and recording them (others see only their own).
    Permission.REVIEW_OFFICERS: frozenset({Role.LEADER}),
    # The center's dashboards and reports (reporting service): figures of the center, no person data.
    # An officer sees only their own workload row (checked on that page).
    Permission.VIEW_REPORTS: frozenset({Role.CLERK, Role.LEADER, Role.EVALUATOR, Role.ADMINISTRATOR}),
    # Every officer's own row in the dashboards: workload against target, quality ratings.
    Permission.VIEW_OFFICER_FIGURES: frozenset({Role.LEADER, Role.EVALUATOR, Role.ADMINISTRATOR}),
    # Whole national ID numbers: those who check identities and sign refusals; others see them masked.
    Permission.VIEW_NATIONAL_ID: frozenset({Role.CLERK, Role.LEADER}),
}


@dataclass(frozen=True)
class StaffUser:
    username: str
    full_name: str
    roles: frozenset[Role]
    active: bool = True
    officer_id: str | None = None

    def may(self, permission: Permission) -> bool:
        """Whether any of the user's roles grants the permission (an inactive user may nothing)."""
        return self.active and bool(self.roles & GRANTS[permission])

    @property
    def role_labels(self) -> list[str]:
        return [ROLE_LABELS[r] for r in Role if r in self.roles]

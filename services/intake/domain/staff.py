"""Staff accounts and what each role may do (Vietnamese labels for the UI)."""

from __future__ import annotations

from collections.abc import Collection
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
    VIEW_EVERY_PERSON = "view_every_person"
    SEARCH_AUDIT = "search_audit"


#: Who may do what. Reading a person's data is itself audited (see the audit log).
GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.VIEW_REGISTER: frozenset(Role),
    # The pages that show persons' data; an officer sees it only in the cases they have a part in
    # (StaffUser.sees_person_in), the roles of VIEW_EVERY_PERSON in every case.
    Permission.VIEW_PERSON: frozenset({Role.CLERK, Role.OFFICER, Role.LEADER, Role.EVALUATOR}),
    # Every person's data, whoever performs the case; and the queues of persons no case holds yet
    # (missed beneficiaries, possible duplicates, rejected notices).
    Permission.VIEW_EVERY_PERSON: frozenset({Role.CLERK, Role.LEADER, Role.EVALUATOR}),
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
    # Search the audit log (who read or changed what). Leaders only: its entries carry what staff typed
    # about persons (progress notes, reasons), which administrators may not read.
    Permission.SEARCH_AUDIT: frozenset({Role.LEADER}),
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

    def sees_person_in(self, performers: Collection[str]) -> bool:
        """Whether the user may see the person data of a case whose performers, now and earlier, are `performers`.

        Clerks, leaders and evaluators see every case's (VIEW_EVERY_PERSON). An officer sees a case's only
        when they have a part in it, and having a part means being its performer now or having been one
        (declined, replaced by a leader's decision, reassigned after a change-of-performer application):
        the officer met the person and answers for the work done. Asking to take a case gives no part (any
        officer may ask, so asking would open every case); an approved request makes the officer the
        performer. Being among the candidates the rule scored, or excluded by it, gives no part either.
        """
        if self.may(Permission.VIEW_EVERY_PERSON):
            return True
        return self.may(Permission.VIEW_PERSON) and self.officer_id is not None and self.officer_id in performers

    @property
    def role_labels(self) -> list[str]:
        return [ROLE_LABELS[r] for r in Role if r in self.roles]

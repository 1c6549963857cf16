"""Who may do what in quality evaluation."""

from services.intake.domain.staff import Permission, Role, StaffUser


def user(*roles: Role, officer_id: str | None = None) -> StaffUser:
    return StaffUser("u", "Người dùng", frozenset(roles), officer_id=officer_id)


def test_evaluators_and_leaders_evaluate_and_only_leaders_close_actions_and_review_officers():
    evaluator, leader = user(Role.EVALUATOR), user(Role.LEADER, officer_id="TGV-001")
    assert evaluator.may(Permission.EVALUATE) and leader.may(Permission.EVALUATE)
    assert not evaluator.may(Permission.CLOSE_CORRECTIVE_ACTION) and leader.may(Permission.CLOSE_CORRECTIVE_ACTION)
    assert not evaluator.may(Permission.REVIEW_OFFICERS) and leader.may(Permission.REVIEW_OFFICERS)


def test_an_officer_opens_the_section_for_their_own_actions_and_review_only():
    officer = user(Role.OFFICER, officer_id="TGV-004")
    assert officer.may(Permission.VIEW_EVALUATION)
    assert not officer.may(Permission.EVALUATE) and not officer.may(Permission.OVERSEE_CORRECTIVE_ACTIONS)


def test_an_administrator_sees_the_actions_and_a_clerk_nothing_of_evaluation():
    admin, clerk = user(Role.ADMINISTRATOR), user(Role.CLERK)
    assert admin.may(Permission.OVERSEE_CORRECTIVE_ACTIONS) and not admin.may(Permission.EVALUATE)
    assert not admin.may(Permission.REVIEW_OFFICERS)
    assert not any(clerk.may(p) for p in (Permission.VIEW_EVALUATION, Permission.EVALUATE,
                                          Permission.OVERSEE_CORRECTIVE_ACTIONS))

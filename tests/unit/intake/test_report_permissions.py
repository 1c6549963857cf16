"""Who sees the center's dashboards."""

from services.intake.domain.staff import Permission, Role, StaffUser


def user(*roles: Role, officer_id: str | None = None) -> StaffUser:
    return StaffUser("u", "Người dùng", frozenset(roles), officer_id=officer_id)


def test_leaders_evaluators_administrators_and_clerks_see_the_reports():
    for role in (Role.LEADER, Role.EVALUATOR, Role.ADMINISTRATOR, Role.CLERK):
        assert user(role).may(Permission.VIEW_REPORTS), role


def test_every_officers_row_is_for_those_who_oversee_officers_not_clerks_or_officers():
    assert all(user(r).may(Permission.VIEW_OFFICER_FIGURES) for r in (Role.LEADER, Role.EVALUATOR, Role.ADMINISTRATOR))
    assert not user(Role.CLERK).may(Permission.VIEW_OFFICER_FIGURES)
    officer = user(Role.OFFICER, officer_id="TGV-004")
    assert not officer.may(Permission.VIEW_REPORTS) and not officer.may(Permission.VIEW_OFFICER_FIGURES)

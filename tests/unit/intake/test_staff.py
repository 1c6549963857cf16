"""Who may do what."""

from services.intake.domain.staff import GRANTS, Permission, Role, StaffUser


def user(*roles: Role, active: bool = True) -> StaffUser:
    return StaffUser("u", "Người dùng", frozenset(roles), active=active)


def test_a_clerk_registers_and_reads_persons_but_not_operations():
    clerk = user(Role.CLERK)
    assert clerk.may(Permission.REGISTER_REQUEST) and clerk.may(Permission.VIEW_PERSON)
    assert not clerk.may(Permission.VIEW_OPERATIONS)


def test_an_administrator_runs_the_system_without_reading_persons():
    admin = user(Role.ADMINISTRATOR)
    assert admin.may(Permission.VIEW_OPERATIONS) and admin.may(Permission.MAP_REFERENCE)
    assert not admin.may(Permission.VIEW_PERSON) and not admin.may(Permission.DECIDE_REQUEST)


def test_roles_add_up_and_an_inactive_user_may_nothing():
    both = user(Role.OFFICER, Role.ADMINISTRATOR)
    assert both.may(Permission.VIEW_PERSON) and both.may(Permission.VIEW_OPERATIONS)
    assert not user(Role.LEADER, active=False).may(Permission.VIEW_REGISTER)


def test_every_permission_is_granted_to_someone_and_labels_are_vietnamese():
    assert set(GRANTS) == set(Permission) and all(GRANTS.values())
    assert user(Role.LEADER, Role.CLERK).role_labels == ["Cán bộ tiếp nhận", "Lãnh đạo Trung tâm"]

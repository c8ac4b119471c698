"""Who may see, read, change, administer and list profiles: the whole table."""

from __future__ import annotations

from uuid import UUID

import pytest

from lms.user.application.authorization import (
    ensure_admin,
    ensure_can_edit,
    ensure_can_list,
    ensure_can_read,
    ensure_visible,
)
from lms.user.domain.model import Profile
from lms_platform.kernel.errors import NotFound, PermissionDenied
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role
from tests.user.unit.fakes import T0, admin_of, make_profile, principal_for, self_of, super_admin

PROFILE = make_profile(id=UUID(int=1), tenant_id="college-a")
OTHER_COLLEGE_PROFILE = make_profile(id=UUID(int=2), tenant_id="college-b")


def _deleted() -> Profile:
    profile = make_profile(id=UUID(int=3))
    profile.delete(T0)
    return profile


# -- visibility: 404 hides existence


def test_visible_profile_is_returned_unchanged() -> None:
    assert ensure_visible(principal_for(Role.STUDENT), PROFILE) is PROFILE


def test_missing_profile_is_not_found() -> None:
    with pytest.raises(NotFound):
        ensure_visible(admin_of(), None)


def test_deleted_profile_is_not_found_even_for_admins() -> None:
    with pytest.raises(NotFound):
        ensure_visible(admin_of(), _deleted())
    with pytest.raises(NotFound):
        ensure_visible(super_admin(), _deleted())


@pytest.mark.parametrize(
    "role", [Role.STUDENT, Role.INSTRUCTOR, Role.TEACHING_ASSISTANT, Role.COLLEGE_ADMIN]
)
def test_another_colleges_profile_is_not_found_for_every_college_role(role: Role) -> None:
    with pytest.raises(NotFound):
        ensure_visible(principal_for(role, tenant_id="college-a"), OTHER_COLLEGE_PROFILE)


def test_super_admin_sees_every_college() -> None:
    assert ensure_visible(super_admin(), OTHER_COLLEGE_PROFILE) is OTHER_COLLEGE_PROFILE


# -- reading


@pytest.mark.parametrize(
    "principal",
    [
        self_of(PROFILE),
        admin_of("college-a"),
        super_admin(),
        principal_for(Role.INSTRUCTOR),
        principal_for(Role.TEACHING_ASSISTANT),
        principal_for(Role.STUDENT, Role.TEACHING_ASSISTANT),
    ],
    ids=["self", "college-admin", "super-admin", "instructor", "ta", "student-and-ta"],
)
def test_who_may_read_a_profile(principal: Principal) -> None:
    ensure_can_read(principal, PROFILE)


@pytest.mark.parametrize(
    "principal",
    [principal_for(Role.STUDENT), principal_for(), admin_of("college-b")],
    ids=["another-student", "no-roles", "admin-of-another-college"],
)
def test_who_may_not_read_a_profile(principal: Principal) -> None:
    with pytest.raises(PermissionDenied):
        ensure_can_read(principal, PROFILE)


# -- editing


@pytest.mark.parametrize(
    "principal",
    [self_of(PROFILE), self_of(PROFILE, Role.INSTRUCTOR), admin_of("college-a"), super_admin()],
    ids=["self-student", "self-instructor", "college-admin", "super-admin"],
)
def test_who_may_edit_a_profile(principal: Principal) -> None:
    ensure_can_edit(principal, PROFILE)


@pytest.mark.parametrize(
    "principal",
    [
        principal_for(Role.STUDENT),
        principal_for(Role.INSTRUCTOR),
        principal_for(Role.TEACHING_ASSISTANT),
        admin_of("college-b"),
    ],
    ids=["another-student", "instructor", "ta", "admin-of-another-college"],
)
def test_who_may_not_edit_a_profile(principal: Principal) -> None:
    with pytest.raises(PermissionDenied):
        ensure_can_edit(principal, PROFILE)


# -- administering and listing


def test_only_admins_of_that_college_administer_it() -> None:
    ensure_admin(admin_of("college-a"), "college-a")
    ensure_admin(super_admin(), "college-a")
    for principal in (admin_of("college-b"), principal_for(Role.INSTRUCTOR), self_of(PROFILE)):
        with pytest.raises(PermissionDenied):
            ensure_admin(principal, "college-a")


@pytest.mark.parametrize(
    "principal",
    [
        admin_of(),
        super_admin(),
        principal_for(Role.INSTRUCTOR),
        principal_for(Role.TEACHING_ASSISTANT),
    ],
    ids=["college-admin", "super-admin", "instructor", "ta"],
)
def test_staff_may_list(principal: Principal) -> None:
    ensure_can_list(principal)


@pytest.mark.parametrize(
    "principal", [principal_for(Role.STUDENT), principal_for()], ids=["student", "no-roles"]
)
def test_students_may_not_list(principal: Principal) -> None:
    with pytest.raises(PermissionDenied):
        ensure_can_list(principal)


# -- the permission in the token decides, not the role name: a college's own role mapping holds


def test_a_college_that_took_user_read_from_instructors_is_obeyed() -> None:
    instructor = Principal(
        user_id="i",
        tenant_id="college-a",
        roles=frozenset({Role.INSTRUCTOR}),
        permissions=frozenset(),
    )
    with pytest.raises(PermissionDenied):
        ensure_can_read(instructor, PROFILE)
    with pytest.raises(PermissionDenied):
        ensure_can_list(instructor)


def test_a_teaching_role_granted_user_manage_may_edit_others() -> None:
    assistant = Principal(
        user_id="ta",
        tenant_id="college-a",
        roles=frozenset({Role.TEACHING_ASSISTANT}),
        permissions=frozenset({"user:read", "user:manage"}),
    )
    ensure_can_edit(assistant, PROFILE)
    ensure_admin(assistant, "college-a")
    with pytest.raises(PermissionDenied):
        ensure_admin(assistant, "college-b")


def test_an_admin_token_without_user_manage_is_refused() -> None:
    admin = Principal(
        user_id="a",
        tenant_id="college-a",
        roles=frozenset({Role.COLLEGE_ADMIN}),
        permissions=frozenset({"user:read"}),
    )
    ensure_can_read(admin, PROFILE)
    with pytest.raises(PermissionDenied):
        ensure_can_edit(admin, PROFILE)
    with pytest.raises(PermissionDenied):
        ensure_admin(admin, "college-a")

"""Reading colleges and changing their settings: who may, what is audited, what is refused."""

from __future__ import annotations

import pytest

from lms.auth.application.colleges import (
    CollegeSettingsChange,
    GetCollege,
    ListColleges,
    UpdateCollegeSettings,
)
from lms.auth.domain.audit import AuditAction
from lms.auth.domain.model import CharacterClass
from lms_platform.kernel.errors import InvalidInput, NotFound, PermissionDenied
from lms_platform.kernel.pagination import PageRequest
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role
from tests.auth.unit.conftest import SUPER_ADMIN, Auth


def _update(auth: Auth) -> UpdateCollegeSettings:
    return UpdateCollegeSettings(auth.uow, auth.audit)


def _college_admin(auth: Auth, tenant: str) -> Principal:
    """As a token carries it: the role and the permission that goes with it."""
    return Principal(
        "admin", tenant, frozenset({Role.COLLEGE_ADMIN}), frozenset({"college:configure"})
    )


async def test_admins_read_their_college_and_super_admins_any(auth: Auth) -> None:
    uni_a, uni_b = await auth.college(), await auth.college("uni-b")
    get = GetCollege(auth.uow)
    assert (await get(auth.admin_of(uni_a), uni_a.id)).slug == "uni-a"
    assert (await get(SUPER_ADMIN, uni_b.id)).slug == "uni-b"
    with pytest.raises(NotFound):
        await get(auth.admin_of(uni_a), uni_b.id)
    with pytest.raises(PermissionDenied):
        await get(Principal("s", uni_a.tenant_id, frozenset({Role.STUDENT})), uni_a.id)


async def test_only_super_admins_list_colleges_in_slug_order(auth: Auth) -> None:
    for slug in ("uni-c", "uni-a", "uni-b"):
        await auth.college(slug)
    listing = ListColleges(auth.uow)
    page = await listing(SUPER_ADMIN, PageRequest(limit=2))
    assert [c.slug for c in page.items] == ["uni-a", "uni-b"] and page.total == 3
    uni_a = page.items[0]
    with pytest.raises(PermissionDenied):
        await listing(auth.admin_of(uni_a), PageRequest())


async def test_a_settings_change_is_applied_and_audited_once_with_its_fields(auth: Auth) -> None:
    college = await auth.college()
    admin = _college_admin(auth, college.tenant_id)
    changed = await _update(auth)(
        admin,
        college.id,
        CollegeSettingsChange(
            min_password_length=14,
            required_character_classes=(CharacterClass.DIGIT,),
            rejected_passwords=(" Winter2025! ", ""),
            password_max_age_days=90,
            allow_self_signup=True,
        ),
    )
    stored = await auth.uow.colleges.get(college.id)
    assert stored == changed
    policy = changed.password_policy
    assert (policy.min_length, policy.max_age_days, changed.allow_self_signup) == (14, 90, True)
    assert policy.rejected_passwords == frozenset({"winter2025!"})
    (entry,) = auth.uow.audit_log.of(AuditAction.COLLEGE_SETTINGS_CHANGED)
    assert entry.details == {
        "changed": {
            "min_length": 14,
            "required_classes": ["digit"],
            "rejected_passwords": {"count": 1},
            "max_age_days": 90,
            "allow_self_signup": True,
        }
    }
    assert entry.target_id == str(college.id)


async def test_unsent_fields_keep_their_values_and_null_turns_expiry_off(auth: Auth) -> None:
    college = await auth.college()
    update = _update(auth)
    await update(SUPER_ADMIN, college.id, CollegeSettingsChange(password_max_age_days=30))
    changed = await update(
        SUPER_ADMIN, college.id, CollegeSettingsChange(password_max_age_days=None)
    )
    assert changed.password_policy.max_age_days is None
    assert changed.password_policy.min_length == college.password_policy.min_length
    entries = auth.uow.audit_log.of(AuditAction.COLLEGE_SETTINGS_CHANGED)
    assert [e.details["changed"] for e in entries] == [{"max_age_days": 30}, {"max_age_days": None}]


async def test_a_change_that_changes_nothing_writes_nothing(auth: Auth) -> None:
    college = await auth.college()
    commits = auth.uow.commits
    await _update(auth)(SUPER_ADMIN, college.id, CollegeSettingsChange(min_password_length=12))
    assert auth.uow.commits == commits
    assert not auth.uow.audit_log.of(AuditAction.COLLEGE_SETTINGS_CHANGED)


@pytest.mark.parametrize(
    "change",
    [
        CollegeSettingsChange(min_password_length=4),
        CollegeSettingsChange(password_max_age_days=0),
        CollegeSettingsChange(password_max_age_days=100_000),
    ],
)
async def test_invalid_settings_are_refused_and_write_nothing(
    auth: Auth, change: CollegeSettingsChange
) -> None:
    college = await auth.college()
    commits = auth.uow.commits
    with pytest.raises(InvalidInput):
        await _update(auth)(SUPER_ADMIN, college.id, change)
    assert auth.uow.commits == commits
    assert await auth.uow.colleges.get(college.id) == college


async def test_who_may_change_settings(auth: Auth) -> None:
    uni_a, uni_b = await auth.college(), await auth.college("uni-b")
    update, change = _update(auth), CollegeSettingsChange(allow_self_signup=True)
    student = Principal("s", uni_a.tenant_id, frozenset({Role.STUDENT}))
    with pytest.raises(PermissionDenied):
        await update(student, uni_a.id, change)
    with pytest.raises(NotFound):
        await update(_college_admin(auth, uni_a.tenant_id), uni_b.id, change)
    # A college that took college:configure away from its admins.
    stripped = Principal("admin", uni_a.tenant_id, frozenset({Role.COLLEGE_ADMIN}))
    with pytest.raises(PermissionDenied):
        await update(stripped, uni_a.id, change)
    assert not auth.uow.audit_log.of(AuditAction.COLLEGE_SETTINGS_CHANGED)

"""Pure rules: password policy, lock-out arithmetic, account state, permissions."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from lms.auth.domain.model import (
    Account,
    AccountStatus,
    CharacterClass,
    College,
    LockoutPolicy,
    PasswordPolicy,
)
from lms.auth.domain.permissions import ROLE_PERMISSIONS, permissions_for
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.roles import ALL_ROLES, Role
from tests.auth.unit.fakes import T0


def _account() -> Account:
    return Account.register(
        id=uuid.uuid4(),
        college_id=uuid.uuid4(),
        email=" Ada@Uni-A.EDU ",
        display_name=" Ada ",
        password_hash="h",
        roles=(Role.STUDENT, Role.STUDENT),
        now=T0,
    )


def test_policy_names_every_broken_rule() -> None:
    policy = PasswordPolicy(
        min_length=10, required_classes=frozenset({CharacterClass.DIGIT, CharacterClass.SYMBOL})
    )
    with pytest.raises(InvalidInput) as caught:
        policy.check("short")
    assert caught.value.field == "password"
    assert caught.value.detail == (
        "password needs at least 10 characters, a digit character, a symbol character"
    )


def test_policy_accepts_a_password_meeting_every_rule() -> None:
    policy = PasswordPolicy(
        min_length=8,
        required_classes=frozenset(
            {CharacterClass.LOWER, CharacterClass.UPPER, CharacterClass.DIGIT}
        ),
    )
    policy.check("Tr0ubadour")  # no exception is the assertion; the next line proves a contrast
    with pytest.raises(InvalidInput):
        policy.check("troubadour")


def test_policy_rejects_common_passwords_whatever_their_case() -> None:
    with pytest.raises(InvalidInput, match="commonly used"):
        PasswordPolicy(min_length=8).check("PassWord123")


def test_policy_refuses_a_minimum_below_eight() -> None:
    with pytest.raises(InvalidInput):
        PasswordPolicy(min_length=4)


def test_lockout_starts_at_threshold_and_doubles_up_to_the_cap() -> None:
    policy = LockoutPolicy(
        threshold=3, base_cooldown=timedelta(seconds=10), max_cooldown=timedelta(seconds=50)
    )
    assert [policy.cooldown(n) for n in range(1, 7)] == [
        None,
        None,
        timedelta(seconds=10),
        timedelta(seconds=20),
        timedelta(seconds=40),
        timedelta(seconds=50),
    ]


def test_account_register_normalizes_email_roles_and_name() -> None:
    account = _account()
    assert (account.email, account.display_name, account.roles) == (
        "ada@uni-a.edu",
        "Ada",
        ("student",),
    )


@pytest.mark.parametrize("roles", [(), ("wizard",)])
def test_account_needs_known_roles(roles: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInput) as caught:
        Account.register(
            id=uuid.uuid4(),
            college_id=uuid.uuid4(),
            email="a@b.edu",
            display_name=None,
            password_hash="h",
            roles=roles,
            now=T0,
        )
    assert caught.value.field == "roles"


def test_failures_lock_then_success_unlocks() -> None:
    account = _account()
    policy = LockoutPolicy(threshold=2, base_cooldown=timedelta(seconds=30))
    assert account.login_failed(T0, policy) is None
    assert account.login_failed(T0, policy) == timedelta(seconds=30)
    assert account.locked_for(T0 + timedelta(seconds=10)) == timedelta(seconds=20)
    assert account.locked_for(T0 + timedelta(seconds=30)) is None
    assert account.login_succeeded(T0) is True
    assert (account.failed_logins, account.locked_until) == (0, None)


def test_deactivate_and_reactivate_are_idempotent() -> None:
    account = _account()
    assert account.deactivate(T0) is True
    assert account.deactivate(T0) is False
    assert account.status is AccountStatus.DEACTIVATED
    assert account.reactivate(T0) is True
    assert account.reactivate(T0) is False
    assert account.version == 3


@pytest.mark.parametrize("slug", ["", "Uni", "-uni", "uni-", "u_ni", "a" * 65])
def test_college_slug_rules(slug: str) -> None:
    with pytest.raises(InvalidInput):
        College.create(id=uuid.uuid4(), slug=slug, name="U", policy=PasswordPolicy(), now=T0)


def test_every_role_has_permissions_and_admins_include_their_staff() -> None:
    assert set(ROLE_PERMISSIONS) == ALL_ROLES
    assert ROLE_PERMISSIONS[Role.STUDENT] < ROLE_PERMISSIONS[Role.TEACHING_ASSISTANT]
    assert ROLE_PERMISSIONS[Role.INSTRUCTOR] < ROLE_PERMISSIONS[Role.COLLEGE_ADMIN]
    assert ROLE_PERMISSIONS[Role.COLLEGE_ADMIN] < ROLE_PERMISSIONS[Role.SUPER_ADMIN]
    assert "submission:grade" not in permissions_for([Role.STUDENT])
    assert permissions_for([Role.STUDENT, Role.TEACHING_ASSISTANT]) == tuple(
        sorted(ROLE_PERMISSIONS[Role.TEACHING_ASSISTANT])
    )


def test_changing_the_email_forgets_that_the_old_one_was_verified() -> None:
    account = Account.register(
        id=uuid.uuid4(),
        college_id=uuid.uuid4(),
        email="ada@uni-a.edu",
        display_name=None,
        password_hash=None,
        roles=(Role.STUDENT,),
        now=T0,
    )
    account.email_verified_at = T0
    assert account.change_email("Ada@Uni-A.edu", T0) is False
    assert account.email_verified_at == T0
    assert account.change_email("ada@elsewhere.edu", T0 + timedelta(minutes=1)) is True
    assert account.email_verified_at is None

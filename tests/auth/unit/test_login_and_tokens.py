"""Login, refresh rotation with reuse detection, logout, and lock-out that never reveals
whether an account exists."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from lms.auth.application.errors import InvalidCredentials, LoginThrottled
from lms.auth.domain.permissions import permissions_for
from lms_platform.kernel.errors import Conflict
from lms_platform.kernel.roles import Role
from tests.auth.unit.conftest import Auth


def _claims(access_token: str) -> dict[str, object]:
    return dict(json.loads(access_token.removeprefix("fake.")))


async def test_login_issues_claims_from_roles_and_a_refresh_token(auth: Auth) -> None:
    college = await auth.college()
    account = await auth.account(college, roles=(Role.INSTRUCTOR,))
    pair = await auth.login(email=" ADA@uni-a.edu")
    assert _claims(pair.access_token) == {
        "sub": str(account.id),
        "college": str(college.id),
        "roles": ["instructor"],
        "perms": list(permissions_for(["instructor"])),
    }
    (stored,) = auth.uow.refresh_tokens.all()
    assert pair.refresh_token.startswith(stored.id.hex + ".")
    assert stored.secret_hash not in pair.refresh_token  # only a hash is kept
    assert pair.refresh_expires_at == auth.clock.now() + auth.policy.refresh_ttl


@pytest.mark.parametrize(
    ("college", "email", "password"),
    [
        ("uni-a", "ada@uni-a.edu", "wrong password!"),
        ("uni-a", "nobody@uni-a.edu", "correct horse battery"),
        ("nowhere", "ada@uni-a.edu", "correct horse battery"),
    ],
)
async def test_every_login_failure_looks_the_same_and_costs_one_hash(
    auth: Auth, college: str, email: str, password: str
) -> None:
    await auth.account(await auth.college())
    with pytest.raises(InvalidCredentials) as caught:
        await auth.login(college=college, email=email, password=password)
    assert (caught.value.code, caught.value.detail) == (
        "invalid_credentials",
        "invalid credentials",
    )
    assert auth.hasher.verifications == 1


async def test_failures_lock_known_and_unknown_accounts_alike(auth: Auth) -> None:
    account = await auth.account(await auth.college())
    threshold = auth.policy.lockout.threshold
    for email in ("ada@uni-a.edu", "ghost@uni-a.edu"):
        for _ in range(threshold):
            with pytest.raises(InvalidCredentials):
                await auth.login(email=email, password="not the password")
        with pytest.raises(LoginThrottled) as caught:
            await auth.login(email=email, password="not the password")
        assert caught.value.retry_after_seconds == 30
    # The right password does not get through a lock either.
    with pytest.raises(LoginThrottled):
        await auth.login()
    stored = await auth.stored_account(account.id)
    assert stored.failed_logins == threshold
    assert stored.locked_until == auth.clock.now() + timedelta(seconds=30)


async def test_the_account_row_keeps_the_lock_when_the_throttle_store_forgets(auth: Auth) -> None:
    await auth.account(await auth.college())
    for _ in range(auth.policy.lockout.threshold):
        with pytest.raises(InvalidCredentials):
            await auth.login(password="not the password")
    assert auth.throttle is not None
    auth.throttle.by_identity.clear()  # Redis restarted
    with pytest.raises(LoginThrottled):
        await auth.login()
    auth.clock.advance(timedelta(seconds=31))
    assert (await auth.login()).access_token


async def test_cooldown_doubles_with_each_failure_after_the_threshold(auth: Auth) -> None:
    account = await auth.account(await auth.college())
    for _ in range(auth.policy.lockout.threshold):
        with pytest.raises(InvalidCredentials):
            await auth.login(password="nope nope nope")
    auth.clock.advance(timedelta(seconds=30))
    with pytest.raises(InvalidCredentials):
        await auth.login(password="nope nope nope")
    stored = await auth.stored_account(account.id)
    assert stored.locked_until == auth.clock.now() + timedelta(seconds=60)


async def test_a_successful_login_resets_the_failure_count(auth: Auth) -> None:
    account = await auth.account(await auth.college())
    with pytest.raises(InvalidCredentials):
        await auth.login(password="nope nope nope")
    await auth.login()
    assert (await auth.stored_account(account.id)).failed_logins == 0


async def test_refresh_rotates_and_reuse_revokes_the_whole_family(auth: Auth) -> None:
    await auth.account(await auth.college())
    first = await auth.login()
    second = await auth.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    third = await auth.refresh(second.refresh_token)

    with pytest.raises(InvalidCredentials):
        await auth.refresh(first.refresh_token)  # replayed: someone else has it
    tokens = auth.uow.refresh_tokens.all()
    assert len(tokens) == 3
    assert {t.family_id for t in tokens} == {tokens[0].family_id}
    assert all(t.revoked_at is not None for t in tokens)
    with pytest.raises(InvalidCredentials):
        await auth.refresh(third.refresh_token)  # the legitimate chain died too


async def test_another_login_is_another_family(auth: Auth) -> None:
    await auth.account(await auth.college())
    phone = await auth.login()
    laptop = await auth.login()
    await auth.refresh(phone.refresh_token)
    with pytest.raises(InvalidCredentials):
        await auth.refresh(phone.refresh_token)
    assert (await auth.refresh(laptop.refresh_token)).access_token


async def test_expired_or_forged_refresh_tokens_are_refused(auth: Auth) -> None:
    await auth.account(await auth.college())
    pair = await auth.login()
    token_id = pair.refresh_token.split(".")[0]
    for forged in ("", "garbage", "zz.secret", f"{token_id}.wrong-secret"):
        with pytest.raises(InvalidCredentials):
            await auth.refresh(forged)
    auth.clock.advance(auth.policy.refresh_ttl)
    with pytest.raises(InvalidCredentials):
        await auth.refresh(pair.refresh_token)


async def test_a_forged_secret_does_not_revoke_the_family(auth: Auth) -> None:
    await auth.account(await auth.college())
    pair = await auth.login()
    with pytest.raises(InvalidCredentials):
        await auth.refresh(pair.refresh_token.split(".")[0] + ".guess")
    assert (await auth.refresh(pair.refresh_token)).access_token


async def test_logout_revokes_the_family_and_ignores_unknown_tokens(auth: Auth) -> None:
    await auth.account(await auth.college())
    pair = await auth.login()
    rotated = await auth.refresh(pair.refresh_token)
    await auth.logout("not-a-token")
    await auth.logout(pair.refresh_token)  # an old link identifies the family too
    assert all(t.revoked_at is not None for t in auth.uow.refresh_tokens.all())
    with pytest.raises(InvalidCredentials):
        await auth.refresh(rotated.refresh_token)


async def test_a_concurrent_failure_still_answers_invalid_credentials(auth: Auth) -> None:
    await auth.account(await auth.college())

    async def lose_the_race() -> None:
        raise Conflict("the record was changed concurrently; reload and retry")

    auth.uow.commit = lose_the_race  # type: ignore[method-assign]
    with pytest.raises(InvalidCredentials):
        await auth.login(password="not the password")

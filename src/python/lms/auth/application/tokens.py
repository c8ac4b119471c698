"""Tokens: log in, refresh (rotating the refresh token), log out. Public: the credential
presented is the proof."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from lms.auth.application.audit import AuditRecorder
from lms.auth.application.errors import AccountDisabled, InvalidCredentials, LoginThrottled
from lms.auth.application.ports import (
    AccessTokenSigner,
    AccountUnitOfWork,
    LoginThrottle,
    PasswordHasher,
    TokenUnitOfWork,
)
from lms.auth.domain.audit import AuditAction, AuditOutcome
from lms.auth.domain.credentials import EmailNotVerified, PasswordExpired
from lms.auth.domain.events import account_registered
from lms.auth.domain.model import Account, LockoutPolicy, RefreshToken
from lms.auth.domain.role_permissions import effective_permissions
from lms_platform.kernel.errors import Conflict
from lms_platform.kernel.ports import Clock, IdGenerator


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenPolicy:
    access_ttl: timedelta = timedelta(minutes=15)
    refresh_ttl: timedelta = timedelta(days=14)
    # How long a rotated-in signing key is published before it signs (JWKS pollers catch up).
    key_publish_ahead: timedelta = timedelta(seconds=30)
    lockout: LockoutPolicy = field(default_factory=LockoutPolicy)


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_at: datetime
    token_type: str = "Bearer"


def secret_hash(secret: str) -> str:
    # The secret has 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_refresh_token(raw: str) -> tuple[UUID, str]:
    token_id, dot, secret = raw.partition(".")
    if not dot or not secret or len(raw) > 200:
        raise InvalidCredentials()
    try:
        return UUID(hex=token_id), secret
    except ValueError as exc:
        raise InvalidCredentials() from exc


class _TokenIssuer:
    """Creates the next refresh token of a family and a fresh access token."""

    def __init__(
        self,
        uow: TokenUnitOfWork,
        signer: AccessTokenSigner,
        clock: Clock,
        ids: IdGenerator,
        policy: TokenPolicy,
    ) -> None:
        self._uow, self._signer, self._clock, self._ids = uow, signer, clock, ids
        self._policy = policy

    async def _issue(self, account: Account, family_id: UUID, now: datetime) -> TokenPair:
        secret = secrets.token_urlsafe(32)
        refresh = RefreshToken(
            id=self._ids.new_id(),
            family_id=family_id,
            account_id=account.id,
            college_id=account.college_id,
            secret_hash=secret_hash(secret),
            issued_at=now,
            expires_at=now + self._policy.refresh_ttl,
        )
        await self._uow.refresh_tokens.add(refresh)
        access = await self._signer.sign(
            {
                "sub": str(account.id),
                "college": str(account.college_id),
                "roles": list(account.roles),
                "perms": list(
                    effective_permissions(
                        account.roles,
                        await self._uow.role_permissions.overrides(account.college_id),
                    )
                ),
            }
        )
        return TokenPair(
            access_token=access.token,
            expires_in=access.expires_in,
            refresh_token=f"{refresh.id.hex}.{secret}",
            refresh_expires_at=refresh.expires_at,
        )

    async def _find_refresh_token(self, raw: str) -> RefreshToken:
        token_id, secret = parse_refresh_token(raw)
        stored = await self._uow.refresh_tokens.get(token_id)
        if stored is None or not hmac.compare_digest(stored.secret_hash, secret_hash(secret)):
            raise InvalidCredentials()
        return stored


async def count_attempt(
    uow: AccountUnitOfWork, account: Account, now: datetime, lockout: LockoutPolicy
) -> Account:
    """Counts a password attempt on the account row and commits it before the (slow) check;
    raises ``LoginThrottled`` while the account is locked. Returns the account as it now is."""
    counted = await uow.accounts.count_login_attempt(account.id, now, lockout)
    if counted is None:  # deleted meanwhile
        raise InvalidCredentials()
    current, admitted = counted
    try:
        await uow.commit()
    except Conflict as exc:  # a 409 would tell a parallel brute-forcer the account exists
        raise InvalidCredentials() from exc
    locked_for = current.locked_for(now)
    if not admitted and locked_for is not None:
        raise LoginThrottled(max(1, math.ceil(locked_for.total_seconds())))
    return current


async def clear_failures(uow: AccountUnitOfWork, account: Account, now: datetime) -> Account:
    """The password was right: the row's count and lock go (the row stays locked by this
    transaction until it commits, so later saves cannot collide)."""
    if account.failed_logins == 0 and account.locked_until is None:
        return account
    return await uow.accounts.clear_login_failures(account.id, now) or account


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginAttempt:
    college: str  # the college's slug
    email: str
    password: str
    client_ip: str


class Login(_TokenIssuer):
    """Answers the same for an unknown college, an unknown email and a wrong password, and
    spends the same hashing time on each."""

    def __init__(
        self,
        uow: TokenUnitOfWork,
        signer: AccessTokenSigner,
        clock: Clock,
        ids: IdGenerator,
        policy: TokenPolicy,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        audit: AuditRecorder,
    ) -> None:
        super().__init__(uow, signer, clock, ids, policy)
        self._hasher, self._throttle, self._audit = hasher, throttle, audit

    async def __call__(self, attempt: LoginAttempt) -> TokenPair:
        slug, email = attempt.college.strip().lower(), attempt.email.strip().lower()
        # Counted before the password is checked: parallel attempts cannot all slip in while
        # the first ones are still hashing.
        throttled = await self._throttle.attempt(attempt.client_ip, slug, email)
        if throttled is not None:
            raise LoginThrottled(throttled.retry_after_seconds)
        college = await self._uow.colleges.get_by_slug(slug)
        found = await self._uow.accounts.get_by_email(college.id, email) if college else None
        if found is None:
            await self._hasher.verify(None, attempt.password)
            self._audit.record(
                AuditAction.LOGIN_FAILED,
                outcome=AuditOutcome.FAILURE,
                college_id=college.id if college else None,
                client_ip=attempt.client_ip,
                details={"email": email, "college": slug, "reason": "unknown_account"},
            )
            await self._uow.commit()
            await self._throttle.failed(attempt.client_ip, slug, email)
            raise InvalidCredentials()
        now = self._clock.now()
        # The row counts too, so a Redis that forgot (restarted, evicted) does not reopen it.
        account = await count_attempt(self._uow, found, now, self._policy.lockout)
        if not await self._hasher.verify(account.password_hash, attempt.password):
            locked_for = account.locked_for(now)
            self._audit_attempt(
                account,
                attempt,
                AuditAction.ACCOUNT_LOCKED if locked_for else AuditAction.LOGIN_FAILED,
                {"reason": "wrong_password", "failed_logins": account.failed_logins}
                | ({"locked_seconds": round(locked_for.total_seconds())} if locked_for else {}),
            )
            with contextlib.suppress(Conflict):  # the attempt is counted already
                await self._uow.commit()
            await self._throttle.failed(attempt.client_ip, slug, email)
            raise InvalidCredentials()
        account = await clear_failures(self._uow, account, now)
        await self._throttle.succeeded(attempt.client_ip, slug, email)
        if not account.is_active:
            self._audit_attempt(
                account, attempt, AuditAction.LOGIN_FAILED, {"reason": "deactivated"}
            )
            await self._uow.commit()
            raise AccountDisabled()
        if college is not None and account.waits_for_verification(college):
            self._audit_attempt(
                account, attempt, AuditAction.LOGIN_FAILED, {"reason": "email_not_verified"}
            )
            await self._uow.commit()
            raise EmailNotVerified()
        if account.become_usable(now):  # its college no longer waits for the email
            await self._uow.accounts.save(account)
            self._uow.record(account_registered(account))
        if college is not None and account.password_expired(college.password_policy, now):
            self._audit_attempt(
                account, attempt, AuditAction.LOGIN_FAILED, {"reason": "password_expired"}
            )
            await self._uow.commit()
            raise PasswordExpired()
        if account.password_hash and self._hasher.needs_rehash(account.password_hash):
            # Upgrades scrypt (or weaker argon2id) hashes while the plain password is at hand.
            account.rehash_password(await self._hasher.hash(attempt.password), now)
            await self._uow.accounts.save(account)
        self._audit_attempt(account, attempt, AuditAction.LOGIN_SUCCEEDED)
        pair = await self._issue(account, self._ids.new_id(), now)
        await self._uow.commit()
        return pair

    def _audit_attempt(
        self,
        account: Account,
        attempt: LoginAttempt,
        action: AuditAction,
        details: dict[str, object] | None = None,
    ) -> None:
        self._audit.record(
            action,
            outcome=(
                AuditOutcome.SUCCESS
                if action is AuditAction.LOGIN_SUCCEEDED
                else AuditOutcome.FAILURE
            ),
            college_id=account.college_id,
            actor_id=account.id,
            target_type="account",
            target_id=account.id,
            client_ip=attempt.client_ip,
            details=details,
        )


class Refresh(_TokenIssuer):
    """Rotates: the presented token is spent and the next one of its family is returned."""

    async def __call__(self, raw_refresh_token: str) -> TokenPair:
        stored = await self._find_refresh_token(raw_refresh_token)
        now = self._clock.now()
        if stored.revoked_at is not None or stored.used_at is not None:
            await self._revoke_family(stored, now)
            raise InvalidCredentials()
        if now >= stored.expires_at:
            raise InvalidCredentials()
        account = await self._uow.accounts.get(stored.account_id)
        if account is None or not account.is_active:
            await self._revoke_family(stored, now)
            raise InvalidCredentials()
        # Claimed atomically: of two concurrent uses of one token, the loser is a reuse.
        if not await self._uow.refresh_tokens.claim(stored.id, now):
            await self._uow.rollback()
            await self._revoke_family(stored, now)
            raise InvalidCredentials()
        pair = await self._issue(account, stored.family_id, now)
        await self._uow.commit()
        return pair

    async def _revoke_family(self, token: RefreshToken, now: datetime) -> None:
        await self._uow.refresh_tokens.revoke_family(token.family_id, now)
        await self._uow.commit()


class Logout(_TokenIssuer):
    """Revokes the presented token's family. Unknown tokens are ignored: logging out twice, or
    with garbage, is not an error worth telling a client about."""

    async def __call__(self, raw_refresh_token: str) -> None:
        try:
            stored = await self._find_refresh_token(raw_refresh_token)
        except InvalidCredentials:
            return
        await self._uow.refresh_tokens.revoke_family(stored.family_id, self._clock.now())
        await self._uow.commit()

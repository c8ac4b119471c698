"""What the credential flows share: the policy (lifetimes, links, limits), single-use emailed
tokens (issued, consumed), the caller's own account, and who an email goes to.

Emailed tokens are 256-bit random strings. Only their SHA-256 is stored, each works once and
until its time-to-live ends, and issuing a new one spends the account's older ones of the same
purpose. The token travels to the notification service inside the outbox event.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from lms.auth.application.audit import AuditRecorder
from lms.auth.application.errors import InvalidToken, TooManyRequests
from lms.auth.application.ports import (
    CredentialUnitOfWork,
    PasswordHasher,
    RateLimiter,
)
from lms.auth.domain.credentials import CredentialToken, TokenPurpose
from lms.auth.domain.events import AccountEmailVerificationRequested
from lms.auth.domain.model import Account, College
from lms_platform.kernel.errors import NotFound, PermissionDenied
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal

MAX_TOKEN = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class CredentialPolicy:
    reset_ttl: timedelta = timedelta(hours=1)
    verification_ttl: timedelta = timedelta(days=3)
    invitation_ttl: timedelta = timedelta(days=7)
    # "{token}" is replaced; empty: the event carries the token alone.
    reset_url_template: str = ""
    verification_url_template: str = ""
    invitation_url_template: str = ""
    signup_ip_limit: int = 10
    signup_window_seconds: int = 3600
    reset_ip_limit: int = 20
    reset_email_limit: int = 3
    reset_window_seconds: int = 3600

    def ttl(self, purpose: TokenPurpose) -> timedelta:
        return {
            TokenPurpose.PASSWORD_RESET: self.reset_ttl,
            TokenPurpose.EMAIL_VERIFICATION: self.verification_ttl,
            TokenPurpose.INVITATION: self.invitation_ttl,
        }[purpose]

    def link(self, purpose: TokenPurpose, token: str) -> str | None:
        template = {
            TokenPurpose.PASSWORD_RESET: self.reset_url_template,
            TokenPurpose.EMAIL_VERIFICATION: self.verification_url_template,
            TokenPurpose.INVITATION: self.invitation_url_template,
        }[purpose]
        return template.replace("{token}", token) if template else None


def token_hash(token: str) -> str:
    # 256 random bits: a fast hash is enough, there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    stored: CredentialToken


async def issue_token(
    uow: CredentialUnitOfWork,
    ids: IdGenerator,
    now: datetime,
    account: Account,
    purpose: TokenPurpose,
    policy: CredentialPolicy,
) -> IssuedToken:
    await uow.credential_tokens.void_for_account(account.id, purpose, now)
    token = secrets.token_urlsafe(32)
    stored = CredentialToken(
        id=ids.new_id(),
        purpose=purpose,
        account_id=account.id,
        college_id=account.college_id,
        token_hash=token_hash(token),
        email=account.email,
        created_at=now,
        expires_at=now + policy.ttl(purpose),
    )
    await uow.credential_tokens.add(stored)
    return IssuedToken(token, stored)


async def consume_token(
    uow: CredentialUnitOfWork, raw_token: str, purpose: TokenPurpose, now: datetime
) -> tuple[CredentialToken, Account]:
    if not raw_token or len(raw_token) > MAX_TOKEN:
        raise InvalidToken()
    stored = await uow.credential_tokens.consume(token_hash(raw_token), purpose, now)
    account = await uow.accounts.get(stored.account_id) if stored is not None else None
    if stored is None or account is None or account.email != stored.email:
        await uow.rollback()
        raise InvalidToken()
    return stored, account


async def college_of_account(uow: CredentialUnitOfWork, account: Account) -> College:
    college = await uow.colleges.get(account.college_id)
    if college is None:  # a foreign key guarantees it; say so loudly if not
        raise NotFound("college not found")
    return college


async def own_account(uow: CredentialUnitOfWork, principal: Principal) -> Account:
    try:
        account_id = UUID(principal.user_id)
    except ValueError as exc:  # an API key or a service: no account, no password
        raise PermissionDenied("only an account holder can do this") from exc
    account = await uow.accounts.get(account_id)
    if account is None or str(account.college_id) != principal.tenant_id:
        raise NotFound("account not found")
    if not account.is_active:
        raise PermissionDenied("this account is deactivated")
    return account


async def throttle(limiter: RateLimiter, key: str, limit: int, window: int) -> None:
    throttled = await limiter.hit(key, limit, window)
    if throttled is not None:
        raise TooManyRequests(throttled.retry_after_seconds)


def recipient_fields(account: Account, college: College) -> dict[str, Any]:
    """Who a one-time-token email goes to: the fields every such event carries."""
    return {
        "aggregate_id": str(account.id),
        "tenant_id": str(account.college_id),
        "account_id": str(account.id),
        "email": account.email,
        "display_name": account.display_name,
        "college_id": str(college.id),
        "college_slug": college.slug,
        "college_name": college.name,
    }


def verification_event(
    account: Account, college: College, issued: IssuedToken, policy: CredentialPolicy
) -> AccountEmailVerificationRequested:
    return AccountEmailVerificationRequested(
        **recipient_fields(account, college),
        verification_token=issued.token,
        verification_url=policy.link(TokenPurpose.EMAIL_VERIFICATION, issued.token),
        expires_at=issued.stored.expires_at.isoformat(),
    )


class CredentialUseCase:
    def __init__(
        self,
        uow: CredentialUnitOfWork,
        clock: Clock,
        ids: IdGenerator,
        hasher: PasswordHasher,
        audit: AuditRecorder,
        policy: CredentialPolicy,
        limiter: RateLimiter,
    ) -> None:
        self._uow, self._clock, self._ids, self._hasher = uow, clock, ids, hasher
        self._audit, self._policy, self._limiter = audit, policy, limiter

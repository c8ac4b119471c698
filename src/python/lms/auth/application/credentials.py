"""Credentials: change a password, reset it by emailed token, verify an email address, invite
an account and accept the invitation, and sign up where a college allows it.

Emailed tokens are 256-bit random strings. Only their SHA-256 is stored, each works once and
until its time-to-live ends, and issuing a new one spends the account's older ones of the same
purpose. The token travels to the notification service inside the outbox event.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from lms.auth.application.audit import AuditRecorder
from lms.auth.application.authorization import ensure_admin_of, ensure_may_grant, ensure_visible
from lms.auth.application.errors import InvalidCredentials, LoginThrottled
from lms.auth.application.ports import AuthUnitOfWork, PasswordHasher, Throttled
from lms.auth.application.use_cases import TokenPolicy, _parse_refresh_token, _secret_hash
from lms.auth.domain.audit import AuditAction, AuditOutcome
from lms.auth.domain.credentials import CredentialToken, SignupClosed, TokenPurpose
from lms.auth.domain.events import (
    AccountEmailVerificationRequested,
    AccountInvited,
    AccountPasswordResetRequested,
    account_registered,
)
from lms.auth.domain.model import Account, College, normalize_email
from lms_platform.kernel.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role

MAX_TOKEN = 200


class InvalidToken(DomainError):
    """One answer for unknown, spent, expired and mismatched tokens."""

    code = "invalid_token"

    def __init__(self) -> None:
        super().__init__("the link is invalid or has expired; request a new one")


class TooManyRequests(DomainError):
    code = "too_many_requests"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            "too many requests; try again later", extra={"retry_after": retry_after_seconds}
        )
        self.retry_after_seconds = retry_after_seconds


class RateLimiter(Protocol):
    """Fixed-window counters shared by every process (Redis in production)."""

    async def hit(self, key: str, limit: int, window_seconds: int) -> Throttled | None:
        """Counts one attempt under ``key``; ``Throttled`` once there were more than
        ``limit`` in the current window."""
        ...


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


async def _issue_token(
    uow: AuthUnitOfWork,
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


async def _consume(
    uow: AuthUnitOfWork, raw_token: str, purpose: TokenPurpose, now: datetime
) -> tuple[CredentialToken, Account]:
    if not raw_token or len(raw_token) > MAX_TOKEN:
        raise InvalidToken()
    stored = await uow.credential_tokens.consume(token_hash(raw_token), purpose, now)
    account = await uow.accounts.get(stored.account_id) if stored is not None else None
    if stored is None or account is None or account.email != stored.email:
        await uow.rollback()
        raise InvalidToken()
    return stored, account


async def _college_of(uow: AuthUnitOfWork, account: Account) -> College:
    college = await uow.colleges.get(account.college_id)
    if college is None:  # a foreign key guarantees it; say so loudly if not
        raise NotFound("college not found")
    return college


async def _own_account(uow: AuthUnitOfWork, principal: Principal) -> Account:
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


async def _throttle(limiter: RateLimiter, key: str, limit: int, window: int) -> None:
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


def _verification_event(
    account: Account, college: College, issued: IssuedToken, policy: CredentialPolicy
) -> AccountEmailVerificationRequested:
    return AccountEmailVerificationRequested(
        **recipient_fields(account, college),
        verification_token=issued.token,
        verification_url=policy.link(TokenPurpose.EMAIL_VERIFICATION, issued.token),
        expires_at=issued.stored.expires_at.isoformat(),
    )


class _CredentialUseCase:
    def __init__(
        self,
        uow: AuthUnitOfWork,
        clock: Clock,
        ids: IdGenerator,
        hasher: PasswordHasher,
        audit: AuditRecorder,
        policy: CredentialPolicy,
        limiter: RateLimiter,
    ) -> None:
        self._uow, self._clock, self._ids, self._hasher = uow, clock, ids, hasher
        self._audit, self._policy, self._limiter = audit, policy, limiter


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordChange:
    current_password: str
    new_password: str
    # The caller's own session survives when it names its refresh token; every other
    # refresh-token family of the account dies.
    keep_refresh_token: str | None = None
    client_ip: str | None = None


class ChangePassword:
    """The caller changes their own password, proving the current one. A wrong current
    password counts towards the account's lock-out like a failed login."""

    def __init__(
        self,
        uow: AuthUnitOfWork,
        clock: Clock,
        hasher: PasswordHasher,
        audit: AuditRecorder,
        tokens: TokenPolicy,
    ) -> None:
        self._uow, self._clock, self._hasher = uow, clock, hasher
        self._audit, self._tokens = audit, tokens

    async def __call__(self, principal: Principal, change: PasswordChange) -> None:
        account = await _own_account(self._uow, principal)
        now = self._clock.now()
        locked_for = account.locked_for(now)
        if locked_for is not None:
            raise LoginThrottled(max(1, int(locked_for.total_seconds())))
        if not await self._hasher.verify(account.password_hash, change.current_password):
            cooldown = account.login_failed(now, self._tokens.lockout)
            await self._uow.accounts.save(account)
            self._audit.record(
                AuditAction.PASSWORD_CHANGED,
                outcome=AuditOutcome.FAILURE,
                college_id=account.college_id,
                actor=principal,
                target_type="account",
                target_id=account.id,
                client_ip=change.client_ip,
                details={"reason": "wrong_current_password"}
                | ({"locked_seconds": int(cooldown.total_seconds())} if cooldown else {}),
            )
            await self._uow.commit()
            raise InvalidInput("the current password is wrong", field="current_password")
        if change.new_password == change.current_password:
            raise InvalidInput(
                "the new password must differ from the current one", field="password"
            )
        college = await _college_of(self._uow, account)
        college.password_policy.check(change.new_password)
        keep_family = await self._family_of(change.keep_refresh_token, account)
        account.set_password(await self._hasher.hash(change.new_password), now)
        await self._uow.accounts.save(account)
        if keep_family is None:
            revoked = await self._uow.refresh_tokens.revoke_for_account(account.id, now)
        else:
            revoked = await self._uow.refresh_tokens.revoke_for_account_except(
                account.id, keep_family, now
            )
        await self._uow.credential_tokens.void_for_account(
            account.id, TokenPurpose.PASSWORD_RESET, now
        )
        self._audit.record(
            AuditAction.PASSWORD_CHANGED,
            college_id=account.college_id,
            actor=principal,
            target_type="account",
            target_id=account.id,
            client_ip=change.client_ip,
            details={"revoked_refresh_tokens": revoked, "kept_session": keep_family is not None},
        )
        await self._uow.commit()

    async def _family_of(self, raw: str | None, account: Account) -> UUID | None:
        if raw is None:
            return None
        try:
            token_id, secret = _parse_refresh_token(raw)
        except InvalidCredentials as exc:
            raise InvalidInput("refresh_token is not valid", field="refresh_token") from exc
        stored = await self._uow.refresh_tokens.get(token_id)
        if (
            stored is None
            or stored.account_id != account.id
            or stored.secret_hash != _secret_hash(secret)
        ):
            raise InvalidInput("refresh_token is not one of yours", field="refresh_token")
        return stored.family_id


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordResetRequest:
    college: str  # slug
    email: str
    client_ip: str


class RequestPasswordReset(_CredentialUseCase):
    """Public. Returns nothing and raises nothing about the account: the answer is the same
    whether it exists or not. Only a real, active account gets a token, an event and an audit
    entry."""

    async def __call__(self, request: PasswordResetRequest) -> None:
        slug = request.college.strip().lower()
        email = request.email.strip().lower()
        policy = self._policy
        await _throttle(
            self._limiter,
            f"reset:ip:{request.client_ip}",
            policy.reset_ip_limit,
            policy.reset_window_seconds,
        )
        # Per address too, known or not: a flood of reset emails is a nuisance to the owner.
        identity = hashlib.sha256(f"{slug}\0{email}".encode()).hexdigest()[:32]
        await _throttle(
            self._limiter,
            f"reset:id:{identity}",
            policy.reset_email_limit,
            policy.reset_window_seconds,
        )
        college = await self._uow.colleges.get_by_slug(slug)
        account = await self._uow.accounts.get_by_email(college.id, email) if college else None
        if college is None or account is None:
            return
        now = self._clock.now()
        if not account.is_active:
            self._audit.record(
                AuditAction.PASSWORD_RESET_REQUESTED,
                outcome=AuditOutcome.FAILURE,
                college_id=account.college_id,
                target_type="account",
                target_id=account.id,
                client_ip=request.client_ip,
                details={"reason": "deactivated"},
            )
            await self._uow.commit()
            return
        issued = await _issue_token(
            self._uow, self._ids, now, account, TokenPurpose.PASSWORD_RESET, policy
        )
        self._uow.record(
            AccountPasswordResetRequested(
                **recipient_fields(account, college),
                reset_token=issued.token,
                reset_url=policy.link(TokenPurpose.PASSWORD_RESET, issued.token),
                expires_at=issued.stored.expires_at.isoformat(),
            )
        )
        self._audit.record(
            AuditAction.PASSWORD_RESET_REQUESTED,
            college_id=account.college_id,
            target_type="account",
            target_id=account.id,
            client_ip=request.client_ip,
            details={"expires_at": issued.stored.expires_at.isoformat()},
        )
        await self._uow.commit()


class CompletePasswordReset(_CredentialUseCase):
    """Public: the token is the proof. Sets the password, revokes every refresh token, and
    marks the email verified (the link reached that mailbox)."""

    async def __call__(self, raw_token: str, new_password: str, client_ip: str | None) -> None:
        now = self._clock.now()
        stored, account = await _consume(self._uow, raw_token, TokenPurpose.PASSWORD_RESET, now)
        if not account.is_active:
            await self._uow.rollback()
            raise InvalidToken()
        college = await _college_of(self._uow, account)
        try:
            college.password_policy.check(new_password)
        except InvalidInput:
            await self._uow.rollback()  # the link stays usable for a better password
            raise
        account.set_password(await self._hasher.hash(new_password), now)
        account.verify_email(now)
        await self._uow.accounts.save(account)
        revoked = await self._uow.refresh_tokens.revoke_for_account(account.id, now)
        self._audit.record(
            AuditAction.PASSWORD_RESET_COMPLETED,
            college_id=account.college_id,
            actor_id=account.id,
            target_type="account",
            target_id=account.id,
            client_ip=client_ip,
            details={"revoked_refresh_tokens": revoked, "token_id": str(stored.id)},
        )
        await self._uow.commit()


class RequestEmailVerification(_CredentialUseCase):
    """The caller asks for a link proving their address; throttled per account."""

    async def __call__(self, principal: Principal) -> datetime:
        account = await _own_account(self._uow, principal)
        if account.email_verified_at is not None:
            raise Conflict("this email address is already verified")
        await _throttle(
            self._limiter,
            f"verify:acct:{account.id}",
            self._policy.reset_email_limit,
            self._policy.reset_window_seconds,
        )
        college = await _college_of(self._uow, account)
        now = self._clock.now()
        issued = await _issue_token(
            self._uow, self._ids, now, account, TokenPurpose.EMAIL_VERIFICATION, self._policy
        )
        self._uow.record(_verification_event(account, college, issued, self._policy))
        await self._uow.commit()
        return issued.stored.expires_at


class VerifyEmail(_CredentialUseCase):
    """Public: the token is the proof. A token sent to an address the account no longer has
    is refused."""

    async def __call__(self, raw_token: str, client_ip: str | None) -> None:
        now = self._clock.now()
        _, account = await _consume(self._uow, raw_token, TokenPurpose.EMAIL_VERIFICATION, now)
        if not account.verify_email(now):
            await self._uow.commit()  # spent all the same; nothing else changes
            return
        await self._uow.accounts.save(account)
        self._audit.record(
            AuditAction.EMAIL_VERIFIED,
            college_id=account.college_id,
            actor_id=account.id,
            target_type="account",
            target_id=account.id,
            client_ip=client_ip,
            details={"email": account.email},
        )
        await self._uow.commit()


@dataclass(frozen=True, slots=True, kw_only=True)
class Invitation:
    college_id: UUID
    email: str
    roles: tuple[str, ...] = (Role.STUDENT,)
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class InvitedAccount:
    account: Account
    expires_at: datetime


class InviteAccount(_CredentialUseCase):
    """A college admin creates an account without a password; the invitee sets it from the
    emailed link. Emits ``account.registered`` and ``account.invited``."""

    async def __call__(self, principal: Principal, invitation: Invitation) -> InvitedAccount:
        ensure_admin_of(principal, invitation.college_id)
        ensure_may_grant(principal, invitation.roles)
        college = await self._uow.colleges.get(invitation.college_id)
        if college is None:
            raise NotFound("college not found")
        email = normalize_email(invitation.email)
        if await self._uow.accounts.get_by_email(college.id, email) is not None:
            raise Conflict(f"an account with email {email} already exists in this college")
        now = self._clock.now()
        account = Account.register(
            id=self._ids.new_id(),
            college_id=college.id,
            email=email,
            display_name=invitation.display_name,
            password_hash=None,
            roles=invitation.roles,
            now=now,
        )
        await self._uow.accounts.add(account)
        issued = await _issue_token(
            self._uow, self._ids, now, account, TokenPurpose.INVITATION, self._policy
        )
        self._uow.record(account_registered(account))
        self._uow.record(_invited(account, college, principal, issued, self._policy))
        self._audit.record(
            AuditAction.ACCOUNT_REGISTERED,
            college_id=college.id,
            actor=principal,
            target_type="account",
            target_id=account.id,
            details={
                "email": account.email,
                "roles": [str(role) for role in account.roles],
                "via": "invitation",
            },
        )
        await self._uow.commit()
        return InvitedAccount(account, issued.stored.expires_at)


class ResendInvitation(_CredentialUseCase):
    """A new link for an invitation not accepted yet (lost or expired email); the previous link
    stops working. Emits ``account.invited`` again."""

    async def __call__(self, principal: Principal, account_id: UUID) -> InvitedAccount:
        account = ensure_visible(principal, await self._uow.accounts.get(account_id))
        ensure_admin_of(principal, account.college_id)
        if account.password_hash is not None:
            raise Conflict("this account has a password: the invitation was accepted")
        if not account.is_active:
            raise Conflict("this account is deactivated")
        college = await _college_of(self._uow, account)
        issued = await _issue_token(
            self._uow, self._ids, self._clock.now(), account, TokenPurpose.INVITATION, self._policy
        )
        self._uow.record(_invited(account, college, principal, issued, self._policy))
        self._audit.record(
            AuditAction.INVITATION_RESENT,
            college_id=account.college_id,
            actor=principal,
            target_type="account",
            target_id=account.id,
            details={"email": account.email},
        )
        await self._uow.commit()
        return InvitedAccount(account, issued.stored.expires_at)


def _invited(
    account: Account,
    college: College,
    principal: Principal,
    issued: IssuedToken,
    policy: CredentialPolicy,
) -> AccountInvited:
    return AccountInvited(
        **recipient_fields(account, college),
        roles=list(account.roles),
        invited_by=principal.user_id,
        invitation_token=issued.token,
        invitation_url=policy.link(TokenPurpose.INVITATION, issued.token),
        expires_at=issued.stored.expires_at.isoformat(),
    )


class AcceptInvitation(_CredentialUseCase):
    """Public: the token is the proof. Sets the first password and verifies the email."""

    async def __call__(self, raw_token: str, password: str, client_ip: str | None) -> None:
        now = self._clock.now()
        _, account = await _consume(self._uow, raw_token, TokenPurpose.INVITATION, now)
        if not account.is_active or account.password_hash is not None:
            await self._uow.rollback()
            raise InvalidToken()
        college = await _college_of(self._uow, account)
        try:
            college.password_policy.check(password)
        except InvalidInput:
            await self._uow.rollback()
            raise
        account.set_password(await self._hasher.hash(password), now)
        account.verify_email(now)
        await self._uow.accounts.save(account)
        self._audit.record(
            AuditAction.INVITATION_ACCEPTED,
            college_id=account.college_id,
            actor_id=account.id,
            target_type="account",
            target_id=account.id,
            client_ip=client_ip,
        )
        await self._uow.commit()


@dataclass(frozen=True, slots=True, kw_only=True)
class Signup:
    college: str  # slug
    email: str
    password: str
    display_name: str | None
    client_ip: str


class SelfSignup(_CredentialUseCase):
    """Public, where the college allows it: a student account whose email still needs
    verifying. The answer does not say whether the email already had an account, and both
    paths pay for one password hash."""

    async def __call__(self, signup: Signup) -> None:
        await _throttle(
            self._limiter,
            f"signup:ip:{signup.client_ip}",
            self._policy.signup_ip_limit,
            self._policy.signup_window_seconds,
        )
        college = await self._uow.colleges.get_by_slug(signup.college.strip().lower())
        if college is None or not college.allow_self_signup:
            raise SignupClosed()
        email = normalize_email(signup.email)
        college.password_policy.check(signup.password)
        password_hash = await self._hasher.hash(signup.password)
        if await self._uow.accounts.get_by_email(college.id, email) is not None:
            return
        now = self._clock.now()
        account = Account.register(
            id=self._ids.new_id(),
            college_id=college.id,
            email=email,
            display_name=signup.display_name,
            password_hash=password_hash,
            roles=(Role.STUDENT,),
            now=now,
        )
        await self._uow.accounts.add(account)
        issued = await _issue_token(
            self._uow, self._ids, now, account, TokenPurpose.EMAIL_VERIFICATION, self._policy
        )
        self._uow.record(account_registered(account))
        self._uow.record(_verification_event(account, college, issued, self._policy))
        self._audit.record(
            AuditAction.ACCOUNT_REGISTERED,
            college_id=college.id,
            actor_id=account.id,
            target_type="account",
            target_id=account.id,
            client_ip=signup.client_ip,
            details={"email": account.email, "roles": list(account.roles), "via": "self_signup"},
        )
        try:
            await self._uow.commit()
        except Conflict:
            return  # a concurrent signup of the same email won: the same answer as above

"""One class per command. Administrative ones take the caller's ``Principal`` and check it first;
login, refresh and logout are public: the credential presented is the proof."""

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
from lms.auth.application.authorization import (
    ensure_admin_of,
    ensure_may_grant,
    ensure_super_admin,
    ensure_visible,
)
from lms.auth.application.errors import AccountDisabled, InvalidCredentials, LoginThrottled
from lms.auth.application.ports import (
    AccessTokenSigner,
    AuthUnitOfWork,
    LoginThrottle,
    PasswordHasher,
)
from lms.auth.domain.audit import AuditAction, AuditOutcome
from lms.auth.domain.credentials import PasswordExpired
from lms.auth.domain.events import account_deactivated, account_reactivated, account_registered
from lms.auth.domain.model import (
    Account,
    CharacterClass,
    College,
    LockoutPolicy,
    PasswordPolicy,
    RefreshToken,
    normalize_email,
)
from lms.auth.domain.role_permissions import effective_permissions
from lms_platform.kernel.errors import Conflict, NotFound
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role

PLATFORM_COLLEGE_SLUG = "platform"


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


def _secret_hash(secret: str) -> str:
    # The secret has 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


def _parse_refresh_token(raw: str) -> tuple[UUID, str]:
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
        uow: AuthUnitOfWork,
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
            secret_hash=_secret_hash(secret),
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
        token_id, secret = _parse_refresh_token(raw)
        stored = await self._uow.refresh_tokens.get(token_id)
        if stored is None or not hmac.compare_digest(stored.secret_hash, _secret_hash(secret)):
            raise InvalidCredentials()
        return stored


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
        uow: AuthUnitOfWork,
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
        throttled = await self._throttle.check(attempt.client_ip, slug, email)
        if throttled is not None:
            raise LoginThrottled(throttled.retry_after_seconds)
        college = await self._uow.colleges.get_by_slug(slug)
        account = await self._uow.accounts.get_by_email(college.id, email) if college else None
        if account is None:
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
        locked_for = account.locked_for(now)
        if locked_for is not None:
            # Only reached when the throttle store forgot (Redis restarted): the row remembers.
            raise LoginThrottled(math.ceil(locked_for.total_seconds()))
        if not await self._hasher.verify(account.password_hash, attempt.password):
            cooldown = account.login_failed(now, self._policy.lockout)
            await self._uow.accounts.save(account)
            self._audit_attempt(
                account,
                attempt,
                AuditAction.ACCOUNT_LOCKED if cooldown else AuditAction.LOGIN_FAILED,
                {"reason": "wrong_password", "failed_logins": account.failed_logins}
                | ({"locked_seconds": int(cooldown.total_seconds())} if cooldown else {}),
            )
            # A concurrent failure of the same account may win the row; a 409 here would tell
            # a parallel brute-forcer the account exists. The throttle still counts it.
            with contextlib.suppress(Conflict):
                await self._uow.commit()
            await self._throttle.failed(attempt.client_ip, slug, email)
            raise InvalidCredentials()
        if not account.is_active:
            self._audit_attempt(
                account, attempt, AuditAction.LOGIN_FAILED, {"reason": "deactivated"}
            )
            await self._uow.commit()
            raise AccountDisabled()
        if college is not None and account.password_expired(college.password_policy, now):
            self._audit_attempt(
                account, attempt, AuditAction.LOGIN_FAILED, {"reason": "password_expired"}
            )
            await self._uow.commit()
            raise PasswordExpired()
        if account.login_succeeded(now):
            await self._uow.accounts.save(account)
        if account.password_hash and self._hasher.needs_rehash(account.password_hash):
            # Upgrades scrypt (or weaker argon2id) hashes while the plain password is at hand.
            account.rehash_password(await self._hasher.hash(attempt.password), now)
            await self._uow.accounts.save(account)
        self._audit_attempt(account, attempt, AuditAction.LOGIN_SUCCEEDED)
        pair = await self._issue(account, self._ids.new_id(), now)
        await self._uow.commit()
        await self._throttle.succeeded(attempt.client_ip, slug, email)
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


@dataclass(frozen=True, slots=True, kw_only=True)
class NewCollege:
    slug: str
    name: str
    min_password_length: int = 12
    required_character_classes: tuple[CharacterClass, ...] = ()
    rejected_passwords: tuple[str, ...] | None = None  # None: the built-in list


def _policy_of(new: NewCollege) -> PasswordPolicy:
    if new.rejected_passwords is None:
        return PasswordPolicy(
            min_length=new.min_password_length,
            required_classes=frozenset(new.required_character_classes),
        )
    return PasswordPolicy(
        min_length=new.min_password_length,
        required_classes=frozenset(new.required_character_classes),
        rejected_passwords=frozenset(new.rejected_passwords),
    )


class CreateCollege:
    def __init__(
        self, uow: AuthUnitOfWork, clock: Clock, ids: IdGenerator, audit: AuditRecorder
    ) -> None:
        self._uow, self._clock, self._ids, self._audit = uow, clock, ids, audit

    async def __call__(self, principal: Principal, new: NewCollege) -> College:
        ensure_super_admin(principal)
        return await _create_college(self._uow, self._clock, self._ids, self._audit, new, principal)


async def _create_college(
    uow: AuthUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    audit: AuditRecorder,
    new: NewCollege,
    actor: Principal | None,
) -> College:
    college = College.create(
        id=ids.new_id(), slug=new.slug, name=new.name, policy=_policy_of(new), now=clock.now()
    )
    if await uow.colleges.get_by_slug(college.slug) is not None:
        raise Conflict(f"a college with slug {college.slug!r} already exists")
    await uow.colleges.add(college)
    audit.record(
        AuditAction.COLLEGE_CREATED,
        college_id=college.id,
        actor=actor,
        target_type="college",
        target_id=college.id,
        details={"slug": college.slug, "name": college.name},
    )
    await uow.commit()
    return college


@dataclass(frozen=True, slots=True, kw_only=True)
class NewAccount:
    college_id: UUID
    email: str
    password: str
    roles: tuple[str, ...] = (Role.STUDENT,)
    display_name: str | None = None


class _AccountCreator:
    def __init__(
        self,
        uow: AuthUnitOfWork,
        clock: Clock,
        ids: IdGenerator,
        hasher: PasswordHasher,
        audit: AuditRecorder,
    ) -> None:
        self._uow, self._clock, self._ids, self._hasher = uow, clock, ids, hasher
        self._audit = audit


class RegisterAccount(_AccountCreator):
    """A college admin (or a super admin) creates an account in a college."""

    async def __call__(self, principal: Principal, new: NewAccount) -> Account:
        ensure_admin_of(principal, new.college_id)
        ensure_may_grant(principal, new.roles)
        return await _register(
            self._uow, self._clock, self._ids, self._hasher, self._audit, new, principal
        )


async def _register(
    uow: AuthUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    hasher: PasswordHasher,
    audit: AuditRecorder,
    new: NewAccount,
    actor: Principal | None,
) -> Account:
    college = await uow.colleges.get(new.college_id)
    if college is None:
        raise NotFound("college not found")
    email = normalize_email(new.email)
    college.password_policy.check(new.password)
    if await uow.accounts.get_by_email(college.id, email) is not None:
        raise Conflict(f"an account with email {email} already exists in this college")
    account = Account.register(
        id=ids.new_id(),
        college_id=college.id,
        email=email,
        display_name=new.display_name,
        password_hash=await hasher.hash(new.password),
        roles=new.roles,
        now=clock.now(),
    )
    await uow.accounts.add(account)
    uow.record(account_registered(account))
    audit.record(
        AuditAction.ACCOUNT_REGISTERED,
        college_id=college.id,
        actor=actor,
        target_type="account",
        target_id=account.id,
        details={"email": account.email, "roles": [str(role) for role in account.roles]},
    )
    await uow.commit()
    return account


class BootstrapSuperAdmin(_AccountCreator):
    """First start of a platform: the ``platform`` college and a super admin in it. Run from the
    command line (no caller to check); refuses if that email already has an account there."""

    async def __call__(self, email: str, password: str, display_name: str | None = None) -> Account:
        college = await self._uow.colleges.get_by_slug(PLATFORM_COLLEGE_SLUG)
        if college is None:
            college = await _create_college(
                self._uow,
                self._clock,
                self._ids,
                self._audit,
                NewCollege(slug=PLATFORM_COLLEGE_SLUG, name="LMS platform"),
                None,
            )
        return await _register(
            self._uow,
            self._clock,
            self._ids,
            self._hasher,
            self._audit,
            NewAccount(
                college_id=college.id,
                email=email,
                password=password,
                roles=(Role.SUPER_ADMIN,),
                display_name=display_name,
            ),
            None,
        )


async def apply_deactivation(uow: AuthUnitOfWork, account: Account, now: datetime) -> bool:
    """Deactivates, saves, revokes the account's refresh tokens and records
    ``account.deactivated``; False when it already was. The caller audits and commits (bulk
    updates share this, with one audit entry for the whole batch)."""
    if not account.deactivate(now):
        return False
    await uow.accounts.save(account)
    await uow.refresh_tokens.revoke_for_account(account.id, now)
    uow.record(account_deactivated(account, now))
    return True


async def apply_reactivation(uow: AuthUnitOfWork, account: Account, now: datetime) -> bool:
    """Reactivates, saves and records ``account.reactivated``; the caller audits and commits."""
    if not account.reactivate(now):
        return False
    await uow.accounts.save(account)
    uow.record(account_reactivated(account, now))
    return True


class _AccountStatusChange:
    def __init__(self, uow: AuthUnitOfWork, clock: Clock, audit: AuditRecorder) -> None:
        self._uow, self._clock, self._audit = uow, clock, audit

    async def _load(self, principal: Principal, account_id: UUID) -> Account:
        account = ensure_visible(principal, await self._uow.accounts.get(account_id))
        ensure_admin_of(principal, account.college_id)
        return account


class DeactivateAccount(_AccountStatusChange):
    """The account can no longer log in and its refresh tokens die at once. Access tokens
    already issued live until they expire (minutes); services that cannot wait consume
    ``account.deactivated``."""

    async def __call__(self, principal: Principal, account_id: UUID) -> Account:
        account = await self._load(principal, account_id)
        if principal.user_id == str(account.id):
            raise Conflict("you cannot deactivate your own account")
        now = self._clock.now()
        if await apply_deactivation(self._uow, account, now):
            self._audit.record(
                AuditAction.ACCOUNT_DEACTIVATED,
                college_id=account.college_id,
                actor=principal,
                target_type="account",
                target_id=account.id,
            )
            await self._uow.commit()
        return account


class ReactivateAccount(_AccountStatusChange):
    async def __call__(self, principal: Principal, account_id: UUID) -> Account:
        account = await self._load(principal, account_id)
        now = self._clock.now()
        if await apply_reactivation(self._uow, account, now):
            self._audit.record(
                AuditAction.ACCOUNT_REACTIVATED,
                college_id=account.college_id,
                actor=principal,
                target_type="account",
                target_id=account.id,
            )
            await self._uow.commit()
        return account

"""Passwords: change one's own (proving the current one), or complete a reset with the emailed
token (the request for one is ``reset.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from lms.auth.application.audit import AuditRecorder
from lms.auth.application.credentials.common import (
    CredentialUseCase,
    college_of_account,
    consume_token,
    own_account,
)
from lms.auth.application.errors import InvalidCredentials, InvalidToken
from lms.auth.application.ports import CredentialUnitOfWork, PasswordHasher
from lms.auth.application.tokens import (
    TokenPolicy,
    clear_failures,
    count_attempt,
    parse_refresh_token,
    secret_hash,
)
from lms.auth.domain.audit import AuditAction, AuditOutcome
from lms.auth.domain.credentials import TokenPurpose
from lms.auth.domain.events import account_registered
from lms.auth.domain.model import Account
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.ports import Clock
from lms_platform.kernel.principal import Principal


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
        uow: CredentialUnitOfWork,
        clock: Clock,
        hasher: PasswordHasher,
        audit: AuditRecorder,
        tokens: TokenPolicy,
    ) -> None:
        self._uow, self._clock, self._hasher = uow, clock, hasher
        self._audit, self._tokens = audit, tokens

    async def __call__(self, principal: Principal, change: PasswordChange) -> None:
        now = self._clock.now()
        account = await own_account(self._uow, principal)
        # The new password is checked first: a bad one writes nothing.
        if change.new_password == change.current_password:
            raise InvalidInput(
                "the new password must differ from the current one", field="password"
            )
        college = await college_of_account(self._uow, account)
        college.password_policy.check(change.new_password)
        # Counted before the check, like a login: parallel guesses with a stolen access token
        # lock the account as surely as sequential ones.
        account = await count_attempt(self._uow, account, now, self._tokens.lockout)
        if not await self._hasher.verify(account.password_hash, change.current_password):
            cooldown = account.locked_for(now)
            self._audit.record(
                AuditAction.PASSWORD_CHANGED,
                outcome=AuditOutcome.FAILURE,
                college_id=account.college_id,
                actor=principal,
                target_type="account",
                target_id=account.id,
                client_ip=change.client_ip,
                details={"reason": "wrong_current_password"}
                | ({"locked_seconds": round(cooldown.total_seconds())} if cooldown else {}),
            )
            await self._uow.commit()
            raise InvalidInput("the current password is wrong", field="current_password")
        account = await clear_failures(self._uow, account, now)
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
            token_id, secret = parse_refresh_token(raw)
        except InvalidCredentials as exc:
            raise InvalidInput("refresh_token is not valid", field="refresh_token") from exc
        stored = await self._uow.refresh_tokens.get(token_id)
        if (
            stored is None
            or stored.account_id != account.id
            or stored.secret_hash != secret_hash(secret)
        ):
            raise InvalidInput("refresh_token is not one of yours", field="refresh_token")
        return stored.family_id


class CompletePasswordReset(CredentialUseCase):
    """Public: the token is the proof. Sets the password, revokes every refresh token, and
    marks the email verified (the link reached that mailbox)."""

    async def __call__(self, raw_token: str, new_password: str, client_ip: str | None) -> None:
        now = self._clock.now()
        stored, account = await consume_token(
            self._uow, raw_token, TokenPurpose.PASSWORD_RESET, now
        )
        if not account.is_active:
            await self._uow.rollback()
            raise InvalidToken()
        college = await college_of_account(self._uow, account)
        try:
            college.password_policy.check(new_password)
        except InvalidInput:
            await self._uow.rollback()  # the link stays usable for a better password
            raise
        account.set_password(await self._hasher.hash(new_password), now)
        account.verify_email(now)  # the link reached that mailbox
        if account.become_usable(now):
            self._uow.record(account_registered(account))
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

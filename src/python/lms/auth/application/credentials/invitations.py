"""Invitations: an admin creates an account without a password; the invitee chooses it from
the emailed link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lms.auth.application.authorization import (
    ensure_admin_of,
    ensure_may_grant,
    ensure_may_manage,
    ensure_visible,
)
from lms.auth.application.credentials.common import (
    CredentialPolicy,
    CredentialUseCase,
    IssuedToken,
    college_of_account,
    consume_token,
    issue_token,
    recipient_fields,
)
from lms.auth.application.errors import InvalidToken
from lms.auth.domain.audit import AuditAction
from lms.auth.domain.credentials import TokenPurpose
from lms.auth.domain.events import AccountInvited, account_registered
from lms.auth.domain.model import Account, College, normalize_email
from lms_platform.kernel.errors import Conflict, InvalidInput, NotFound
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role


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


class InviteAccount(CredentialUseCase):
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
        issued = await issue_token(
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


class ResendInvitation(CredentialUseCase):
    """A new link for an invitation not accepted yet (lost or expired email); the previous link
    stops working. Emits ``account.invited`` again."""

    async def __call__(self, principal: Principal, account_id: UUID) -> InvitedAccount:
        account = ensure_visible(principal, await self._uow.accounts.get(account_id))
        ensure_admin_of(principal, account.college_id)
        ensure_may_manage(principal, account)  # a super admin's invitation is a super admin's
        if account.password_hash is not None:
            raise Conflict("this account has a password: the invitation was accepted")
        if not account.is_active:
            raise Conflict("this account is deactivated")
        college = await college_of_account(self._uow, account)
        issued = await issue_token(
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


class AcceptInvitation(CredentialUseCase):
    """Public: the token is the proof. Sets the first password and verifies the email."""

    async def __call__(self, raw_token: str, password: str, client_ip: str | None) -> None:
        now = self._clock.now()
        _, account = await consume_token(self._uow, raw_token, TokenPurpose.INVITATION, now)
        if not account.is_active or account.password_hash is not None:
            await self._uow.rollback()
            raise InvalidToken()
        college = await college_of_account(self._uow, account)
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

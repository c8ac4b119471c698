"""Email verification: the caller asks for a link; the link proves the address."""

from __future__ import annotations

from datetime import datetime

from lms.auth.application.credentials.common import (
    CredentialUseCase,
    college_of_account,
    consume_token,
    issue_token,
    own_account,
    throttle,
    verification_event,
)
from lms.auth.domain.audit import AuditAction
from lms.auth.domain.credentials import TokenPurpose
from lms.auth.domain.events import account_registered
from lms_platform.kernel.errors import Conflict
from lms_platform.kernel.principal import Principal


class RequestEmailVerification(CredentialUseCase):
    """The caller asks for a link proving their address; throttled per account."""

    async def __call__(self, principal: Principal) -> datetime:
        account = await own_account(self._uow, principal)
        if account.email_verified_at is not None:
            raise Conflict("this email address is already verified")
        await throttle(
            self._limiter,
            f"verify:acct:{account.id}",
            self._policy.reset_email_limit,
            self._policy.reset_window_seconds,
        )
        college = await college_of_account(self._uow, account)
        now = self._clock.now()
        issued = await issue_token(
            self._uow, self._ids, now, account, TokenPurpose.EMAIL_VERIFICATION, self._policy
        )
        self._uow.record(verification_event(account, college, issued, self._policy))
        await self._uow.commit()
        return issued.stored.expires_at


class VerifyEmail(CredentialUseCase):
    """Public: the token is the proof. A token sent to an address the account no longer has
    is refused."""

    async def __call__(self, raw_token: str, client_ip: str | None) -> None:
        now = self._clock.now()
        _, account = await consume_token(self._uow, raw_token, TokenPurpose.EMAIL_VERIFICATION, now)
        if not account.verify_email(now):
            await self._uow.commit()  # spent all the same; nothing else changes
            return
        if account.become_usable(now):  # a self-signup: usable from now on
            self._uow.record(account_registered(account))
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

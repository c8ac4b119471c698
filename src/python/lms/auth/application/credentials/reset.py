"""Asking for a password reset, in two steps, so that the answer costs the same whether or not
the account exists.

``RequestPasswordReset`` (public, the HTTP request) checks the rate limits and queues the ask as
it came: one row, for a known email or not; it looks nothing up. ``ProcessPasswordReset`` (the
background worker) takes the oldest ask and does the real work: only an active account gets a
token, the ``account.password_reset_requested`` event and an audit entry; a deactivated one a
failure entry; an unknown email nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from lms.auth.application.audit import AuditRecorder
from lms.auth.application.credentials.common import (
    CredentialPolicy,
    issue_token,
    recipient_fields,
    throttle,
)
from lms.auth.application.ports import RateLimiter, ResetQueueSignal, ResetUnitOfWork
from lms.auth.domain.audit import AuditAction, AuditOutcome
from lms.auth.domain.credentials import QueuedPasswordReset, TokenPurpose
from lms.auth.domain.events import AccountPasswordResetRequested
from lms_platform.kernel.ports import Clock, IdGenerator


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordResetRequest:
    college: str  # slug
    email: str
    client_ip: str


class RequestPasswordReset:
    """Public. Returns nothing and raises nothing about the account: the same work and the same
    answer whether it exists or not (only the rate limits can refuse, alike for all)."""

    def __init__(
        self,
        uow: ResetUnitOfWork,
        clock: Clock,
        ids: IdGenerator,
        policy: CredentialPolicy,
        limiter: RateLimiter,
        signal: ResetQueueSignal,
    ) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids
        self._policy, self._limiter, self._signal = policy, limiter, signal

    async def __call__(self, request: PasswordResetRequest) -> None:
        slug = request.college.strip().lower()
        email = request.email.strip().lower()
        policy = self._policy
        await throttle(
            self._limiter,
            f"reset:ip:{request.client_ip}",
            policy.reset_ip_limit,
            policy.reset_window_seconds,
        )
        # Per address too, known or not: a flood of reset emails is a nuisance to the owner.
        identity = hashlib.sha256(f"{slug}\0{email}".encode()).hexdigest()[:32]
        await throttle(
            self._limiter,
            f"reset:id:{identity}",
            policy.reset_email_limit,
            policy.reset_window_seconds,
        )
        await self._uow.reset_requests.add(
            QueuedPasswordReset(
                id=self._ids.new_id(),
                college_slug=slug[:64],
                email=email[:254],
                client_ip=request.client_ip,
                requested_at=self._clock.now(),
            )
        )
        await self._uow.commit()
        self._signal.request_queued()


class ProcessPasswordReset:
    """One queued ask, oldest first, in one transaction; False when the queue was empty."""

    def __init__(
        self,
        uow: ResetUnitOfWork,
        clock: Clock,
        ids: IdGenerator,
        audit: AuditRecorder,
        policy: CredentialPolicy,
    ) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids
        self._audit, self._policy = audit, policy

    async def __call__(self) -> bool:
        queued = await self._uow.reset_requests.claim_next()
        if queued is None:
            await self._uow.rollback()
            return False
        await self._uow.reset_requests.remove(queued.id)  # personal data: gone once handled
        await self._handle(queued)
        await self._uow.commit()
        return True

    async def _handle(self, queued: QueuedPasswordReset) -> None:
        college = await self._uow.colleges.get_by_slug(queued.college_slug)
        account = (
            await self._uow.accounts.get_by_email(college.id, queued.email) if college else None
        )
        if college is None or account is None:
            return
        if not account.is_active:
            self._audit.record(
                AuditAction.PASSWORD_RESET_REQUESTED,
                outcome=AuditOutcome.FAILURE,
                college_id=account.college_id,
                target_type="account",
                target_id=account.id,
                client_ip=queued.client_ip,
                details={"reason": "deactivated"},
            )
            return
        issued = await issue_token(
            self._uow,
            self._ids,
            self._clock.now(),
            account,
            TokenPurpose.PASSWORD_RESET,
            self._policy,
        )
        self._uow.record(
            AccountPasswordResetRequested(
                **recipient_fields(account, college),
                reset_token=issued.token,
                reset_url=self._policy.link(TokenPurpose.PASSWORD_RESET, issued.token),
                expires_at=issued.stored.expires_at.isoformat(),
            )
        )
        self._audit.record(
            AuditAction.PASSWORD_RESET_REQUESTED,
            college_id=account.college_id,
            target_type="account",
            target_id=account.id,
            client_ip=queued.client_ip,
            details={"expires_at": issued.stored.expires_at.isoformat()},
        )

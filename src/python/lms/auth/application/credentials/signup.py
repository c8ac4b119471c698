"""Self-signup, where a college allows it. The account waits for its email to be verified
before it can log in, unless the college switched that off."""

from __future__ import annotations

from dataclasses import dataclass

from lms.auth.application.credentials.common import (
    CredentialUseCase,
    issue_token,
    throttle,
    verification_event,
)
from lms.auth.domain.audit import AuditAction
from lms.auth.domain.credentials import SignupClosed, TokenPurpose
from lms.auth.domain.events import account_registered
from lms.auth.domain.model import Account, normalize_email
from lms_platform.kernel.errors import Conflict
from lms_platform.kernel.roles import Role


@dataclass(frozen=True, slots=True, kw_only=True)
class Signup:
    college: str  # slug
    email: str
    password: str
    display_name: str | None
    client_ip: str


class SelfSignup(CredentialUseCase):
    """Public, where the college allows it: a student account whose email still needs
    verifying. The answer does not say whether the email already had an account, and both
    paths pay for one password hash."""

    async def __call__(self, signup: Signup) -> None:
        await throttle(
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
        # Usable (able to log in, and announced by account.registered) only once the emailed
        # link proves the address, where the college requires it.
        account.awaits_verification = college.signup_requires_verification
        await self._uow.accounts.add(account)
        issued = await issue_token(
            self._uow, self._ids, now, account, TokenPurpose.EMAIL_VERIFICATION, self._policy
        )
        if not account.awaits_verification:
            self._uow.record(account_registered(account))
        self._uow.record(verification_event(account, college, issued, self._policy))
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

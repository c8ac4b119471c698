"""Passwords, resets, email verification, invitations and self-signup over HTTP.

The public routes (reset, verify, accept, signup) take their proof in the body: a token from
an email, or nothing but a rate limit (signup, reset request)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, post
from litestar.exceptions import TooManyRequestsException
from litestar.params import FromPath, JSONBody

from lms.auth.adapters.http.controllers import client_address
from lms.auth.adapters.http.schemas import (
    AccountResponse,
    Email,
    NewEmail,
    Password,
    RefreshTokenText,
    RoleName,
    Slug,
)
from lms.auth.application.credentials import (
    AcceptInvitation,
    ChangePassword,
    CompletePasswordReset,
    Invitation,
    InviteAccount,
    PasswordChange,
    PasswordResetRequest,
    RequestEmailVerification,
    RequestPasswordReset,
    ResendInvitation,
    SelfSignup,
    Signup,
    TooManyRequests,
    VerifyEmail,
)
from lms.auth.application.credentials.common import MAX_TOKEN
from lms.auth.application.errors import LoginThrottled
from lms.auth.config import AuthSettings
from lms_platform.http.openapi import problems
from lms_platform.kernel.principal import Principal

EmailedToken = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TOKEN)]
DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
_NO_STORE = {"Cache-Control": "no-store"}


@contextmanager
def _rate_limits() -> Iterator[None]:
    try:
        yield
    except (TooManyRequests, LoginThrottled) as exc:
        raise TooManyRequestsException(
            exc.detail, headers={"Retry-After": str(exc.retry_after_seconds)}
        ) from exc


class ChangePasswordRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    current_password: Password
    new_password: Password
    # The caller's own refresh token: its family survives, every other one is revoked.
    refresh_token: RefreshTokenText | None = None


class PasswordResetRequestBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    college: Slug
    email: Email


class PasswordResetCompleteBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    token: EmailedToken
    new_password: Password


class TokenBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    token: EmailedToken


class AcceptInvitationBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    token: EmailedToken
    password: Password


class InvitationBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    email: NewEmail
    display_name: DisplayName | None = None
    roles: Annotated[list[RoleName], msgspec.Meta(min_length=1, max_length=5)] = msgspec.field(
        default_factory=lambda: ["student"]
    )


class SignupBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    college: Slug
    email: NewEmail
    password: Password
    display_name: DisplayName | None = None


class AcceptedResponse(msgspec.Struct, kw_only=True):
    """The same body whatever happened behind it."""

    status: str = "accepted"
    detail: str


class VerificationRequestedResponse(msgspec.Struct, kw_only=True):
    expires_at: datetime


class InvitationResponse(msgspec.Struct, kw_only=True):
    account: AccountResponse
    invitation_expires_at: datetime


_RESET_ACCEPTED = AcceptedResponse(
    detail="if an account with this email exists, a reset link is on its way"
)
_SIGNUP_ACCEPTED = AcceptedResponse(detail="check your email to verify the address and log in")


class CredentialsController(Controller):
    """Routes for a logged-in caller (own password, own email) and for college admins."""

    tags = ["credentials"]

    @post(
        "/auth/password",
        status_code=204,
        summary="Change your own password",
        responses=problems(429),
    )
    @inject
    async def change_password(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ChangePasswordRequest],
        principal: FromDishka[Principal],
        settings: FromDishka[AuthSettings],
        use_case: FromDishka[ChangePassword],
    ) -> None:
        change = PasswordChange(
            current_password=data.current_password,
            new_password=data.new_password,
            keep_refresh_token=data.refresh_token,
            client_ip=client_address(request, settings.trust_forwarded_for),
        )
        with _rate_limits():
            await use_case(principal, change)

    @post(
        "/accounts/me/verify-email/request",
        status_code=202,
        summary="Email yourself a link that verifies your address",
        responses=problems(409, 429),
    )
    @inject
    async def request_verification(
        self,
        principal: FromDishka[Principal],
        use_case: FromDishka[RequestEmailVerification],
    ) -> VerificationRequestedResponse:
        with _rate_limits():
            expires_at = await use_case(principal)
        return VerificationRequestedResponse(expires_at=expires_at)

    @post(
        "/colleges/{college_id:uuid}/invitations",
        status_code=201,
        summary="Invite someone: an account without a password and an emailed link (admin)",
        responses=problems(403, 409),
    )
    @inject
    async def invite(
        self,
        college_id: FromPath[UUID],
        data: JSONBody[InvitationBody],
        principal: FromDishka[Principal],
        use_case: FromDishka[InviteAccount],
    ) -> InvitationResponse:
        invited = await use_case(
            principal,
            Invitation(
                college_id=college_id,
                email=data.email,
                roles=tuple(data.roles),
                display_name=data.display_name,
            ),
        )
        return InvitationResponse(
            account=AccountResponse.from_domain(invited.account),
            invitation_expires_at=invited.expires_at,
        )

    @post(
        "/accounts/{account_id:uuid}/invitation",
        status_code=201,
        summary="Send a new invitation link; the previous one stops working (admin)",
        responses=problems(403, 409),
    )
    @inject
    async def resend_invitation(
        self,
        account_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[ResendInvitation],
    ) -> InvitationResponse:
        invited = await use_case(principal, account_id)
        return InvitationResponse(
            account=AccountResponse.from_domain(invited.account),
            invitation_expires_at=invited.expires_at,
        )


class PublicCredentialsController(Controller):
    tags = ["credentials"]

    @post(
        "/auth/password-reset/request",
        status_code=202,
        summary="Email a password-reset link (same answer whether the account exists or not)",
        responses=problems(429),
    )
    @inject
    async def request_reset(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[PasswordResetRequestBody],
        settings: FromDishka[AuthSettings],
        use_case: FromDishka[RequestPasswordReset],
    ) -> AcceptedResponse:
        with _rate_limits():
            await use_case(
                PasswordResetRequest(
                    college=data.college,
                    email=data.email,
                    client_ip=client_address(request, settings.trust_forwarded_for),
                )
            )
        return _RESET_ACCEPTED

    @post(
        "/auth/password-reset/complete",
        status_code=204,
        summary="Set a new password with the emailed token; every session ends",
    )
    @inject
    async def complete_reset(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[PasswordResetCompleteBody],
        settings: FromDishka[AuthSettings],
        use_case: FromDishka[CompletePasswordReset],
    ) -> Response[None]:
        await use_case(
            data.token, data.new_password, client_address(request, settings.trust_forwarded_for)
        )
        return Response(None, status_code=204, headers=_NO_STORE)

    @post("/auth/verify-email", status_code=204, summary="Verify an email address")
    @inject
    async def verify_email(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[TokenBody],
        settings: FromDishka[AuthSettings],
        use_case: FromDishka[VerifyEmail],
    ) -> None:
        await use_case(data.token, client_address(request, settings.trust_forwarded_for))

    @post(
        "/auth/invitations/accept",
        status_code=204,
        summary="Accept an invitation by choosing the first password",
    )
    @inject
    async def accept_invitation(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[AcceptInvitationBody],
        settings: FromDishka[AuthSettings],
        use_case: FromDishka[AcceptInvitation],
    ) -> None:
        await use_case(
            data.token, data.password, client_address(request, settings.trust_forwarded_for)
        )

    @post(
        "/auth/signup",
        status_code=202,
        summary="Sign up as a student where the college allows it",
        responses=problems(403, 429),
    )
    @inject
    async def signup(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[SignupBody],
        settings: FromDishka[AuthSettings],
        use_case: FromDishka[SelfSignup],
    ) -> AcceptedResponse:
        with _rate_limits():
            await use_case(
                Signup(
                    college=data.college,
                    email=data.email,
                    password=data.password,
                    display_name=data.display_name,
                    client_ip=client_address(request, settings.trust_forwarded_for),
                )
            )
        return _SIGNUP_ACCEPTED

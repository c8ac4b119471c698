"""Credentials: change a password, reset it by emailed token, verify an email address, invite
an account and accept the invitation, and sign up where a college allows it. One module per
flow; the names are re-exported here."""

from lms.auth.application.credentials.common import CredentialPolicy, token_hash
from lms.auth.application.credentials.invitations import (
    AcceptInvitation,
    Invitation,
    InviteAccount,
    InvitedAccount,
    ResendInvitation,
)
from lms.auth.application.credentials.passwords import (
    ChangePassword,
    CompletePasswordReset,
    PasswordChange,
)
from lms.auth.application.credentials.reset import (
    PasswordResetRequest,
    ProcessPasswordReset,
    RequestPasswordReset,
)
from lms.auth.application.credentials.signup import SelfSignup, Signup
from lms.auth.application.credentials.verification import RequestEmailVerification, VerifyEmail
from lms.auth.application.errors import InvalidToken, TooManyRequests
from lms.auth.application.ports import RateLimiter

__all__ = [
    "AcceptInvitation",
    "ChangePassword",
    "CompletePasswordReset",
    "CredentialPolicy",
    "InvalidToken",
    "InviteAccount",
    "Invitation",
    "InvitedAccount",
    "PasswordChange",
    "PasswordResetRequest",
    "ProcessPasswordReset",
    "RateLimiter",
    "RequestEmailVerification",
    "RequestPasswordReset",
    "ResendInvitation",
    "SelfSignup",
    "Signup",
    "TooManyRequests",
    "VerifyEmail",
    "token_hash",
]

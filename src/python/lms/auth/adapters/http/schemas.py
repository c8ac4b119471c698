"""Request and response bodies of the auth API (msgspec; unknown fields are refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from lms.auth.application.tokens import TokenPair
from lms.auth.domain.keys import SigningKey
from lms.auth.domain.model import SLUG_PATTERN, Account, College
from lms_platform.http.openapi import documented
from lms_platform.kernel.text import EMAIL_PATTERN, NOT_BLANK_PATTERN

# Lengths are checked while decoding (400); the documented rules by the domain (422). Routes
# that answer the same whatever the address (login, reset) take any text.
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
NewEmail = Annotated[Email, documented(pattern=EMAIL_PATTERN)]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
RefreshTokenText = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
RoleName = Literal["super_admin", "college_admin", "instructor", "teaching_assistant", "student"]
CharacterClassName = Literal["lower", "upper", "digit", "symbol"]


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    college: Slug
    email: Email
    password: Password


class RefreshRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    refresh_token: RefreshTokenText


class TokenResponse(msgspec.Struct, kw_only=True):
    access_token: str
    token_type: str
    expires_in: int
    refresh_token: str
    refresh_expires_at: datetime

    @classmethod
    def from_pair(cls, pair: TokenPair) -> TokenResponse:
        return cls(
            access_token=pair.access_token,
            token_type=pair.token_type,
            expires_in=pair.expires_in,
            refresh_token=pair.refresh_token,
            refresh_expires_at=pair.refresh_expires_at,
        )


class JwksResponse(msgspec.Struct, kw_only=True):
    keys: list[dict[str, Any]]


class CreateCollegeRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    slug: Annotated[Slug, documented(pattern=SLUG_PATTERN)]
    name: Annotated[
        str, msgspec.Meta(min_length=1, max_length=200), documented(pattern=NOT_BLANK_PATTERN)
    ]
    min_password_length: Annotated[int, msgspec.Meta(ge=8, le=256)] = 12
    required_character_classes: Annotated[list[CharacterClassName], msgspec.Meta(max_length=4)] = (
        msgspec.field(default_factory=list)
    )
    rejected_passwords: (
        Annotated[
            list[Annotated[str, msgspec.Meta(max_length=256)]], msgspec.Meta(max_length=10_000)
        ]
        | None
    ) = None


class CollegeResponse(msgspec.Struct, kw_only=True):
    id: UUID
    slug: str
    name: str
    min_password_length: int
    required_character_classes: list[str]
    created_at: datetime

    @classmethod
    def from_domain(cls, college: College) -> CollegeResponse:
        policy = college.password_policy
        return cls(
            id=college.id,
            slug=college.slug,
            name=college.name,
            min_password_length=policy.min_length,
            required_character_classes=sorted(c.value for c in policy.required_classes),
            created_at=college.created_at,
        )


class CreateAccountRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    email: NewEmail
    password: Password
    display_name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None = None
    roles: Annotated[list[RoleName], msgspec.Meta(min_length=1, max_length=5)] = msgspec.field(
        default_factory=lambda: ["student"]
    )


class AccountResponse(msgspec.Struct, kw_only=True):
    id: UUID
    college_id: UUID
    email: str
    display_name: str | None
    roles: list[str]
    status: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, account: Account) -> AccountResponse:
        return cls(
            id=account.id,
            college_id=account.college_id,
            email=account.email,
            display_name=account.display_name,
            roles=list(account.roles),
            status=account.status.value,
            created_at=account.created_at,
            updated_at=account.updated_at,
        )


class SigningKeyResponse(msgspec.Struct, kw_only=True):
    kid: str
    algorithm: str
    created_at: datetime
    activates_at: datetime  # when it starts signing; it is published from created_at

    @classmethod
    def from_domain(cls, key: SigningKey) -> SigningKeyResponse:
        return cls(
            kid=key.kid,
            algorithm=key.algorithm,
            created_at=key.created_at,
            activates_at=key.starts_signing_at,
        )


class RevokedSigningKeyResponse(msgspec.Struct, kw_only=True):
    kid: str
    revoked_at: datetime | None
    replaced_by: SigningKeyResponse | None  # the new signing key, when the revoked one signed

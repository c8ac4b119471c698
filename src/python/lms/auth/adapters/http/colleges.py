"""Colleges: read one, list all (super admin), change settings (password policy, self-signup)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, patch
from litestar.params import FromPath, JSONBody, QueryParameter

from lms.auth.adapters.http.schemas import CharacterClassName
from lms.auth.application.colleges import (
    KEEP,
    CollegeSettingsChange,
    GetCollege,
    ListColleges,
    UpdateCollegeSettings,
)
from lms.auth.domain.model import MAX_PASSWORD_AGE_DAYS, CharacterClass, College
from lms_platform.http.openapi import problems
from lms_platform.http.pagination import (
    OffsetQuery,
    PageResponse,
    page_request,
    to_page_response,
)
from lms_platform.kernel.pagination import DEFAULT_LIMIT, MAX_LIMIT
from lms_platform.kernel.principal import Principal

RejectedPassword = Annotated[str, msgspec.Meta(max_length=256)]


class PasswordPolicyResponse(msgspec.Struct, kw_only=True):
    min_length: int
    required_character_classes: list[str]
    rejected_passwords: list[str]
    max_age_days: int | None


class CollegeSettingsResponse(msgspec.Struct, kw_only=True):
    id: UUID
    slug: str
    name: str
    created_at: datetime
    allow_self_signup: bool
    # Self-signed-up accounts log in only after verifying their email.
    signup_requires_verification: bool
    password_policy: PasswordPolicyResponse

    @classmethod
    def from_domain(cls, college: College) -> CollegeSettingsResponse:
        policy = college.password_policy
        return cls(
            id=college.id,
            slug=college.slug,
            name=college.name,
            created_at=college.created_at,
            allow_self_signup=college.allow_self_signup,
            signup_requires_verification=college.signup_requires_verification,
            password_policy=PasswordPolicyResponse(
                min_length=policy.min_length,
                required_character_classes=sorted(c.value for c in policy.required_classes),
                rejected_passwords=sorted(policy.rejected_passwords),
                max_age_days=policy.max_age_days,
            ),
        )


class CollegeSummaryResponse(msgspec.Struct, kw_only=True):
    id: UUID
    slug: str
    name: str
    created_at: datetime
    allow_self_signup: bool

    @classmethod
    def from_domain(cls, college: College) -> CollegeSummaryResponse:
        return cls(
            id=college.id,
            slug=college.slug,
            name=college.name,
            created_at=college.created_at,
            allow_self_signup=college.allow_self_signup,
        )


class CollegeSettingsPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Only the fields sent change; ``password_max_age_days: null`` turns expiry off."""

    min_password_length: Annotated[int, msgspec.Meta(ge=8, le=256)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    required_character_classes: (
        Annotated[list[CharacterClassName], msgspec.Meta(max_length=4)] | msgspec.UnsetType
    ) = msgspec.UNSET
    rejected_passwords: (
        Annotated[list[RejectedPassword], msgspec.Meta(max_length=10_000)] | msgspec.UnsetType
    ) = msgspec.UNSET
    password_max_age_days: (
        Annotated[int, msgspec.Meta(ge=1, le=MAX_PASSWORD_AGE_DAYS)] | None | msgspec.UnsetType
    ) = msgspec.UNSET
    allow_self_signup: bool | msgspec.UnsetType = msgspec.UNSET
    signup_requires_verification: bool | msgspec.UnsetType = msgspec.UNSET

    def to_change(self) -> CollegeSettingsChange:
        classes = self.required_character_classes
        rejected = self.rejected_passwords
        return CollegeSettingsChange(
            min_password_length=(
                KEEP
                if isinstance(self.min_password_length, msgspec.UnsetType)
                else self.min_password_length
            ),
            required_character_classes=(
                KEEP
                if isinstance(classes, msgspec.UnsetType)
                else tuple(CharacterClass(c) for c in classes)
            ),
            rejected_passwords=KEEP if isinstance(rejected, msgspec.UnsetType) else tuple(rejected),
            password_max_age_days=(
                KEEP
                if isinstance(self.password_max_age_days, msgspec.UnsetType)
                else self.password_max_age_days
            ),
            allow_self_signup=(
                KEEP
                if isinstance(self.allow_self_signup, msgspec.UnsetType)
                else self.allow_self_signup
            ),
            signup_requires_verification=(
                KEEP
                if isinstance(self.signup_requires_verification, msgspec.UnsetType)
                else self.signup_requires_verification
            ),
        )


class CollegeController(Controller):
    tags = ["colleges"]

    @get(
        "/colleges/{college_id:uuid}",
        summary="A college and its settings (its college admin, or a super admin)",
        responses=problems(403),
    )
    @inject
    async def get_college(
        self,
        college_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[GetCollege],
    ) -> CollegeSettingsResponse:
        return CollegeSettingsResponse.from_domain(await use_case(principal, college_id))

    @patch(
        "/colleges/{college_id:uuid}/settings",
        summary="Change the password policy or self-signup (its college admin, or a super admin)",
        responses=problems(403),
    )
    @inject
    async def update_settings(
        self,
        college_id: FromPath[UUID],
        data: JSONBody[CollegeSettingsPatch],
        principal: FromDishka[Principal],
        use_case: FromDishka[UpdateCollegeSettings],
    ) -> CollegeSettingsResponse:
        college = await use_case(principal, college_id, data.to_change())
        return CollegeSettingsResponse.from_domain(college)

    @get("/colleges", summary="List colleges by slug (super admin)", responses=problems(403))
    @inject
    async def list_colleges(
        self,
        principal: FromDishka[Principal],
        use_case: FromDishka[ListColleges],
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        offset: OffsetQuery = 0,
    ) -> PageResponse[CollegeSummaryResponse]:
        page = await use_case(principal, page_request(limit, offset))
        return to_page_response(page, CollegeSummaryResponse.from_domain)

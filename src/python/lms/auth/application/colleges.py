"""Colleges: created by super admins; read and configured (the password policy and
self-signup) by their own admins, listed by super admins."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

from lms.auth.application.audit import AuditRecorder
from lms.auth.application.authorization import (
    COLLEGE_CONFIGURE,
    ensure_admin_of,
    ensure_super_admin,
)
from lms.auth.application.ports import CollegeUnitOfWork
from lms.auth.domain.audit import AuditAction
from lms.auth.domain.model import CharacterClass, College, PasswordPolicy
from lms_platform.kernel.errors import Conflict, NotFound
from lms_platform.kernel.pagination import Page, PageRequest
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal

T = TypeVar("T")

PLATFORM_COLLEGE_SLUG = "platform"


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
        self, uow: CollegeUnitOfWork, clock: Clock, ids: IdGenerator, audit: AuditRecorder
    ) -> None:
        self._uow, self._clock, self._ids, self._audit = uow, clock, ids, audit

    async def __call__(self, principal: Principal, new: NewCollege) -> College:
        ensure_super_admin(principal)
        return await create_college(self._uow, self._clock, self._ids, self._audit, new, principal)


async def create_college(
    uow: CollegeUnitOfWork,
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


class Keep(Enum):
    """A settings field the caller did not send: it keeps its value."""

    KEEP = "keep"


KEEP = Keep.KEEP


def _or(value: T | Keep, current: T) -> T:
    return current if isinstance(value, Keep) else value


@dataclass(frozen=True, slots=True, kw_only=True)
class CollegeSettingsChange:
    min_password_length: int | Keep = KEEP
    required_character_classes: tuple[CharacterClass, ...] | Keep = KEEP
    rejected_passwords: tuple[str, ...] | Keep = KEEP
    password_max_age_days: int | None | Keep = KEEP  # None: passwords never expire
    allow_self_signup: bool | Keep = KEEP
    signup_requires_verification: bool | Keep = KEEP


async def _load(uow: CollegeUnitOfWork, principal: Principal, college_id: UUID) -> College:
    ensure_admin_of(principal, college_id, COLLEGE_CONFIGURE)
    college = await uow.colleges.get(college_id)
    if college is None:
        raise NotFound("college not found")
    return college


class GetCollege:
    def __init__(self, uow: CollegeUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal, college_id: UUID) -> College:
        return await _load(self._uow, principal, college_id)


class ListColleges:
    """Super admins only: a college admin sees one college, their own."""

    def __init__(self, uow: CollegeUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal, page: PageRequest) -> Page[College]:
        ensure_super_admin(principal)
        return await self._uow.colleges.list_page(page)


def _audit_value(name: str, policy: PasswordPolicy, college: College) -> Any:
    if name == "required_classes":
        return sorted(c.value for c in policy.required_classes)
    if name == "rejected_passwords":  # the list can be long; the log keeps its size
        return {"count": len(policy.rejected_passwords)}
    if name == "allow_self_signup":
        return college.allow_self_signup
    if name == "signup_requires_verification":
        return college.signup_requires_verification
    return getattr(policy, name)


class UpdateCollegeSettings:
    """Changes only the fields sent. One audit entry names each changed field with its new
    value; a change that changes nothing writes nothing."""

    def __init__(self, uow: CollegeUnitOfWork, audit: AuditRecorder) -> None:
        self._uow, self._audit = uow, audit

    async def __call__(
        self, principal: Principal, college_id: UUID, change: CollegeSettingsChange
    ) -> College:
        college = await _load(self._uow, principal, college_id)
        current = college.password_policy
        policy = PasswordPolicy(
            min_length=_or(change.min_password_length, current.min_length),
            required_classes=(
                current.required_classes
                if isinstance(change.required_character_classes, Keep)
                else frozenset(change.required_character_classes)
            ),
            rejected_passwords=(
                current.rejected_passwords
                if isinstance(change.rejected_passwords, Keep)
                else frozenset(p.strip().lower() for p in change.rejected_passwords if p.strip())
            ),
            max_age_days=_or(change.password_max_age_days, current.max_age_days),
        )
        changed = college.change_settings(
            policy,
            _or(change.allow_self_signup, college.allow_self_signup),
            _or(change.signup_requires_verification, college.signup_requires_verification),
        )
        if not changed:
            return college
        await self._uow.colleges.save(college)
        self._audit.record(
            AuditAction.COLLEGE_SETTINGS_CHANGED,
            college_id=college.id,
            actor=principal,
            target_type="college",
            target_id=college.id,
            details={"changed": {name: _audit_value(name, policy, college) for name in changed}},
        )
        await self._uow.commit()
        return college

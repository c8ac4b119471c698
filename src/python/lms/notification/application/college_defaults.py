"""A college's default channel set per notification type: read and replaced by its admins
with ``college:configure``. Users' own preferences still win over it; a critical type keeps
its email."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from lms.notification.application.authorization import ensure_college_configurer
from lms.notification.application.ports import CollegeDefaultsStore
from lms.notification.domain.college_defaults import checked_defaults
from lms.notification.domain.kinds import Channel, NotificationType
from lms_platform.kernel.principal import Principal

CollegeDefaults = dict[NotificationType, frozenset[Channel]]


class CollegeDefaultsUnitOfWork(Protocol):
    college_defaults: CollegeDefaultsStore

    async def commit(self) -> None: ...


class GetCollegeDefaults:
    """Only the types the college set; the caller fills the rest from the platform's."""

    def __init__(self, uow: CollegeDefaultsUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal) -> CollegeDefaults:
        ensure_college_configurer(principal, "its default channels")
        return await self._uow.college_defaults.get(principal.tenant_id)


class ReplaceCollegeDefaults:
    """PUT semantics: a type not listed goes back to the platform's default."""

    def __init__(self, uow: CollegeDefaultsUnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self,
        principal: Principal,
        entries: Sequence[tuple[NotificationType, Sequence[Channel]]],
    ) -> CollegeDefaults:
        ensure_college_configurer(principal, "its default channels")
        defaults = checked_defaults(entries)
        await self._uow.college_defaults.put(principal.tenant_id, defaults, principal.user_id)
        await self._uow.commit()
        return defaults

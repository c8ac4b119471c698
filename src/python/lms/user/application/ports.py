"""Ports: what the use cases need from the outside world, as Protocols the adapters implement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from lms.user.domain.model import Profile, ProfileStatus
from lms_platform.kernel.events import DomainEvent
from lms_platform.kernel.pagination import CursorPage, CursorPageRequest


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileFilter:
    tenant_id: str
    search: str | None = None  # matches display name or email, case-insensitively
    role: str | None = None
    status: ProfileStatus | None = None
    include_deleted: bool = False
    sort: str = "display_name"  # display_name | created_at | email, "-" prefix for descending


SORTS = ("display_name", "-display_name", "email", "-email", "created_at", "-created_at")


class ProfileRepository(Protocol):
    async def get(self, profile_id: UUID) -> Profile | None: ...

    async def add(self, profile: Profile) -> None: ...

    async def save(self, profile: Profile) -> None: ...


class ProfileReader(Protocol):
    """Reads outside any unit of work: a query needs no transaction, and on a cache hit it
    should cost nothing at all."""

    async def get(self, profile_id: UUID) -> Profile | None: ...

    async def search(
        self, criteria: ProfileFilter, page: CursorPageRequest
    ) -> CursorPage[Profile]: ...


class UserUnitOfWork(Protocol):
    """One transaction: the repository's writes and the recorded events commit together."""

    @property
    def profiles(self) -> ProfileRepository: ...

    def record(self, event: DomainEvent) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class ProfileCache(Protocol):
    """Versioned: entries never go back to an older version of a profile."""

    async def get(self, profile_id: UUID) -> Profile | None: ...

    async def put(self, profile: Profile) -> None:
        """Store ``profile`` unless the cache already knows its version or a newer one."""
        ...

    async def invalidate(self, profile_id: UUID, version: int) -> None:
        """After a commit of ``version``: drop the entry but remember the version, so that a
        fill of anything older (loaded before the commit) is refused."""
        ...

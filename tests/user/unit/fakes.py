"""In-memory stand-ins for the user service's ports, cosmicpython style.

They behave like the real adapters where a use case could tell the difference: the repository
hands out copies (so a change that is never saved is lost, as with a database), writes become
visible to other readers only on commit, and the cache refuses fills older than what it knows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from lms.user.application.ports import ProfileFilter, ProfileRepository
from lms.user.domain.model import Profile, ProfileStatus
from lms_platform.kernel.events import DomainEvent
from lms_platform.kernel.pagination import CursorPage, CursorPageRequest, page_in_memory
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role
from tests.user.permissions import default_permissions

T0 = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)

_SORTABLE = frozenset({"display_name", "created_at", "email"})


class FakeIntegrityError(Exception):
    """What the database would raise for a duplicate primary key or a missing row."""


def _copy(profile: Profile) -> Profile:
    return dataclasses.replace(profile)


class FakeProfileRepository:
    def __init__(self, profiles: Iterable[Profile] = ()) -> None:
        self._committed: dict[UUID, Profile] = {p.id: _copy(p) for p in profiles}
        self._pending: dict[UUID, Profile] = {}
        self.reads = 0
        self.writes = 0
        self.searches: list[tuple[ProfileFilter, CursorPageRequest]] = []

    # -- the ProfileRepository port
    async def get(self, profile_id: UUID) -> Profile | None:
        self.reads += 1
        found = self._visible().get(profile_id)
        return _copy(found) if found is not None else None

    async def add(self, profile: Profile) -> None:
        self.writes += 1
        if profile.id in self._visible():
            raise FakeIntegrityError(f"duplicate key {profile.id}")
        self._pending[profile.id] = _copy(profile)

    async def save(self, profile: Profile) -> None:
        self.writes += 1
        if profile.id not in self._visible():
            raise FakeIntegrityError(f"no row {profile.id}")
        self._pending[profile.id] = _copy(profile)

    async def search(self, criteria: ProfileFilter, page: CursorPageRequest) -> CursorPage[Profile]:
        """The ``ProfileReader`` side: a keyset page in (sort field, id) order."""
        self.reads += 1
        self.searches.append((criteria, page))
        field = criteria.sort.lstrip("-")
        field = field if field in _SORTABLE else "display_name"
        descending = criteria.sort.startswith("-")

        def key(profile: Profile) -> tuple[object, ...]:
            return (getattr(profile, field), profile.id)

        rows = sorted(
            (p for p in self._visible().values() if _matches(p, criteria)),
            key=key,
            reverse=descending,
        )
        found = page_in_memory(rows, key, page, descending=descending)
        return dataclasses.replace(found, items=[_copy(p) for p in found.items])

    # -- driven by the unit of work
    def _visible(self) -> dict[UUID, Profile]:
        return {**self._committed, **self._pending}

    def flush(self) -> None:
        self._committed.update(self._pending)
        self._pending.clear()

    def discard(self) -> None:
        self._pending.clear()

    # -- for assertions
    def committed(self, profile_id: UUID) -> Profile | None:
        found = self._committed.get(profile_id)
        return _copy(found) if found is not None else None

    def committed_rows(self) -> dict[UUID, Profile]:
        return {pid: _copy(p) for pid, p in self._committed.items()}


def _matches(profile: Profile, criteria: ProfileFilter) -> bool:
    if profile.tenant_id != criteria.tenant_id:
        return False
    if criteria.search:
        needle = criteria.search.lower()
        if needle not in profile.display_name.lower() and needle not in profile.email.lower():
            return False
    if criteria.role and criteria.role not in profile.roles:
        return False
    if criteria.status is not None:
        return profile.status is criteria.status
    return criteria.include_deleted or profile.status is not ProfileStatus.DELETED


class FakeUnitOfWork:
    """Events recorded in a transaction are published (here: kept) only if it commits."""

    def __init__(self, profiles: Iterable[Profile] = ()) -> None:
        # Two names for one object: the port the use cases see, the fake the tests inspect.
        self.repository = FakeProfileRepository(profiles)
        self.profiles: ProfileRepository = self.repository
        self._recorded: list[DomainEvent] = []
        self.committed_events: list[DomainEvent] = []
        self.commits = 0
        self.rollbacks = 0

    def record(self, event: DomainEvent) -> None:
        self._recorded.append(event)

    async def commit(self) -> None:
        self.commits += 1
        self.repository.flush()
        self.committed_events.extend(self._recorded)
        self._recorded.clear()

    async def rollback(self) -> None:
        self.rollbacks += 1
        self.repository.discard()
        self._recorded.clear()

    @property
    def uncommitted_events(self) -> list[DomainEvent]:
        return list(self._recorded)


class FakeCache:
    """Versioned as the Redis adapter is: an invalidation leaves the committed version behind,
    and a fill older than the known version (or a second fill of it) is refused."""

    def __init__(self) -> None:
        self._entries: dict[UUID, Profile] = {}
        self._versions: dict[UUID, int] = {}
        self.hits = 0
        self.misses = 0
        self.puts: list[UUID] = []
        self.invalidations: list[UUID] = []

    async def get(self, profile_id: UUID) -> Profile | None:
        found = self._entries.get(profile_id)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        return _copy(found)

    async def put(self, profile: Profile) -> None:
        self.puts.append(profile.id)
        known = self._versions.get(profile.id)
        if known is not None and (
            profile.version < known or (profile.version == known and profile.id in self._entries)
        ):
            return
        self._versions[profile.id] = profile.version
        self._entries[profile.id] = _copy(profile)

    async def invalidate(self, profile_id: UUID, version: int) -> None:
        self.invalidations.append(profile_id)
        self._entries.pop(profile_id, None)
        self._versions[profile_id] = max(version, self._versions.get(profile_id, version))

    def __contains__(self, profile_id: object) -> bool:
        return profile_id in self._entries

    def peek(self, profile_id: UUID) -> Profile | None:
        return self._entries.get(profile_id)


class FixedClock:
    def __init__(self, now: datetime = T0) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now


class SequentialIds:
    """UUID(int=1), UUID(int=2), ... so tests can name the id a use case will pick."""

    def __init__(self, start: int = 1000) -> None:
        self._next = start
        self.issued: list[UUID] = []

    def new_id(self) -> UUID:
        issued = UUID(int=self._next)
        self._next += 1
        self.issued.append(issued)
        return issued

    def peek(self) -> UUID:
        return UUID(int=self._next)


# -- builders


def make_profile(
    *,
    id: UUID | None = None,
    tenant_id: str = "college-a",
    email: str = "ada@example.edu",
    display_name: str = "Ada Lovelace",
    roles: tuple[str, ...] = (Role.STUDENT,),
    now: datetime = T0,
    **fields: object,
) -> Profile:
    return Profile.create(
        id=id or UUID(int=1),
        tenant_id=tenant_id,
        email=email,
        display_name=display_name,
        roles=roles,
        now=now,
        **fields,  # type: ignore[arg-type]
    )


def principal_for(
    *roles: str, user_id: UUID | str = UUID(int=999), tenant_id: str = "college-a"
) -> Principal:
    return Principal(
        user_id=str(user_id),
        tenant_id=tenant_id,
        roles=frozenset(roles),
        permissions=default_permissions(roles),
    )


def admin_of(tenant_id: str = "college-a") -> Principal:
    return principal_for(Role.COLLEGE_ADMIN, user_id=UUID(int=900), tenant_id=tenant_id)


def super_admin(home_tenant: str = "platform") -> Principal:
    return principal_for(Role.SUPER_ADMIN, user_id=UUID(int=901), tenant_id=home_tenant)


def self_of(profile: Profile, *roles: str) -> Principal:
    return principal_for(
        *(roles or (Role.STUDENT,)), user_id=profile.id, tenant_id=profile.tenant_id
    )


def the_only_event(uow: FakeUnitOfWork) -> DomainEvent:
    """The single event a write committed, after checking it committed exactly once."""
    assert uow.commits == 1, f"expected one commit, saw {uow.commits}"
    assert len(uow.committed_events) == 1, f"expected one event, saw {uow.committed_events}"
    assert uow.uncommitted_events == []
    return uow.committed_events[0]


def assert_nothing_written(uow: FakeUnitOfWork, rows_before: dict[UUID, Profile]) -> None:
    """No commit, no event (committed or pending), and every stored row exactly as before."""
    assert uow.commits == 0
    assert uow.committed_events == []
    assert uow.uncommitted_events == []
    assert uow.repository.writes == 0
    assert uow.repository.committed_rows() == rows_before

"""Terms (academic sessions) and batches (cohorts): college admins create, members read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from lms.course.application.access import COURSE_MANAGE, COURSE_READ, manages, require
from lms.course.application.ports import CatalogueStore
from lms.course.domain.courses import Batch, Term
from lms_platform.kernel.errors import InvalidInput, PermissionDenied
from lms_platform.kernel.pagination import CursorPage, CursorPageRequest
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal


def ensure_manager(principal: Principal) -> None:
    if not manages(principal, principal.tenant_id):
        raise PermissionDenied(f"this needs the {COURSE_MANAGE} permission")


@dataclass(frozen=True, slots=True, kw_only=True)
class NewTerm:
    name: str
    start_date: date
    end_date: date


@dataclass(frozen=True, slots=True, kw_only=True)
class NewBatch:
    code: str
    name: str
    start_date: date | None = None
    end_date: date | None = None


class CreateTerm:
    def __init__(self, store: CatalogueStore, clock: Clock, ids: IdGenerator) -> None:
        self._store, self._clock, self._ids = store, clock, ids

    async def __call__(self, principal: Principal, data: NewTerm) -> Term:
        ensure_manager(principal)
        term = Term(
            id=self._ids.new_id(), tenant_id=principal.tenant_id, name=data.name,
            start_date=data.start_date, end_date=data.end_date, created_at=self._clock.now(),
        )  # fmt: skip
        await self._store.terms.add(term)
        await self._store.commit()
        return term


class ListTerms:
    def __init__(self, store: CatalogueStore) -> None:
        self._store = store

    async def __call__(self, principal: Principal, page: CursorPageRequest) -> CursorPage[Term]:
        require(principal, COURSE_READ)
        return await self._store.terms.list(principal.tenant_id, page)


class CreateBatch:
    def __init__(self, store: CatalogueStore, clock: Clock, ids: IdGenerator) -> None:
        self._store, self._clock, self._ids = store, clock, ids

    async def __call__(self, principal: Principal, data: NewBatch) -> Batch:
        ensure_manager(principal)
        batch = Batch(
            id=self._ids.new_id(), tenant_id=principal.tenant_id, code=data.code,
            name=data.name, start_date=data.start_date, end_date=data.end_date,
            created_at=self._clock.now(),
        )  # fmt: skip
        await self._store.batches.add(batch)
        await self._store.commit()  # a taken code is a Conflict (unique per college)
        return batch


class ListBatches:
    def __init__(self, store: CatalogueStore) -> None:
        self._store = store

    async def __call__(self, principal: Principal, page: CursorPageRequest) -> CursorPage[Batch]:
        require(principal, COURSE_READ)
        return await self._store.batches.list(principal.tenant_id, page)


async def term_of_college(
    store: CatalogueStore, principal: Principal, term_id: UUID | None
) -> None:
    """A course may only name a term of its own college."""
    if term_id is None:
        return
    term = await store.terms.get(term_id)
    if term is None or term.tenant_id != principal.tenant_id:
        raise InvalidInput("no such term in this college", field="term_id")

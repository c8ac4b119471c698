"""Ports: what the course use cases need from the outside world, as Protocols the adapters
implement. Each flow depends on the store it uses (``CourseStore``, ``EnrollmentStore``...);
one unit of work implements them all, over one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from lms.course.domain.content import Item, Module
from lms.course.domain.courses import Batch, Course, CourseStatus, Term
from lms.course.domain.enrollments import Enrollment, EnrollmentState, SectionRole
from lms.course.domain.roster import RosterRow
from lms.course.domain.roster_jobs import RosterImport, SourceLink
from lms.course.domain.sections import Section
from lms.course.domain.users import KnownUser
from lms_platform.kernel.events import DomainEvent
from lms_platform.kernel.pagination import CursorPage, CursorPageRequest


class Transaction(Protocol):
    def record(self, event: DomainEvent) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


# The orders GET /courses offers; each has an index (tenant, column, id).
COURSE_SORTS = (
    "code", "-code", "title", "-title", "created_at", "-created_at", "start_date", "-start_date",
)  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class CourseFilter:
    tenant_id: str
    status: CourseStatus | None = None
    term_id: UUID | None = None
    instructor_id: UUID | None = None  # courses with a section this user teaches
    text: str | None = None  # in the code, title or description
    visible_to: UUID | None = None  # not an admin: listed courses, or ones this user is in
    sort: str = "code"  # one of COURSE_SORTS; start_date: courses without one come last


class TermRepository(Protocol):
    async def add(self, term: Term) -> None: ...

    async def save(self, term: Term) -> None: ...

    async def get(self, term_id: UUID) -> Term | None: ...

    async def list(self, tenant_id: str, page: CursorPageRequest) -> CursorPage[Term]: ...


class BatchRepository(Protocol):
    async def add(self, batch: Batch) -> None: ...

    async def get(self, batch_id: UUID) -> Batch | None: ...

    async def list(self, tenant_id: str, page: CursorPageRequest) -> CursorPage[Batch]: ...


class CourseRepository(Protocol):
    async def add(self, course: Course) -> None: ...

    async def get(self, course_id: UUID) -> Course | None: ...

    async def lock(self, course_id: UUID) -> Course | None: ...

    async def save(self, course: Course) -> None: ...

    async def search(
        self, criteria: CourseFilter, page: CursorPageRequest
    ) -> CursorPage[Course]: ...


class SectionRepository(Protocol):
    async def add(self, section: Section) -> None: ...

    async def get(self, section_id: UUID) -> Section | None: ...

    async def lock(self, section_id: UUID) -> Section | None:
        """``SELECT ... FOR UPDATE``: enrollments of one section are decided one at a time."""
        ...

    async def save(self, section: Section) -> None: ...

    async def of_course(self, course_id: UUID, page: CursorPageRequest) -> CursorPage[Section]: ...

    async def all_of_course(self, course_id: UUID) -> list[Section]: ...

    async def list(
        self, tenant_id: str, visible_to: UUID | None, page: CursorPageRequest
    ) -> CursorPage[Section]:
        """``visible_to``: not an admin; sections of listed courses and of the user's own."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Membership:
    """One of the caller's current enrollments in a course."""

    section_id: UUID
    role: SectionRole
    state: EnrollmentState


class EnrollmentRepository(Protocol):
    async def add(self, enrollment: Enrollment) -> None: ...

    async def get(self, enrollment_id: UUID) -> Enrollment | None: ...

    async def save(self, enrollment: Enrollment) -> None: ...

    async def find(self, section_id: UUID, user_id: UUID) -> Enrollment | None:
        """The user's enrollment in the section, whatever its state (tombstones excluded)."""
        ...

    async def seats_taken(self, section_id: UUID) -> int: ...

    async def next_waitlisted(self, section_id: UUID) -> Enrollment | None: ...

    async def roster(
        self,
        section_id: UUID,
        page: CursorPageRequest,
        *,
        role: SectionRole | None = None,
        state: EnrollmentState | None = None,
    ) -> CursorPage[Enrollment]: ...

    async def memberships(self, user_id: UUID, course_id: UUID) -> list[Membership]: ...

    async def current_with_context(
        self, user_id: UUID, tenant_id: str
    ) -> list[tuple[Enrollment, Section, Course]]:
        """The user's current enrollments in live sections of live courses of the college, each
        with its section and course, in one query (``GET /me/courses`` is the hottest read)."""
        ...

    async def live_of_user(self, user_id: UUID) -> list[Enrollment]:
        """Every enrollment of the user that is not a tombstone."""
        ...

    async def live_of_course(self, course_id: UUID) -> list[Enrollment]: ...

    async def live_of_section(self, section_id: UUID) -> list[Enrollment]: ...

    async def active_count_of_course(self, course_id: UUID) -> int: ...

    async def changed_since(
        self,
        tenant_id: str | None,
        since: datetime | None,
        after: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[Enrollment]:
        """Tombstones included, ordered by (updated_at, id), for the snapshot feed."""
        ...


class ContentRepository(Protocol):
    async def add_module(self, module: Module) -> None: ...

    async def get_module(self, module_id: UUID) -> Module | None: ...

    async def modules(self, course_id: UUID) -> list[Module]: ...

    async def save_module(self, module: Module) -> None: ...

    async def delete_module(self, module: Module) -> None: ...

    async def add_item(self, item: Item) -> None: ...

    async def get_item(self, item_id: UUID) -> Item | None: ...

    async def items(self, module_ids: Sequence[UUID]) -> list[Item]: ...

    async def save_item(self, item: Item) -> None: ...

    async def delete_item(self, item: Item) -> None: ...


class UserDirectory(Protocol):
    """The read model of users, from ``user.*`` events."""

    async def get(self, user_id: UUID) -> KnownUser | None: ...

    async def lock(self, user_id: UUID) -> KnownUser | None: ...

    async def add(self, user: KnownUser) -> None: ...

    async def save(self, user: KnownUser) -> None: ...

    async def by_emails(self, tenant_id: str, emails: Sequence[str]) -> dict[str, KnownUser]: ...


class CatalogueStore(Transaction, Protocol):
    """Terms, batches and courses."""

    @property
    def terms(self) -> TermRepository: ...

    @property
    def batches(self) -> BatchRepository: ...

    @property
    def courses(self) -> CourseRepository: ...

    @property
    def sections(self) -> SectionRepository: ...

    @property
    def enrollments(self) -> EnrollmentRepository: ...


class EnrollmentStore(CatalogueStore, Protocol):
    @property
    def users(self) -> UserDirectory: ...


class ContentStore(CatalogueStore, Protocol):
    @property
    def content(self) -> ContentRepository: ...


class RosterImportRepository(Protocol):
    async def add(self, job: RosterImport, rows: Sequence[RosterRow]) -> None: ...

    async def get(self, job_id: UUID) -> RosterImport | None: ...

    async def claim_next(self) -> RosterImport | None:
        """The oldest unfinished job no other transaction holds, locked until commit."""
        ...

    async def lock(self, job_id: UUID) -> RosterImport | None: ...

    async def rows(self, job_id: UUID, start: int, limit: int) -> list[RosterRow]: ...

    async def save(self, job: RosterImport) -> None: ...

    async def delete_rows(self, job_id: UUID) -> None: ...


class SourceLinks(Protocol):
    async def get(self, tenant_id: str, kind: str, sourced_id: str) -> SourceLink | None: ...

    async def put(self, link: SourceLink) -> None: ...


class Savepoint(Protocol):
    async def __aenter__(self) -> object: ...

    async def __aexit__(self, *exc: object) -> bool | None: ...


class RosterStore(EnrollmentStore, Protocol):
    @property
    def imports(self) -> RosterImportRepository: ...

    @property
    def sources(self) -> SourceLinks: ...

    def savepoint(self) -> Savepoint:
        """A nested transaction: one row's failure undoes that row only."""
        ...

"""Ports: what the submission use cases need from the outside world, as Protocols the adapters
implement. Memberships come from the platform's read model (``MembershipReader``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from lms.submission.domain.assignments import AssignmentRules, CoursePolicy
from lms.submission.domain.rubrics import Rubric
from lms.submission.domain.submissions import Submission, WorkflowState
from lms.submission.domain.uploads import Upload
from lms_platform.kernel.events import DomainEvent
from lms_platform.kernel.grading import GradingScheme
from lms_platform.kernel.pagination import CursorPage, CursorPageRequest


class ObjectStore(Protocol):
    """One bucket. Keys are the service's own; URLs are presigned for the client's address."""

    async def presign_put(
        self, key: str, *, content_type: str, size: int, expires_seconds: int
    ) -> str: ...
    async def presign_get(self, key: str, *, filename: str, expires_seconds: int) -> str: ...
    async def start_multipart(self, key: str, *, content_type: str) -> str: ...
    async def presign_part(
        self, key: str, *, upload_id: str, part_number: int, expires_seconds: int
    ) -> str: ...
    async def complete_multipart(
        self, key: str, *, upload_id: str, parts: Sequence[tuple[int, str]]
    ) -> bool: ...
    async def abort_multipart(self, key: str, *, upload_id: str) -> None: ...
    async def size_of(self, key: str) -> int | None: ...
    def read(self, key: str, *, chunk_bytes: int = ...) -> AsyncIterator[bytes]: ...
    async def put_stream(
        self, key: str, chunks: AsyncIterator[bytes], *, content_type: str
    ) -> int: ...
    async def delete(self, key: str) -> None: ...
    async def ping(self) -> None:
        """Raises unless the bucket answers (readiness)."""
        ...


class AssignmentCopies(Protocol):
    async def rules(self, tenant_id: str, assignment_id: UUID) -> AssignmentRules | None: ...
    async def policy(self, tenant_id: str, course_id: UUID) -> CoursePolicy | None: ...
    async def keep_assignment(
        self, tenant_id: str, snapshot: dict[str, object], deleted: bool
    ) -> bool: ...
    async def keep_policy(
        self, tenant_id: str, course_id: UUID, version: int, policy: dict[str, object], at: datetime
    ) -> bool: ...


class StudentNames(Protocol):
    """Students' display names, kept from the user service's ``user.*`` events."""

    async def keep(self, tenant_id: str, user_id: UUID, display_name: str, version: int) -> bool:
        """False (nothing written) when as new a version is kept, or the user was deleted."""
        ...

    async def forget(self, tenant_id: str, user_id: UUID, deleted_at: datetime) -> bool: ...
    async def of(self, tenant_id: str, user_ids: Collection[UUID]) -> dict[UUID, str]: ...


class CourseSchemes(Protocol):
    """Each course's grading scheme, from the course service's ``course.*`` events."""

    async def of_course(self, tenant_id: str, course_id: UUID) -> GradingScheme | None:
        """The course's own scheme; None when it has none (or no event was seen yet)."""
        ...

    async def keep(
        self,
        tenant_id: str,
        course_id: UUID,
        version: int,
        scheme: GradingScheme | None,
        at: datetime,
    ) -> bool:
        """Stores the course's scheme at ``version``; False, writing nothing, when a version
        as new or newer is stored already (a duplicate or a late, older event)."""
        ...


class Uploads(Protocol):
    async def get(
        self, tenant_id: str, upload_id: UUID, *, for_update: bool = False
    ) -> Upload | None: ...
    async def add(self, upload: Upload) -> None: ...
    async def save(self, upload: Upload) -> None: ...
    async def delete(self, upload_id: UUID) -> None: ...
    async def expired(self, now: datetime, limit: int) -> Sequence[Upload]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmissionFilter:
    tenant_id: str
    assignment_id: UUID | None = None
    course_ids: frozenset[UUID] | None = None  # None: any course
    student_id: UUID | None = None
    state: WorkflowState | None = None
    late: bool | None = None


class Submissions(Protocol):
    async def get(
        self, tenant_id: str, submission_id: UUID, *, for_update: bool = False
    ) -> Submission | None: ...
    async def of_student(
        self, tenant_id: str, assignment_id: UUID, student_id: UUID, *, for_update: bool = False
    ) -> Submission | None: ...
    async def add(self, submission: Submission) -> bool:
        """Inserts a new submission (with its attempts and comments); False, writing nothing,
        when the student already has one of the assignment (created concurrently: another
        hand-in, or a grader grading work never handed in). It waits for that one's commit."""
        ...

    async def add_unsubmitted(self, submissions: Sequence[Submission]) -> int:
        """Inserts submissions without attempts or comments (placeholders) with ``add``'s
        conflict rule, skipping every student who already has one; the number inserted."""
        ...

    async def save(self, submission: Submission) -> None: ...
    async def find(
        self, where: SubmissionFilter, page: CursorPageRequest
    ) -> CursorPage[Submission]: ...
    async def of_assignment(
        self, tenant_id: str, assignment_id: UUID, *, lock: bool = True
    ) -> Sequence[Submission]: ...


class Rubrics(Protocol):
    async def of_assignment(
        self, tenant_id: str, assignment_id: UUID, *, for_update: bool = False, share: bool = False
    ) -> Rubric | None:
        """The assignment's rubric; ``for_update`` locks it to change it, ``share`` to assess by it."""
        ...

    async def put(self, rubric: Rubric) -> bool:
        """Creates or replaces the assignment's rubric; False (nothing written) if a submission
        has been assessed with the rubric it would replace."""
        ...

    async def delete(self, rubric_id: UUID) -> None: ...
    async def assessed(self, rubric_id: UUID) -> bool: ...


class SubmissionUnitOfWork(Protocol):
    uploads: Uploads
    submissions: Submissions
    copies: AssignmentCopies
    rubrics: Rubrics
    names: StudentNames
    schemes: CourseSchemes

    def record(self, event: DomainEvent) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class UploadLimits:
    max_file_bytes: int  # the service's own ceiling
    direct_max_bytes: int  # through the service (the direct path)
    multipart_threshold: int  # above: a multipart plan instead of one PUT
    part_bytes: int
    slot_ttl_seconds: int
    url_ttl_seconds: int

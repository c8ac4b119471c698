"""Reading submissions: a student sees their own (grade and comments once posted), graders see
the course's (without names while anonymous grading is on and the grades are not posted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lms.submission.application.access import Standing, caller_id, not_found, standing_in
from lms.submission.application.ports import (
    ObjectStore,
    SubmissionFilter,
    SubmissionUnitOfWork,
    UploadLimits,
)
from lms.submission.domain.assignments import AssignmentRules
from lms.submission.domain.folders import ArchiveFolders
from lms.submission.domain.submissions import Attempt, Submission, WorkflowState
from lms_platform.kernel.errors import NotFound
from lms_platform.kernel.membership import MembershipReader
from lms_platform.kernel.pagination import CursorPage, CursorPageRequest, Total
from lms_platform.kernel.permissions import Permission
from lms_platform.kernel.ports import Clock
from lms_platform.kernel.principal import Principal


@dataclass(frozen=True, slots=True)
class SubmissionView:
    """What the caller may see of one submission."""

    submission: Submission
    show_grade: bool  # the grade and the comments
    anonymous: bool  # the student's identity hidden (anonymous grading, not posted)


def view_for(standing: Standing, rules: AssignmentRules, submission: Submission) -> SubmissionView:
    if standing.may_read_all():
        hidden = rules.anonymous_grading and not submission.posted
        return SubmissionView(submission, show_grade=True, anonymous=hidden)
    return SubmissionView(submission, show_grade=submission.posted, anonymous=False)


async def readable(
    uow: SubmissionUnitOfWork,
    memberships: MembershipReader,
    principal: Principal,
    submission_id: UUID,
) -> tuple[SubmissionView, Standing, AssignmentRules]:
    submission = await uow.submissions.get(principal.tenant_id, submission_id)
    if submission is None:
        raise not_found()
    rules = await uow.copies.rules(submission.tenant_id, submission.assignment_id)
    if rules is None:
        raise not_found()
    await uow.rollback()  # release the connection before the reader takes one (handing_in.py)
    standing = await standing_in(memberships, principal, submission.tenant_id, submission.course_id)
    own = str(submission.student_id) == principal.user_id and principal.has_permission(
        Permission.SUBMISSION_READ_OWN
    )
    if not (own or standing.may_read_all()):
        raise not_found()
    return view_for(standing, rules, submission), standing, rules


class GetSubmission:
    def __init__(self, uow: SubmissionUnitOfWork, memberships: MembershipReader) -> None:
        self._uow, self._memberships = uow, memberships

    async def __call__(self, principal: Principal, submission_id: UUID) -> SubmissionView:
        view, _, _ = await readable(self._uow, self._memberships, principal, submission_id)
        return view


class ListSubmissions:
    """One assignment's submissions (graders: everyone's; students: their own), filtered by
    student, state and late; or, without an assignment, the caller's own everywhere."""

    def __init__(self, uow: SubmissionUnitOfWork, memberships: MembershipReader) -> None:
        self._uow, self._memberships = uow, memberships

    async def __call__(
        self, principal: Principal, page: CursorPageRequest, *, assignment_id: UUID | None = None,
        student_id: UUID | None = None, state: WorkflowState | None = None, late: bool | None = None,
    ) -> CursorPage[SubmissionView]:  # fmt: skip
        tenant = principal.tenant_id
        if assignment_id is None:
            return await self._own(principal, page, state=state, late=late)
        rules = await self._uow.copies.rules(tenant, assignment_id)
        if rules is None:
            raise NotFound("assignment not found")
        await self._uow.rollback()
        standing = await standing_in(self._memberships, principal, tenant, rules.course_id)
        if not standing.may_read_all():
            if not standing.student_sections or not principal.has_permission(
                Permission.SUBMISSION_READ_OWN
            ):
                raise NotFound("assignment not found")
            student_id = standing.user_id  # a student sees their own attempts only
        where = SubmissionFilter(
            tenant_id=tenant,
            assignment_id=assignment_id,
            student_id=student_id,
            state=state,
            late=late,
        )
        found = await self._uow.submissions.find(where, page)
        return CursorPage(
            [view_for(standing, rules, s) for s in found.items],
            found.limit,
            found.next_key,
            found.total,
        )

    async def _own(
        self,
        principal: Principal,
        page: CursorPageRequest,
        *,
        state: WorkflowState | None,
        late: bool | None,
    ) -> CursorPage[SubmissionView]:
        if (
            not principal.has_permission(Permission.SUBMISSION_READ_OWN)
            or standing_user(principal) is None
        ):
            return CursorPage([], page.limit, None, Total(0, exact=True))
        where = SubmissionFilter(
            tenant_id=principal.tenant_id,
            student_id=standing_user(principal),
            state=state,
            late=late,
        )
        found = await self._uow.submissions.find(where, page)
        views = [SubmissionView(s, show_grade=s.posted, anonymous=False) for s in found.items]
        return CursorPage(views, found.limit, found.next_key, found.total)


def standing_user(principal: Principal) -> UUID | None:
    return caller_id(principal)


@dataclass(frozen=True, slots=True)
class Download:
    url: str
    filename: str
    size: int
    expires_in: int


class DownloadFile:
    """A presigned GET of one file, for the owner and the course's graders."""

    def __init__(
        self, uow: SubmissionUnitOfWork, memberships: MembershipReader, store: ObjectStore,
        limits: UploadLimits, clock: Clock,
    ) -> None:  # fmt: skip
        self._uow, self._memberships, self._store, self._limits = uow, memberships, store, limits

    async def __call__(self, principal: Principal, submission_id: UUID, file_id: UUID) -> Download:
        view, _, _ = await readable(self._uow, self._memberships, principal, submission_id)
        for attempt in view.submission.attempts:
            for file in attempt.work.files:
                if file.id == file_id:
                    ttl = self._limits.url_ttl_seconds
                    url = await self._store.presign_get(
                        file.key, filename=file.filename, expires_seconds=ttl
                    )
                    return Download(url, file.filename, file.size, ttl)
        raise NotFound("file not found")


@dataclass(frozen=True, slots=True)
class ArchiveEntry:
    name: str  # the path inside the archive
    key: str
    size: int
    submitted_at: datetime


class ArchiveOfAssignment:
    """Every file of the latest attempt of each submission of an assignment, for its graders:
    ``<display name> (<short id>)/<file>`` (``domain/folders.py``; the student id while no name
    is known) or, while grading is anonymous, ``anonymous-<id>/<file>``."""

    def __init__(self, uow: SubmissionUnitOfWork, memberships: MembershipReader) -> None:
        self._uow, self._memberships = uow, memberships

    async def __call__(self, principal: Principal, assignment_id: UUID) -> list[ArchiveEntry]:
        rules = await self._uow.copies.rules(principal.tenant_id, assignment_id)
        if rules is None:
            raise NotFound("assignment not found")
        await self._uow.rollback()
        standing = await standing_in(self._memberships, principal, rules.tenant_id, rules.course_id)
        standing.ensure_reader()
        handed_in: list[tuple[Submission, Attempt, bool]] = []
        for submission in await self._uow.submissions.of_assignment(
            rules.tenant_id, assignment_id, lock=False
        ):
            if submission.latest is not None:
                anonymous = view_for(standing, rules, submission).anonymous
                handed_in.append((submission, submission.latest, anonymous))
        # Names only of those not anonymous: a hidden student's name is never even read.
        names = await self._uow.names.of(
            rules.tenant_id, {s.student_id for s, _, anonymous in handed_in if not anonymous}
        )
        await self._uow.rollback()  # nothing held while the archive streams
        folders = ArchiveFolders()
        entries: list[ArchiveEntry] = []
        for submission, latest, anonymous in handed_in:
            folder = (
                folders.anonymous(submission.id)
                if anonymous
                else folders.of_student(submission.student_id, names.get(submission.student_id))
            )
            seen: set[str] = set()
            for file in latest.work.files:
                name = (
                    file.filename
                    if file.filename not in seen
                    else f"{file.id.hex[:8]}-{file.filename}"
                )
                seen.add(name)
                entries.append(
                    ArchiveEntry(f"{folder}/{name}", file.key, file.size, latest.submitted_at)
                )
        return entries

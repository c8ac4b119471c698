"""Handing work in: the first attempt or a resubmission, in one transaction with its events. The
late flags come from the kernel's rule on this service's copy of the assignment."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from lms.submission.application.access import Standing, standing_in
from lms.submission.application.ports import SubmissionUnitOfWork
from lms.submission.domain.assignments import AssignmentRules, SubmissionKind
from lms.submission.domain.events import SubmissionCreated, SubmissionResubmitted, event_of
from lms.submission.domain.submissions import (
    StoredFile,
    Submission,
    Work,
    WorkflowState,
    evaluate_attempt,
)
from lms.submission.domain.uploads import Upload, UploadStatus
from lms_platform.kernel.errors import Conflict, InvalidInput, NotFound
from lms_platform.kernel.membership import MembershipReader
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal


async def rules_or_404(
    uow: SubmissionUnitOfWork, tenant_id: str, assignment_id: UUID
) -> AssignmentRules:
    rules = await uow.copies.rules(tenant_id, assignment_id)
    if rules is None or rules.deleted:
        raise NotFound("assignment not found")
    return rules


async def submitter(
    uow: SubmissionUnitOfWork,
    memberships: MembershipReader,
    principal: Principal,
    assignment_id: UUID,
) -> tuple[AssignmentRules, Standing, UUID, frozenset[UUID]]:
    rules = await rules_or_404(uow, principal.tenant_id, assignment_id)
    # The membership reader takes a connection of its own: release the request's first, or
    # under load every request holds one connection while it waits for a second.
    await uow.rollback()
    standing = await standing_in(memberships, principal, rules.tenant_id, rules.course_id)
    student, sections = standing.ensure_submitter(rules)
    return rules, standing, student, sections


def stored(upload: Upload) -> StoredFile:
    return StoredFile(
        id=upload.id, filename=upload.filename, key=upload.key, size=upload.size,
        content_type=upload.content_type, sha256=upload.sha256,
    )  # fmt: skip


class HandIn:
    """Adds an attempt to the caller's submission (creating it at the first), with ``uploads``
    (locked, ready, the caller's) for file work. Commits."""

    def __init__(self, uow: SubmissionUnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    async def __call__(
        self, principal: Principal, rules: AssignmentRules, student: UUID, sections: frozenset[UUID],
        work: Work, uploads: Sequence[Upload] = (),
    ) -> Submission:  # fmt: skip
        uow = self._uow
        now = self._clock.now()
        policy = await uow.copies.policy(rules.tenant_id, rules.course_id)
        evaluation = evaluate_attempt(now, rules, rules.dates_for(student, sections), policy, now)
        submission = await uow.submissions.of_student(
            rules.tenant_id, rules.id, student, for_update=True
        )
        added = False
        if submission is None:
            submission = Submission(
                id=self._ids.new_id(), tenant_id=rules.tenant_id, assignment_id=rules.id,
                course_id=rules.course_id, student_id=student, state=WorkflowState.UNSUBMITTED,
                created_at=now, updated_at=now,
            )  # fmt: skip
            submission.add_attempt(rules, work, evaluation, by=principal.user_id, at=now)
            added = await uow.submissions.add(submission)
            if not added:  # created meanwhile: another hand-in, or a grade of work not handed in
                submission = await uow.submissions.of_student(
                    rules.tenant_id, rules.id, student, for_update=True
                )
                if submission is None:
                    raise Conflict("the submission was changed concurrently; retry")
        first = added or not submission.attempts
        if not added:
            submission.add_attempt(rules, work, evaluation, by=principal.user_id, at=now)
            await uow.submissions.save(submission)
        for upload in uploads:
            upload.status = UploadStatus.SUBMITTED
            upload.submission_id = submission.id
            await uow.uploads.save(upload)
        uow.record(event_of(SubmissionCreated if first else SubmissionResubmitted, submission))
        await uow.commit()
        return submission


async def ready_uploads(
    uow: SubmissionUnitOfWork, principal: Principal, rules: AssignmentRules, student: UUID,
    upload_ids: Sequence[UUID],
) -> list[Upload]:  # fmt: skip
    """The caller's confirmed, not yet handed-in uploads for this assignment (locked)."""
    if len(set(upload_ids)) != len(upload_ids):
        raise InvalidInput("an upload is listed twice", field="upload_ids")
    found: list[Upload] = []
    for upload_id in upload_ids:
        upload = await uow.uploads.get(principal.tenant_id, upload_id, for_update=True)
        if upload is None or upload.student_id != student or upload.assignment_id != rules.id:
            raise NotFound(f"upload {upload_id} not found")
        if upload.status is not UploadStatus.READY:
            raise InvalidInput(
                f"upload {upload_id} is {upload.status}, not ready", field="upload_ids"
            )
        found.append(upload)
    return found


class Submit:
    """``POST /submissions`` (JSON) and ``PUT /submissions/{id}``: text, a URL, or confirmed
    uploads, as a new attempt."""

    def __init__(
        self, uow: SubmissionUnitOfWork, memberships: MembershipReader, hand_in: HandIn
    ) -> None:
        self._uow = uow
        self._memberships = memberships
        self._hand_in = hand_in

    async def __call__(
        self, principal: Principal, assignment_id: UUID, kind: SubmissionKind, *,
        text: str | None = None, url: str | None = None, upload_ids: Sequence[UUID] = (),
    ) -> Submission:  # fmt: skip
        rules, _, student, sections = await submitter(
            self._uow, self._memberships, principal, assignment_id
        )
        uploads: list[Upload] = []
        if kind is SubmissionKind.FILE:
            uploads = await ready_uploads(self._uow, principal, rules, student, upload_ids)
        elif upload_ids:
            raise InvalidInput("upload_ids are for file submissions", field="upload_ids")
        work = Work(kind=kind, files=tuple(stored(u) for u in uploads), text=text, url=url)
        return await self._hand_in(principal, rules, student, sections, work, uploads)


class Resubmit:
    """``PUT /submissions/{id}``: the caller's own submission gets a new attempt."""

    def __init__(self, uow: SubmissionUnitOfWork, submit: Submit) -> None:
        self._uow = uow
        self._submit = submit

    async def __call__(
        self, principal: Principal, submission_id: UUID, kind: SubmissionKind, *,
        text: str | None = None, url: str | None = None, upload_ids: Sequence[UUID] = (),
    ) -> Submission:  # fmt: skip
        current = await self._uow.submissions.get(principal.tenant_id, submission_id)
        if current is None or str(current.student_id) != principal.user_id:
            raise NotFound("submission not found")
        return await self._submit(
            principal, current.assignment_id, kind, text=text, url=url, upload_ids=upload_ids
        )

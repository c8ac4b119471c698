"""Bulk grading: ``POST /assignments/{id}/grades`` applies up to ``MAX_BULK_ITEMS`` grades to an
assignment's submissions, each in its own transaction with its events (``grade.recorded``, and
``grade.posted`` under automatic posting), as a single grade would be; one refused item does
not undo the others, and the report says what happened to each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from lms.submission.application.access import not_found, standing_in
from lms.submission.application.grading import ApplyGrade, GradeCommand, student_sections
from lms.submission.application.grading_by_student import (
    ensure_nameable,
    locked_for_grading,
    may_start,
)
from lms.submission.application.ports import SubmissionUnitOfWork
from lms.submission.domain.assignments import AssignmentRules
from lms_platform.kernel.errors import Conflict, DomainError, InvalidInput, NotFound
from lms_platform.kernel.membership import MembershipReader
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal

MAX_BULK_ITEMS = 200
TWICE = "this submission is listed twice: only its first grade is considered"


class TooManyItems(InvalidInput):
    code = "too_many_items"


class ItemStatus(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"
    INVALID = "invalid"  # the grade breaks a rule (a score out of range, ...)
    REFUSED = "refused"  # allowed in general, not for this item (listed twice, anonymous, ...)


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkItem:
    """One grade, for a submission named by its id or by its student."""

    command: GradeCommand
    submission_id: UUID | None = None
    student_id: UUID | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemResult:
    item: int  # the item's position in the request
    status: ItemStatus
    submission_id: UUID | None = None
    problem: DomainError | None = None


def _status_of(error: DomainError) -> ItemStatus:
    if isinstance(error, NotFound):
        return ItemStatus.NOT_FOUND
    if isinstance(error, InvalidInput):
        return ItemStatus.INVALID
    return ItemStatus.REFUSED


class BulkGrade:
    def __init__(
        self, uow: SubmissionUnitOfWork, memberships: MembershipReader, apply: ApplyGrade,
        clock: Clock, ids: IdGenerator,
    ) -> None:  # fmt: skip
        self._uow, self._memberships, self._apply = uow, memberships, apply
        self._clock, self._ids = clock, ids

    async def __call__(
        self, principal: Principal, assignment_id: UUID, items: Sequence[BulkItem]
    ) -> list[ItemResult]:
        if len(items) > MAX_BULK_ITEMS:
            raise TooManyItems(
                f"at most {MAX_BULK_ITEMS} grades at once", extra={"max_items": MAX_BULK_ITEMS}
            )
        uow = self._uow
        rules = await uow.copies.rules(principal.tenant_id, assignment_id)
        if rules is None:
            raise NotFound("assignment not found")
        await uow.rollback()  # release the connection before the reader takes one
        standing = await standing_in(self._memberships, principal, rules.tenant_id, rules.course_id)
        standing.ensure_grader()
        done: set[UUID] = set()
        results = []
        for index, item in enumerate(items):
            found: list[UUID] = []
            try:
                await self._one(principal, rules, item, done, found)
            except DomainError as error:
                await uow.rollback()  # this item's changes and events only
                results.append(
                    ItemResult(
                        item=index, status=_status_of(error), problem=error,
                        submission_id=found[0] if found else None,
                    )  # fmt: skip
                )
            else:
                results.append(
                    ItemResult(
                        item=index, status=ItemStatus.OK, submission_id=found[0] if found else None
                    )
                )
        return results

    async def _one(
        self, principal: Principal, rules: AssignmentRules, item: BulkItem, done: set[UUID],
        found: list[UUID],
    ) -> None:  # fmt: skip
        if (item.submission_id is None) == (item.student_id is None):
            raise InvalidInput("name either a submission_id or a student_id", field="submission_id")
        item.command.check()
        if item.student_id is not None:
            await self._of_student(principal, rules, item.student_id, item.command, done, found)
            return
        uow = self._uow
        tenant = rules.tenant_id
        assert item.submission_id is not None
        submission = await uow.submissions.get(tenant, item.submission_id)
        if submission is None or submission.assignment_id != rules.id:
            raise not_found()
        found.append(submission.id)
        if submission.id in done:
            raise Conflict(TWICE)
        done.add(submission.id)
        if item.command == GradeCommand():
            return  # nothing asked, nothing changed
        await uow.rollback()  # no connection held while the reader takes one
        memberships = await self._memberships.of_user(tenant, submission.student_id)
        locked = await uow.submissions.get(tenant, submission.id, for_update=True)
        if locked is None:
            raise not_found()
        await self._apply(
            principal, rules, locked, item.command, student_sections(memberships, rules.course_id)
        )
        await uow.commit()

    async def _of_student(
        self, principal: Principal, rules: AssignmentRules, student_id: UUID,
        command: GradeCommand, done: set[UUID], found: list[UUID],
    ) -> None:  # fmt: skip
        """The student's submission, or a new one without an attempt when they handed nothing
        in (``grading_by_student.py``)."""
        uow = self._uow
        tenant = rules.tenant_id
        await uow.rollback()  # no connection held while the reader takes one
        memberships = await self._memberships.of_user(tenant, student_id)
        submission = await uow.submissions.of_student(tenant, rules.id, student_id)
        if submission is None and not may_start(rules, memberships):
            raise not_found()
        ensure_nameable(rules, submission)
        if submission is not None:
            found.append(submission.id)
        if student_id in done or (submission is not None and submission.id in done):
            raise Conflict(TWICE)
        done.add(student_id)
        if submission is not None:
            done.add(submission.id)
        if command == GradeCommand():
            return  # nothing asked, nothing changed (and nothing created)
        locked = await locked_for_grading(
            uow, self._clock, self._ids, rules, student_id, memberships
        )
        done.add(locked.id)
        await self._apply(
            principal, rules, locked, command, student_sections(memberships, rules.course_id)
        )
        await uow.commit()
        if not found:
            found.append(locked.id)  # created by this grade, so reported once it is stored

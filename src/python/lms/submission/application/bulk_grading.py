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
from lms.submission.application.ports import SubmissionUnitOfWork
from lms.submission.domain.assignments import AssignmentRules
from lms_platform.kernel.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from lms_platform.kernel.membership import MembershipReader
from lms_platform.kernel.principal import Principal

MAX_BULK_ITEMS = 200


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
        self, uow: SubmissionUnitOfWork, memberships: MembershipReader, apply: ApplyGrade
    ) -> None:
        self._uow, self._memberships, self._apply = uow, memberships, apply

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
                results.append(ItemResult(item=index, status=ItemStatus.OK, submission_id=found[0]))
        return results

    async def _one(
        self, principal: Principal, rules: AssignmentRules, item: BulkItem, done: set[UUID],
        found: list[UUID],
    ) -> None:  # fmt: skip
        if (item.submission_id is None) == (item.student_id is None):
            raise InvalidInput("name either a submission_id or a student_id", field="submission_id")
        item.command.check()
        uow = self._uow
        tenant = rules.tenant_id
        if item.submission_id is not None:
            submission = await uow.submissions.get(tenant, item.submission_id)
        else:
            assert item.student_id is not None
            submission = await uow.submissions.of_student(tenant, rules.id, item.student_id)
        if submission is None or submission.assignment_id != rules.id:
            raise not_found()
        found.append(submission.id)
        if item.student_id is not None and rules.anonymous_grading and not submission.posted:
            raise PermissionDenied("grading is anonymous: name the submission, not the student")
        if submission.id in done:
            raise Conflict("this submission is listed twice: only its first grade is considered")
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

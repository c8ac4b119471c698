"""Placeholder submissions without storage (fakes for the ports): who gets one, that an existing
submission is kept, that a second call starts nothing, and who may ask."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from lms.submission.application.errors import AssignmentNotPublished
from lms.submission.application.placeholders import MakePlaceholders, expected_students
from lms.submission.domain.assignments import AssignmentRules, FileRules, GradePosting
from lms.submission.domain.submissions import Submission, WorkflowState
from lms_platform.kernel.errors import NotFound, PermissionDenied
from lms_platform.kernel.grading import AssignmentDates, GradingType
from lms_platform.kernel.membership import EnrollmentState, Membership, SectionRole
from lms_platform.kernel.permissions import Permission
from lms_platform.kernel.principal import Principal

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
COLLEGE = "college-a"
COURSE, OTHER_COURSE = uuid.uuid4(), uuid.uuid4()
SECTION, OTHER_SECTION = uuid.uuid4(), uuid.uuid4()


def _rules(**changes: object) -> AssignmentRules:
    rules = AssignmentRules(
        id=uuid.uuid4(), tenant_id=COLLEGE, course_id=COURSE, title="Essay", published=True,
        deleted=False, locked=False, dates=AssignmentDates(), overrides=(),
        points_possible=Decimal(10), grading_type=GradingType.POINTS,
        submission_kinds=frozenset({"text"}), file_rules=FileRules(), allowed_attempts=-1,
        anonymous_grading=True, grade_posting=GradePosting.MANUAL, version=1,
    )  # fmt: skip
    return replace(rules, **changes)  # type: ignore[arg-type]


def _member(
    user: UUID, role: SectionRole = SectionRole.STUDENT, *, section: UUID = SECTION,
    course: UUID = COURSE, state: EnrollmentState = EnrollmentState.ACTIVE,
) -> Membership:  # fmt: skip
    return Membership(COLLEGE, user, section, course, role, state)


class FakeCopies:
    def __init__(self, rules: AssignmentRules) -> None:
        self.kept = rules

    async def rules(self, tenant_id: str, assignment_id: UUID) -> AssignmentRules | None:
        ok = tenant_id == self.kept.tenant_id and assignment_id == self.kept.id
        return self.kept if ok else None


class FakeSubmissions:
    def __init__(self) -> None:
        self.rows: dict[tuple[UUID, UUID], Submission] = {}

    async def add_unsubmitted(self, submissions: Sequence[Submission]) -> int:
        created = 0
        for s in submissions:  # ON CONFLICT (tenant, assignment, student) DO NOTHING
            assert not s.attempts and s.state is WorkflowState.UNSUBMITTED
            if (s.assignment_id, s.student_id) not in self.rows:
                self.rows[(s.assignment_id, s.student_id)] = s
                created += 1
        return created


class FakeUnitOfWork:
    def __init__(self, rules: AssignmentRules) -> None:
        self.copies, self.submissions = FakeCopies(rules), FakeSubmissions()
        self.commits = 0

    async def rollback(self) -> None:
        pass

    async def commit(self) -> None:
        self.commits += 1


class FakeMemberships:
    def __init__(self, memberships: Sequence[Membership]) -> None:
        self._all = list(memberships)

    async def of_user(self, tenant_id: str, user_id: UUID) -> Sequence[Membership]:
        return [m for m in self._all if m.tenant_id == tenant_id and m.user_id == user_id]

    async def in_section(self, tenant_id: str, section_id: UUID) -> Sequence[Membership]:
        return [m for m in self._all if m.tenant_id == tenant_id and m.section_id == section_id]

    async def in_course(self, tenant_id: str, course_id: UUID) -> Sequence[Membership]:
        return [m for m in self._all if m.tenant_id == tenant_id and m.course_id == course_id]


class FixedClock:
    def now(self) -> datetime:
        return NOW


class Ids:
    def new_id(self) -> UUID:
        return uuid.uuid4()


TEACHER, TA, READONLY_TA = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
ADA, GRACE, ELSEWHERE, DROPPED, INVITED, STRANGER = (uuid.uuid4() for _ in range(6))
COURSE_PEOPLE = [
    _member(TEACHER, SectionRole.INSTRUCTOR),
    _member(TA, SectionRole.TEACHING_ASSISTANT),
    _member(READONLY_TA, SectionRole.TEACHING_ASSISTANT),
    _member(ADA),
    _member(GRACE),
    _member(ELSEWHERE, section=OTHER_SECTION),
    _member(DROPPED, state=EnrollmentState.DROPPED),
    _member(INVITED, state=EnrollmentState.INVITED),
    _member(STRANGER, course=OTHER_COURSE),
]
GRADE = (Permission.SUBMISSION_READ, Permission.SUBMISSION_GRADE)


def _principal(user: UUID, *permissions: str, college: str = COLLEGE) -> Principal:
    return Principal(str(user), college, permissions=frozenset(permissions))


def _use_case(rules: AssignmentRules) -> tuple[MakePlaceholders, FakeUnitOfWork]:
    uow = FakeUnitOfWork(rules)
    flow = MakePlaceholders(uow, FakeMemberships(COURSE_PEOPLE), FixedClock(), Ids())  # type: ignore[arg-type]
    return flow, uow


def test_the_expected_students_are_the_active_students_of_the_assigned_sections() -> None:
    assert set(expected_students(_rules(), COURSE_PEOPLE)) == {ADA, GRACE, ELSEWHERE}
    for_section = _rules(section_ids=(SECTION,))
    assert set(expected_students(for_section, COURSE_PEOPLE)) == {ADA, GRACE}
    assert expected_students(_rules(), COURSE_PEOPLE) == sorted({ADA, GRACE, ELSEWHERE})


async def test_every_expected_student_gets_one_unsubmitted_submission_once() -> None:
    rules = _rules(section_ids=(SECTION,))
    flow, uow = _use_case(rules)
    handed_in = Submission(
        id=uuid.uuid4(), tenant_id=COLLEGE, assignment_id=rules.id, course_id=COURSE,
        student_id=ADA, state=WorkflowState.SUBMITTED, created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    uow.submissions.rows[(rules.id, ADA)] = handed_in
    made = await flow(_principal(TA, *GRADE), rules.id)
    assert (made.created, made.students) == (1, 2)
    assert uow.submissions.rows[(rules.id, ADA)] is handed_in  # kept, not replaced
    grace = uow.submissions.rows[(rules.id, GRACE)]
    assert (grace.state, grace.attempts, grace.grade, grace.course_id) == (
        WorkflowState.UNSUBMITTED, [], None, COURSE,
    )  # fmt: skip
    again = await flow(_principal(TEACHER, *GRADE), rules.id)
    assert (again.created, again.students) == (0, 2)
    assert len(uow.submissions.rows) == 2


@pytest.mark.parametrize(
    ("caller", "refusal"),
    [
        (_principal(ADA, Permission.SUBMISSION_READ_OWN, Permission.SUBMISSION_CREATE), NotFound),
        (_principal(STRANGER, *GRADE), NotFound),  # not of this course
        (_principal(TA, *GRADE, college="college-b"), NotFound),  # another college
        (_principal(READONLY_TA, Permission.SUBMISSION_READ), PermissionDenied),
    ],
    ids=["student", "outsider", "other college", "readonly TA"],
)
async def test_only_graders_start_placeholders(caller: Principal, refusal: type[Exception]) -> None:
    rules = _rules()
    flow, uow = _use_case(rules)
    with pytest.raises(refusal):
        await flow(caller, rules.id)
    assert uow.submissions.rows == {} and uow.commits == 0


async def test_an_unpublished_assignment_is_409_and_a_deleted_one_404() -> None:
    unpublished = _rules(published=False)
    flow, uow = _use_case(unpublished)
    with pytest.raises(AssignmentNotPublished):
        await flow(_principal(TA, *GRADE), unpublished.id)
    deleted = _rules(deleted=True)
    flow, uow = _use_case(deleted)
    with pytest.raises(NotFound):
        await flow(_principal(TA, *GRADE), deleted.id)
    assert uow.submissions.rows == {} and uow.commits == 0

"""A course with two sections, its staff and students, on fakes of every port."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from lms.assignment.application.course_events import ApplyCourseSnapshot
from lms.assignment.application.creating import CreateAssignment
from lms.assignment.application.editing import DeleteAssignment, PatchAssignment, ReplaceAssignment
from lms.assignment.application.late_policies import GetLatePolicy, SetLatePolicy
from lms.assignment.application.overriding import (
    AddOverride,
    ChangeOverride,
    ListOverrides,
    RemoveOverride,
)
from lms.assignment.application.preview import PreviewLatePolicy
from lms.assignment.application.reading import GetAssignment
from lms.assignment.domain.courses import KnownCourse
from lms_platform.kernel.membership import SectionRole
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role
from tests.assignment.permissions import default_permissions
from tests.assignment.unit.builders import COLLEGE, COURSE, SECTION_A, SECTION_B, STUDENT, T0, day
from tests.assignment.unit.fakes import (
    FakeMemberships,
    FakeReader,
    FakeUnitOfWork,
    FixedClock,
    SequentialIds,
    Store,
)

INSTRUCTOR = uuid.UUID(int=2)
TA = uuid.UUID(int=3)
OTHER_STUDENT = uuid.UUID(int=4)  # in section B
OUTSIDER = uuid.UUID(int=5)  # in the college, not in the course


def principal(user: uuid.UUID | str, role: str, college: str = COLLEGE) -> Principal:
    roles = frozenset({role})
    return Principal(
        user_id=str(user), tenant_id=college, roles=roles, permissions=default_permissions(roles)
    )


@dataclass
class World:
    store: Store
    memberships: FakeMemberships
    clock: FixedClock
    ids: SequentialIds

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store)

    @property
    def reader(self) -> FakeReader:
        return FakeReader(self.store)

    def create(self) -> CreateAssignment:
        return CreateAssignment(self.uow(), self.reader, self.memberships, self.clock, self.ids)

    def get(self) -> GetAssignment:
        return GetAssignment(self.reader, self.memberships, self.clock)

    def replace(self) -> ReplaceAssignment:
        return ReplaceAssignment(self.uow(), self.memberships, self.clock)

    def patch(self) -> PatchAssignment:
        return PatchAssignment(self.uow(), self.memberships, self.clock)

    def delete(self) -> DeleteAssignment:
        return DeleteAssignment(self.uow(), self.memberships, self.clock)

    def add_override(self) -> AddOverride:
        return AddOverride(self.uow(), self.memberships, self.clock, self.ids)

    def change_override(self) -> ChangeOverride:
        return ChangeOverride(self.uow(), self.memberships, self.clock, self.ids)

    def remove_override(self) -> RemoveOverride:
        return RemoveOverride(self.uow(), self.memberships, self.clock, self.ids)

    def list_overrides(self) -> ListOverrides:
        return ListOverrides(self.reader, self.memberships, self.clock)

    def get_policy(self) -> GetLatePolicy:
        return GetLatePolicy(self.reader, self.memberships, self.clock)

    def set_policy(self) -> SetLatePolicy:
        return SetLatePolicy(self.uow(), self.memberships, self.clock)

    def preview(self) -> PreviewLatePolicy:
        return PreviewLatePolicy(self.reader, self.memberships, self.clock)

    def course_snapshot(self) -> ApplyCourseSnapshot:
        return ApplyCourseSnapshot(self.uow(), self.clock)


@pytest.fixture
def world() -> World:
    memberships = FakeMemberships()
    memberships.enroll(INSTRUCTOR, SECTION_A, COURSE, SectionRole.INSTRUCTOR)
    memberships.enroll(TA, SECTION_A, COURSE, SectionRole.TEACHING_ASSISTANT)
    memberships.enroll(STUDENT, SECTION_A, COURSE)
    memberships.enroll(OTHER_STUDENT, SECTION_B, COURSE)
    store = Store()
    store.courses[COURSE] = KnownCourse(
        tenant_id=COLLEGE, course_id=COURSE, status="published", version=1, updated_at=T0
    )
    return World(store, memberships, FixedClock(day(1)), SequentialIds())


@pytest.fixture
def instructor() -> Principal:
    return principal(INSTRUCTOR, Role.INSTRUCTOR)


@pytest.fixture
def ta() -> Principal:
    return principal(TA, Role.TEACHING_ASSISTANT)


@pytest.fixture
def student() -> Principal:
    return principal(STUDENT, Role.STUDENT)


@pytest.fixture
def other_student() -> Principal:
    return principal(OTHER_STUDENT, Role.STUDENT)

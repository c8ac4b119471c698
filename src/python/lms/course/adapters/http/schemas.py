"""Request and response bodies of the course API. Unknown fields are rejected, not ignored;
every string and list has a bound."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from lms.course.domain.content import Item, Module
from lms.course.domain.courses import Batch, Course, Term
from lms.course.domain.enrollments import Enrollment
from lms.course.domain.sections import MAX_CAPACITY, Section
from lms_platform.kernel.grading import MAX_LEVELS, MAX_NAME_LENGTH, GradingScheme

Code = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\- ]*$")
]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Description = Annotated[str, msgspec.Meta(max_length=10_000)]
Schedule = Annotated[str, msgspec.Meta(max_length=2_000)]
Capacity = Annotated[int, msgspec.Meta(ge=0, le=MAX_CAPACITY)]
Reference = Annotated[str, msgspec.Meta(max_length=2_048)]
Position = Annotated[int, msgspec.Meta(ge=0, le=10_000)]
CourseStatusName = Literal["draft", "published", "concluded", "archived"]
RoleName = Literal["student", "teaching_assistant", "instructor", "designer", "observer"]
StateName = Literal["invited", "waitlisted", "active", "completed", "dropped"]
NewStateName = Literal["invited", "active"]
ItemTypeName = Literal["page", "file", "link", "assignment", "external_tool"]


class _Request(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    def changes(self) -> dict[str, object]:
        return {
            name: value
            for name in self.__struct_fields__
            if (value := getattr(self, name)) is not UNSET
        }


class CreateTermRequest(_Request):
    name: Title
    start_date: date
    end_date: date


class TermResponse(msgspec.Struct, kw_only=True):
    id: UUID
    college_id: str
    name: str
    start_date: date
    end_date: date

    @classmethod
    def from_domain(cls, term: Term) -> TermResponse:
        return cls(id=term.id, college_id=term.tenant_id, name=term.name,
                   start_date=term.start_date, end_date=term.end_date)  # fmt: skip


class CreateBatchRequest(_Request):
    code: Code
    name: Title
    start_date: date | None = None
    end_date: date | None = None


class BatchResponse(msgspec.Struct, kw_only=True):
    id: UUID
    college_id: str
    code: str
    name: str
    start_date: date | None
    end_date: date | None

    @classmethod
    def from_domain(cls, batch: Batch) -> BatchResponse:
        return cls(id=batch.id, college_id=batch.tenant_id, code=batch.code, name=batch.name,
                   start_date=batch.start_date, end_date=batch.end_date)  # fmt: skip


class GradingLevelBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One letter of a grading scheme and the lowest percentage that earns it."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME_LENGTH)]
    min_percent: Annotated[float, msgspec.Meta(ge=0, le=100)]


GradingSchemeBody = Annotated[
    list[GradingLevelBody],
    msgspec.Meta(
        min_length=1,
        max_length=MAX_LEVELS,
        description=(
            "Letters from the highest down, each with the lowest percentage that earns it "
            "(at most two decimals): floors strictly decreasing, the last one 0, letters "
            "distinct. null: the default scheme."
        ),
    ),
]


def scheme_levels(body: list[GradingLevelBody] | None) -> list[tuple[str, float]] | None:
    return None if body is None else [(level.name, level.min_percent) for level in body]


def scheme_body(scheme: GradingScheme | None) -> list[GradingLevelBody] | None:
    if scheme is None:
        return None
    return [
        GradingLevelBody(name=lv.name, min_percent=float(lv.min_percent)) for lv in scheme.levels
    ]


class CreateCourseRequest(_Request):
    code: Code
    title: Title
    description: Description = ""
    term_id: UUID | None = None
    start_date: date | None = None
    end_date: date | None = None
    grading_scheme: GradingSchemeBody | None = None


class PatchCourseRequest(_Request):
    """Only the fields present change; ``status`` goes through the status machine."""

    code: Code | UnsetType = UNSET
    title: Title | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    term_id: UUID | None | UnsetType = UNSET
    start_date: date | None | UnsetType = UNSET
    end_date: date | None | UnsetType = UNSET
    grading_scheme: GradingSchemeBody | None | UnsetType = UNSET  # null: the default again
    status: CourseStatusName | UnsetType = UNSET


class CourseResponse(msgspec.Struct, kw_only=True):
    id: UUID
    college_id: str
    code: str
    title: str
    description: str
    term_id: UUID | None
    start_date: date | None
    end_date: date | None
    status: str
    owner_id: str
    created_at: datetime
    updated_at: datetime
    version: int
    grading_scheme: list[GradingLevelBody] | None  # null: the default scheme

    @classmethod
    def from_domain(cls, course: Course) -> CourseResponse:
        return cls(
            id=course.id, college_id=course.tenant_id, code=course.code, title=course.title,
            description=course.description, term_id=course.term_id,
            start_date=course.start_date, end_date=course.end_date, status=course.status.value,
            owner_id=course.owner_id, created_at=course.created_at, updated_at=course.updated_at,
            version=course.version, grading_scheme=scheme_body(course.grading_scheme),
        )  # fmt: skip


class CreateSectionRequest(_Request):
    course_id: UUID
    code: Code
    name: Title
    batch_id: UUID | None = None
    capacity: Capacity | None = None
    waitlist: bool = False
    schedule: Schedule = ""
    start_date: date | None = None
    end_date: date | None = None


class PatchSectionRequest(_Request):
    code: Code | UnsetType = UNSET
    name: Title | UnsetType = UNSET
    batch_id: UUID | None | UnsetType = UNSET
    capacity: Capacity | None | UnsetType = UNSET
    waitlist: bool | UnsetType = UNSET
    schedule: Schedule | UnsetType = UNSET
    start_date: date | None | UnsetType = UNSET
    end_date: date | None | UnsetType = UNSET


class SectionResponse(msgspec.Struct, kw_only=True):
    id: UUID
    college_id: str
    course_id: UUID
    batch_id: UUID | None
    code: str
    name: str
    capacity: int | None
    waitlist: bool
    schedule: str
    start_date: date | None
    end_date: date | None
    version: int

    @classmethod
    def from_domain(cls, section: Section) -> SectionResponse:
        return cls(
            id=section.id, college_id=section.tenant_id, course_id=section.course_id,
            batch_id=section.batch_id, code=section.code, name=section.name,
            capacity=section.capacity, waitlist=section.waitlist, schedule=section.schedule,
            start_date=section.start_date, end_date=section.end_date, version=section.version,
        )  # fmt: skip


class EnrollRequest(_Request):
    user_id: UUID
    role: RoleName = "student"
    state: NewStateName = "active"
    observed_user_id: UUID | None = None


class BulkEnrollRequest(_Request):
    items: Annotated[list[EnrollRequest], msgspec.Meta(min_length=1, max_length=200)]


class PatchEnrollmentRequest(_Request):
    role: RoleName | UnsetType = UNSET
    observed_user_id: UUID | None | UnsetType = UNSET
    state: StateName | UnsetType = UNSET


class EnrollmentResponse(msgspec.Struct, kw_only=True):
    id: UUID
    college_id: str
    section_id: UUID
    course_id: UUID
    user_id: UUID
    role: str
    state: str
    observed_user_id: UUID | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    version: int

    @classmethod
    def from_domain(cls, e: Enrollment) -> EnrollmentResponse:
        return cls(
            id=e.id, college_id=e.tenant_id, section_id=e.section_id, course_id=e.course_id,
            user_id=e.user_id, role=e.role.value, state=e.state.value,
            observed_user_id=e.observed_user_id, created_at=e.created_at,
            updated_at=e.updated_at, deleted_at=e.deleted_at, version=e.version,
        )  # fmt: skip


class BulkItemResult(msgspec.Struct, kw_only=True):
    index: int
    user_id: UUID
    outcome: Literal["enrolled", "waitlisted", "failed"]
    enrollment: EnrollmentResponse | None = None
    code: str | None = None
    detail: str | None = None


class BulkEnrollResponse(msgspec.Struct, kw_only=True):
    enrolled: int
    waitlisted: int
    failed: int
    items: list[BulkItemResult]


class MySectionResponse(msgspec.Struct, kw_only=True):
    section: SectionResponse
    role: str
    state: str
    enrollment_id: UUID


class MyCourseResponse(msgspec.Struct, kw_only=True):
    course: CourseResponse
    roles: list[str]
    sections: list[MySectionResponse]


class MyCoursesResponse(msgspec.Struct, kw_only=True):
    items: list[MyCourseResponse]


class EnrollmentFeedResponse(msgspec.Struct, kw_only=True):
    items: list[EnrollmentResponse]
    next_cursor: str | None


class CreateModuleRequest(_Request):
    title: Title
    published: bool = False
    prerequisite_ids: Annotated[list[UUID], msgspec.Meta(max_length=50)] = msgspec.field(
        default_factory=list
    )


class PatchModuleRequest(_Request):
    title: Title | UnsetType = UNSET
    position: Position | UnsetType = UNSET
    published: bool | UnsetType = UNSET
    prerequisite_ids: Annotated[list[UUID], msgspec.Meta(max_length=50)] | UnsetType = UNSET


class CreateItemRequest(_Request):
    title: Title
    type: ItemTypeName
    published: bool = False
    unlock_at: datetime | None = None
    reference: Reference | None = None


class PatchItemRequest(_Request):
    title: Title | UnsetType = UNSET
    type: ItemTypeName | UnsetType = UNSET
    published: bool | UnsetType = UNSET
    unlock_at: datetime | None | UnsetType = UNSET
    reference: Reference | None | UnsetType = UNSET


class ReorderItemsRequest(_Request):
    item_ids: Annotated[list[UUID], msgspec.Meta(max_length=1_000)]


class ItemResponse(msgspec.Struct, kw_only=True):
    id: UUID
    module_id: UUID
    title: str
    type: str
    position: int
    published: bool
    unlock_at: datetime | None
    reference: str | None

    @classmethod
    def from_domain(cls, item: Item) -> ItemResponse:
        return cls(id=item.id, module_id=item.module_id, title=item.title, type=item.type.value,
                   position=item.position, published=item.published, unlock_at=item.unlock_at,
                   reference=item.reference)  # fmt: skip


class ModuleResponse(msgspec.Struct, kw_only=True):
    id: UUID
    course_id: UUID
    title: str
    position: int
    published: bool
    prerequisite_ids: list[UUID]
    items: list[ItemResponse]

    @classmethod
    def from_domain(cls, module: Module, items: list[Item] | None = None) -> ModuleResponse:
        return cls(id=module.id, course_id=module.course_id, title=module.title,
                   position=module.position, published=module.published,
                   prerequisite_ids=list(module.prerequisite_ids),
                   items=[ItemResponse.from_domain(i) for i in items or []])  # fmt: skip


class ModuleListResponse(msgspec.Struct, kw_only=True):
    items: list[ModuleResponse]


class ItemListResponse(msgspec.Struct, kw_only=True):
    items: list[ItemResponse]

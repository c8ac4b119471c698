"""Facts this service tells others.

``course.*`` and ``section.*`` go to topic ``course`` keyed by the course id; ``enrollment.*``
to topic ``enrollment`` keyed by the section id, so each section's membership stays in order.
An enrollment event carries the whole enrollment: a consumer keeps its membership read model
from these alone (newest ``version`` wins; ``deleted_at`` set means gone).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from lms.course.domain.courses import Course
from lms.course.domain.enrollments import Enrollment
from lms.course.domain.sections import Section
from lms_platform.kernel.events import DomainEvent

COURSE_TOPIC = "course"
ENROLLMENT_TOPIC = "enrollment"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def course_snapshot(course: Course) -> dict[str, Any]:
    return {
        "id": str(course.id),
        "code": course.code,
        "title": course.title,
        "term_id": str(course.term_id) if course.term_id else None,
        "start_date": _iso(course.start_date),
        "end_date": _iso(course.end_date),
        "status": course.status.value,
        "owner_id": course.owner_id,
        # Null: the default scheme. Else [{"name", "min_percent"}], highest first, the last 0.
        "grading_scheme": course.grading_scheme.to_json() if course.grading_scheme else None,
        "version": course.version,
        "updated_at": course.updated_at.isoformat(),
    }


def section_snapshot(section: Section) -> dict[str, Any]:
    return {
        "id": str(section.id),
        "course_id": str(section.course_id),
        "batch_id": str(section.batch_id) if section.batch_id else None,
        "code": section.code,
        "name": section.name,
        "capacity": section.capacity,
        "start_date": _iso(section.start_date),
        "end_date": _iso(section.end_date),
        "version": section.version,
        "updated_at": section.updated_at.isoformat(),
    }


def enrollment_snapshot(enrollment: Enrollment) -> dict[str, Any]:
    return {
        "id": str(enrollment.id),
        "user_id": str(enrollment.user_id),
        "section_id": str(enrollment.section_id),
        "course_id": str(enrollment.course_id),
        "role": enrollment.role.value,
        "state": enrollment.state.value,
        "observed_user_id": (
            str(enrollment.observed_user_id) if enrollment.observed_user_id else None
        ),
        "version": enrollment.version,
        "created_at": enrollment.created_at.isoformat(),
        "updated_at": enrollment.updated_at.isoformat(),
        "deleted_at": _iso(enrollment.deleted_at),
    }


@dataclass(frozen=True, kw_only=True)
class CourseEvent(DomainEvent):
    topic: ClassVar[str] = COURSE_TOPIC
    course: dict[str, Any]
    changed_fields: list[str]


class CourseCreated(CourseEvent):
    event_type: ClassVar[str] = "course.created"


class CourseUpdated(CourseEvent):
    event_type: ClassVar[str] = "course.updated"


class CoursePublished(CourseEvent):
    event_type: ClassVar[str] = "course.published"


class CourseConcluded(CourseEvent):
    event_type: ClassVar[str] = "course.concluded"


class CourseArchived(CourseEvent):
    event_type: ClassVar[str] = "course.archived"


class CourseDeleted(CourseEvent):
    event_type: ClassVar[str] = "course.deleted"


STATUS_EVENTS: dict[str, type[CourseEvent]] = {
    "published": CoursePublished,
    "concluded": CourseConcluded,
    "archived": CourseArchived,
}


def course_event(kind: type[CourseEvent], course: Course, changed: list[str] = ()) -> CourseEvent:  # type: ignore[assignment]
    return kind(
        aggregate_id=str(course.id),
        tenant_id=course.tenant_id,
        course=course_snapshot(course),
        changed_fields=sorted(changed),
    )


@dataclass(frozen=True, kw_only=True)
class SectionEvent(DomainEvent):
    """Keyed by the course id: a course's sections stay in order with the course's events."""

    topic: ClassVar[str] = COURSE_TOPIC
    course_id: str
    section: dict[str, Any]
    changed_fields: list[str]

    @property
    def partition_key(self) -> str:
        return self.course_id


class SectionCreated(SectionEvent):
    event_type: ClassVar[str] = "section.created"


class SectionUpdated(SectionEvent):
    event_type: ClassVar[str] = "section.updated"


class SectionDeleted(SectionEvent):
    event_type: ClassVar[str] = "section.deleted"


def section_event(kind: type[SectionEvent], section: Section, changed: list[str] = ()) -> SectionEvent:  # type: ignore[assignment]
    return kind(
        aggregate_id=str(section.id),
        tenant_id=section.tenant_id,
        course_id=str(section.course_id),
        section=section_snapshot(section),
        changed_fields=sorted(changed),
    )


@dataclass(frozen=True, kw_only=True)
class EnrollmentEvent(DomainEvent):
    """Subject: the enrollment id; key: the section id."""

    topic: ClassVar[str] = ENROLLMENT_TOPIC
    section_id: str
    enrollment: dict[str, Any]
    changed_fields: list[str]

    @property
    def partition_key(self) -> str:
        return self.section_id


class EnrollmentCreated(EnrollmentEvent):
    event_type: ClassVar[str] = "enrollment.created"


class EnrollmentUpdated(EnrollmentEvent):
    event_type: ClassVar[str] = "enrollment.updated"


class EnrollmentDeleted(EnrollmentEvent):
    event_type: ClassVar[str] = "enrollment.deleted"


def enrollment_event(
    kind: type[EnrollmentEvent], enrollment: Enrollment, changed: list[str] = ()  # type: ignore[assignment]
) -> EnrollmentEvent:
    return kind(
        aggregate_id=str(enrollment.id),
        tenant_id=enrollment.tenant_id,
        section_id=str(enrollment.section_id),
        enrollment=enrollment_snapshot(enrollment),
        changed_fields=sorted(changed),
    )

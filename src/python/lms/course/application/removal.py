"""Taking enrollments and sections away with their events, for the flows that delete."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from lms.course.application.ports import CatalogueStore
from lms.course.domain.enrollments import Enrollment
from lms.course.domain.events import (
    EnrollmentDeleted,
    SectionDeleted,
    enrollment_event,
    section_event,
)
from lms.course.domain.sections import Section


async def remove_enrollments(
    store: CatalogueStore, enrollments: Sequence[Enrollment], now: datetime
) -> None:
    """Tombstones: the rows stay (for the snapshot feed) with ``deleted_at`` set."""
    for enrollment in enrollments:
        enrollment.remove(now)
        await store.enrollments.save(enrollment)
        store.record(enrollment_event(EnrollmentDeleted, enrollment, ["deleted_at"]))


async def remove_sections(
    store: CatalogueStore, sections: Sequence[Section], now: datetime
) -> None:
    for section in sections:
        section.deleted_at = now
        section.updated_at = now
        section.version += 1
        await store.sections.save(section)
        store.record(section_event(SectionDeleted, section, ["deleted_at"]))

"""The part of the course service's enrollment events a membership read model needs
(docs/services/course.md, "The enrollment payload"); other fields are ignored."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from lms_platform.kernel.membership import EnrollmentState, SectionRole

ENROLLMENT_EVENT_TYPES = frozenset(
    {"enrollment.created", "enrollment.updated", "enrollment.deleted"}
)


class EnrollmentSnapshot(msgspec.Struct, kw_only=True):
    """The whole enrollment after the change, as every event (and the snapshot feed) carries."""

    id: UUID
    user_id: UUID
    section_id: UUID
    course_id: UUID
    role: SectionRole
    state: EnrollmentState
    version: int
    updated_at: datetime
    observed_user_id: UUID | None = None
    deleted_at: datetime | None = None


class EnrollmentEvent(msgspec.Struct, kw_only=True):
    enrollment: EnrollmentSnapshot

"""The courses this service knows, from the course service's ``course.*`` events: just enough
to refuse assignments in a course that does not exist here or is archived. Each event carries
the whole course with its version, so the highest version wins whatever the arrival order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

ARCHIVED = "archived"


@dataclass(slots=True, kw_only=True)
class KnownCourse:
    tenant_id: str
    course_id: UUID
    status: str
    version: int
    updated_at: datetime
    deleted: bool = False

    @property
    def is_archived(self) -> bool:
        return self.status == ARCHIVED

    @property
    def takes_assignments(self) -> bool:
        return not (self.deleted or self.is_archived)

    def is_newer(self, other: KnownCourse | None) -> bool:
        return other is None or self.version > other.version

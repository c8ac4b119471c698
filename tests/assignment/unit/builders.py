"""Small builders for assignments in unit tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from lms.assignment.domain.assignments import Assignment, AssignmentContent
from lms_platform.kernel.grading import AssignmentDates

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
COLLEGE = "college-a"
COURSE = uuid.UUID(int=100)
SECTION_A = uuid.UUID(int=10)
SECTION_B = uuid.UUID(int=11)
STUDENT = uuid.UUID(int=1)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def content(**fields: Any) -> AssignmentContent:
    values: dict[str, Any] = {
        "title": "Essay 1",
        "points_possible": Decimal(10),
        "dates": AssignmentDates(unlock_at=day(0), due_at=day(7), lock_at=day(9)),
    }
    values.update(fields)
    return AssignmentContent(**values)


def assignment(*, publish: bool = True, **fields: Any) -> Assignment:
    return Assignment.create(
        id=uuid.uuid4(),
        tenant_id=COLLEGE,
        course_id=COURSE,
        content=content(**fields),
        publish=publish,
        created_by="teacher",
        now=T0 - timedelta(days=1),
    )

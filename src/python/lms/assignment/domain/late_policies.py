"""A course's late policy (one per course). The rule it feeds is the kernel's
(``lms_platform.kernel.grading.evaluate``), shared with the submission service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lms_platform.kernel.grading import NO_LATE_POLICY, LatePolicy


@dataclass(slots=True, kw_only=True)
class CourseLatePolicy:
    tenant_id: str
    course_id: UUID
    policy: LatePolicy
    updated_by: str
    updated_at: datetime
    version: int = 1

    @classmethod
    def default(cls, tenant_id: str, course_id: UUID, now: datetime) -> CourseLatePolicy:
        """What a course has before anyone set a policy: nothing is deducted."""
        return cls(
            tenant_id=tenant_id,
            course_id=course_id,
            policy=NO_LATE_POLICY,
            updated_by="",
            updated_at=now,
            version=0,
        )

    def change(self, policy: LatePolicy, by: str, now: datetime) -> bool:
        if policy == self.policy:
            return False
        self.policy = policy
        self.updated_by = by
        self.updated_at = now
        self.version += 1
        return True

"""Platform-wide roles. The auth service maps each role to fine-grained permissions."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    SUPER_ADMIN = "super_admin"
    COLLEGE_ADMIN = "college_admin"
    INSTRUCTOR = "instructor"
    TEACHING_ASSISTANT = "teaching_assistant"
    STUDENT = "student"


ALL_ROLES: frozenset[str] = frozenset(role.value for role in Role)
STAFF_ROLES: frozenset[str] = frozenset(
    {Role.SUPER_ADMIN, Role.COLLEGE_ADMIN, Role.INSTRUCTOR, Role.TEACHING_ASSISTANT}
)

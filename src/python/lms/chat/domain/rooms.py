"""Rooms: one per course and per section (their members follow the membership read model), and
direct or group conversations whose members are listed. Rooms of one college never see another's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

# Fixed, so every process derives the same room id from the same course or section.
_ROOM_NAMESPACE = uuid.UUID("7c1f6a5e-3d0b-4c55-9a57-2c0f4a9b7e10")
MAX_GROUP_MEMBERS = 50
MAX_TITLE_LENGTH = 120


class RoomKind(StrEnum):
    COURSE = "course"
    SECTION = "section"
    DIRECT = "direct"
    GROUP = "group"

    @property
    def follows_enrollments(self) -> bool:
        return self in (RoomKind.COURSE, RoomKind.SECTION)


def course_room_id(tenant_id: str, course_id: UUID) -> UUID:
    return uuid.uuid5(_ROOM_NAMESPACE, f"{tenant_id}/course/{course_id}")


def section_room_id(tenant_id: str, section_id: UUID) -> UUID:
    return uuid.uuid5(_ROOM_NAMESPACE, f"{tenant_id}/section/{section_id}")


@dataclass(frozen=True, slots=True)
class Room:
    id: UUID
    tenant_id: str
    kind: RoomKind
    title: str
    course_id: UUID | None = None
    section_id: UUID | None = None
    created_by: UUID | None = None
    last_seq: int = 0
    # Policy: the message body goes into chat.* events only when the room allows it.
    body_in_events: bool = False


def course_room(tenant_id: str, course_id: UUID) -> Room:
    return Room(
        id=course_room_id(tenant_id, course_id),
        tenant_id=tenant_id,
        kind=RoomKind.COURSE,
        title=f"course {course_id}",
        course_id=course_id,
    )


def section_room(tenant_id: str, course_id: UUID, section_id: UUID) -> Room:
    return Room(
        id=section_room_id(tenant_id, section_id),
        tenant_id=tenant_id,
        kind=RoomKind.SECTION,
        title=f"section {section_id}",
        course_id=course_id,
        section_id=section_id,
    )

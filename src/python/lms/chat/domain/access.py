"""Who may do what in a room: pure rules over the room, the caller's memberships and roles.

- Course room: every active member of any section of the course reads and posts; staff of any
  of its sections moderate.
- Section room: the section's active members read and post; its staff moderate.
- Direct and group rooms: their listed members read and post; nobody moderates.
- College admins read and moderate every room of their college (they post only where members).
- Observers read their section's and course's rooms, and never post.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from uuid import UUID

from lms.chat.domain.rooms import Room, RoomKind
from lms_platform.kernel.membership import Membership, SectionRole


@dataclass(frozen=True, slots=True)
class RoomAccess:
    read: bool = False
    post: bool = False
    moderate: bool = False


NO_ACCESS = RoomAccess()


def _relevant(room: Room, memberships: Iterable[Membership]) -> list[Membership]:
    if room.kind is RoomKind.SECTION:
        return [m for m in memberships if m.section_id == room.section_id and m.is_active]
    return [m for m in memberships if m.course_id == room.course_id and m.is_active]


def access_to(
    room: Room,
    user_id: UUID | None,
    memberships: Iterable[Membership],
    *,
    listed_members: Collection[UUID] = (),
    college_admin: bool = False,
) -> RoomAccess:
    """``memberships`` are the caller's own, of the room's college."""
    if room.kind.follows_enrollments:
        mine = _relevant(room, memberships)
        staff = any(m.is_staff for m in mine)
        posting = any(m.role is not SectionRole.OBSERVER for m in mine)
        access = RoomAccess(read=bool(mine), post=posting, moderate=staff)
    else:
        member = user_id is not None and user_id in listed_members
        access = RoomAccess(read=member, post=member)
    if college_admin:
        return RoomAccess(read=True, post=access.post, moderate=room.kind.follows_enrollments)
    return access

"""My rooms (with unread counts and the last message), and direct or group conversations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from lms.chat.application.access import caller_id
from lms.chat.application.ports import ChatStore, RoomSummary
from lms.chat.domain.events import RoomCreated
from lms.chat.domain.rooms import (
    MAX_GROUP_MEMBERS,
    MAX_TITLE_LENGTH,
    Room,
    RoomKind,
    course_room,
    section_room,
)
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.membership import MembershipReader
from lms_platform.kernel.ports import IdGenerator
from lms_platform.kernel.principal import Principal


async def ensure_enrollment_rooms(
    store: ChatStore, tenant_id: str, course_id: UUID, section_id: UUID
) -> None:
    """The course's and the section's rooms exist from the first enrollment on."""
    for room in (course_room(tenant_id, course_id), section_room(tenant_id, course_id, section_id)):
        if await store.add_room_if_missing(room):
            store.record(
                RoomCreated(
                    aggregate_id=str(room.id), tenant_id=tenant_id, room_id=str(room.id),
                    kind=room.kind.value, course_id=str(course_id),
                    section_id=str(room.section_id) if room.section_id else None,
                )
            )  # fmt: skip


class MyRooms:
    def __init__(self, store: ChatStore, memberships: MembershipReader) -> None:
        self._store = store
        self._memberships = memberships

    async def __call__(self, principal: Principal) -> Sequence[RoomSummary]:
        user_id = caller_id(principal)
        tenant = principal.tenant_id
        mine = [m for m in await self._memberships.of_user(tenant, user_id) if m.is_active]
        for membership in mine:
            await ensure_enrollment_rooms(
                self._store, tenant, membership.course_id, membership.section_id
            )
        await self._store.commit()
        ids: list[UUID] = []
        for membership in mine:
            for room in (
                course_room(tenant, membership.course_id),
                section_room(tenant, membership.course_id, membership.section_id),
            ):
                if room.id not in ids:
                    ids.append(room.id)
        ids += [i for i in await self._store.rooms_listing(tenant, user_id) if i not in ids]
        return await self._store.summaries(tenant, ids, user_id)


@dataclass(frozen=True, slots=True)
class NewConversation:
    kind: RoomKind
    member_ids: Sequence[UUID]
    title: str | None = None


class CreateConversation:
    """A direct room (exactly one other person) or a group; members are of the caller's college
    by construction: the room belongs to it, and tokens of another college never reach it."""

    def __init__(self, store: ChatStore, ids: IdGenerator) -> None:
        self._store = store
        self._ids = ids

    async def __call__(self, principal: Principal, new: NewConversation) -> Room:
        user_id = caller_id(principal)
        others = list(dict.fromkeys(m for m in new.member_ids if m != user_id))
        if new.kind is RoomKind.DIRECT and len(others) != 1:
            raise InvalidInput("a direct room has exactly one other member", field="member_ids")
        if new.kind is RoomKind.GROUP and not 1 <= len(others) < MAX_GROUP_MEMBERS:
            raise InvalidInput(
                f"a group has 2 to {MAX_GROUP_MEMBERS} members, you included", field="member_ids"
            )
        if new.kind.follows_enrollments:
            raise InvalidInput("course and section rooms follow enrollments", field="kind")
        title = (new.title or "").strip()
        if len(title) > MAX_TITLE_LENGTH:
            raise InvalidInput(f"a title has at most {MAX_TITLE_LENGTH} characters", field="title")
        members = [user_id, *others]
        room = Room(
            id=self._ids.new_id(), tenant_id=principal.tenant_id, kind=new.kind,
            title=title or new.kind.value, created_by=user_id,
        )  # fmt: skip
        await self._store.add_room_if_missing(room, members)
        self._store.record(
            RoomCreated(
                aggregate_id=str(room.id), tenant_id=room.tenant_id, room_id=str(room.id),
                kind=room.kind.value, member_count=len(members),
            )
        )  # fmt: skip
        await self._store.commit()
        return room

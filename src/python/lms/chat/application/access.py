"""Opening a room for a caller: another college's room, or one that does not exist, is 404;
a room of the caller's college that they are not in is 403. Decided on every call, from the
membership read model as it is now, so a dropped student is refused at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from lms.chat.application.errors import NotAllowed, RoomNotFound
from lms.chat.application.ports import ChatStore
from lms.chat.domain.access import RoomAccess, access_to
from lms.chat.domain.rooms import Room
from lms_platform.kernel.membership import MembershipReader
from lms_platform.kernel.permissions import Permission
from lms_platform.kernel.principal import Principal


def caller_id(principal: Principal) -> UUID:
    """The caller as a chat participant: a person with ``chat:participate``."""
    if not (principal.is_super_admin or principal.has_permission(Permission.CHAT_PARTICIPATE)):
        raise NotAllowed("chat:participate is required")
    try:
        return UUID(principal.user_id)
    except ValueError:  # an API key or a service: they do not chat
        raise NotAllowed("only people chat") from None


def is_college_admin(principal: Principal, tenant_id: str) -> bool:
    return principal.is_admin_of(tenant_id) and principal.tenant_id == tenant_id


@dataclass(frozen=True, slots=True)
class OpenRoom:
    room: Room
    access: RoomAccess
    user_id: UUID


class RoomGate:
    def __init__(self, store: ChatStore, memberships: MembershipReader) -> None:
        self._store = store
        self._memberships = memberships

    async def access(self, principal: Principal, room: Room) -> RoomAccess:
        user_id = caller_id(principal)
        listed = (
            set() if room.kind.follows_enrollments else await self._store.listed_members(room.id)
        )
        mine = await self._memberships.of_user(room.tenant_id, user_id)
        return access_to(
            room, user_id, mine, listed_members=listed,
            college_admin=is_college_admin(principal, room.tenant_id),
        )  # fmt: skip

    async def readers(self, room: Room, user_ids: Sequence[UUID]) -> list[UUID]:
        """Those of ``user_ids`` who may read ``room`` as members, in the given order (a
        college admin reads every room but is not a member: left out)."""
        if not user_ids:
            return []
        listed = (
            set() if room.kind.follows_enrollments else await self._store.listed_members(room.id)
        )
        found = []
        for user_id in user_ids:
            mine = (
                await self._memberships.of_user(room.tenant_id, user_id)
                if room.kind.follows_enrollments
                else ()
            )
            if access_to(room, user_id, mine, listed_members=listed).read:
                found.append(user_id)
        return found

    async def open(self, principal: Principal, room_id: UUID, *, need: str = "read") -> OpenRoom:
        """``need`` is ``read``, ``post`` or ``moderate``."""
        room = await self._store.room(principal.tenant_id, room_id)
        return await self.admit(principal, room, need=need)

    async def admit(self, principal: Principal, room: Room | None, *, need: str) -> OpenRoom:
        """``open`` for a room the caller has read already (None: not found in their college)."""
        user_id = caller_id(principal)
        if room is None:
            raise RoomNotFound()
        access = await self.access(principal, room)
        if not access.read:
            raise NotAllowed("you are not a member of this room")
        if not getattr(access, need):
            raise NotAllowed(f"you may not {need} in this room")
        return OpenRoom(room, access, user_id)

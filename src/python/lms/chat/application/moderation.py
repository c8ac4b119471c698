"""Muting a member of a room for a time (the room's moderators: course staff, college admins)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from lms.chat.application.access import RoomGate
from lms.chat.application.ports import ChatStore, LiveFanout
from lms.chat.domain.events import MemberMuted
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.ports import Clock
from lms_platform.kernel.principal import Principal

MAX_MUTE_MINUTES = 7 * 24 * 60


class MuteMember:
    def __init__(self, store: ChatStore, gate: RoomGate, fanout: LiveFanout, clock: Clock) -> None:
        self._store, self._gate, self._fanout, self._clock = store, gate, fanout, clock

    async def __call__(
        self, principal: Principal, room_id: UUID, user_id: UUID, minutes: int
    ) -> datetime:
        if not 1 <= minutes <= MAX_MUTE_MINUTES:
            raise InvalidInput(f"minutes must be 1 to {MAX_MUTE_MINUTES}", field="minutes")
        opened = await self._gate.open(principal, room_id, need="moderate")
        until = self._clock.now() + timedelta(minutes=minutes)
        await self._store.mute(room_id, user_id, until, opened.user_id)
        self._store.record(
            MemberMuted(
                aggregate_id=str(room_id), tenant_id=principal.tenant_id, room_id=str(room_id),
                user_id=str(user_id), muted_by=str(opened.user_id), until=until.isoformat(),
            )
        )  # fmt: skip
        await self._store.commit()
        await self._fanout.muted(principal.tenant_id, room_id, user_id, until)
        return until

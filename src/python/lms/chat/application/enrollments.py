"""An enrollment changed (the course service's ``enrollment.*``): the read model moves, the
course's and section's rooms exist, and a member who lost access is cut off live."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from lms.chat.application.ports import ChatStore, LiveFanout
from lms.chat.application.rooms import ensure_enrollment_rooms


class AccessChange(Protocol):
    @property
    def lost_access(self) -> bool: ...


class MembershipProjection(Protocol):
    async def apply(self, tenant_id: str, snapshot: object) -> AccessChange | None: ...


class ApplyEnrollment:
    def __init__(
        self, store: ChatStore, projection: MembershipProjection, fanout: LiveFanout
    ) -> None:
        self._store, self._projection, self._fanout = store, projection, fanout

    async def __call__(
        self, tenant_id: str, user_id: UUID, course_id: UUID, section_id: UUID, snapshot: object
    ) -> None:
        change = await self._projection.apply(tenant_id, snapshot)
        if change is not None:  # None: a replay or out of order, nothing changed
            await ensure_enrollment_rooms(self._store, tenant_id, course_id, section_id)
        # Commits the consumer's processed-message record too, stale or not.
        await self._store.commit()
        if change is not None and change.lost_access:
            await self._fanout.access_lost(tenant_id, user_id)

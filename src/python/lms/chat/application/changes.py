"""Editing and deleting messages, softly: the sequence number stays, the change goes live."""

from __future__ import annotations

import dataclasses
from uuid import UUID

from lms.chat.application.access import RoomGate
from lms.chat.application.errors import MessageNotFound, NotAllowed
from lms.chat.application.ports import ChatStore, LiveFanout
from lms.chat.domain.events import MessageDeleted, MessageEdited
from lms.chat.domain.messages import Message, checked_body
from lms_platform.kernel.ports import Clock
from lms_platform.kernel.principal import Principal


class _Change:
    def __init__(self, store: ChatStore, gate: RoomGate, fanout: LiveFanout, clock: Clock) -> None:
        self._store, self._gate, self._fanout, self._clock = store, gate, fanout, clock

    async def _live_message(self, principal: Principal, message_id: UUID) -> Message:
        message = await self._store.message(principal.tenant_id, message_id)
        if message is None or message.is_deleted:
            raise MessageNotFound()
        return message


class EditMessage(_Change):
    """Only the sender edits, while still allowed to post in the room."""

    async def __call__(self, principal: Principal, message_id: UUID, body: str) -> Message:
        text = checked_body(body)
        message = await self._live_message(principal, message_id)
        opened = await self._gate.open(principal, message.room_id, need="post")
        if message.sender_id != opened.user_id:
            raise NotAllowed("only the sender edits a message")
        edited = dataclasses.replace(message, body=text, edited_at=self._clock.now())
        await self._store.save_message(edited)
        self._store.record(
            MessageEdited(
                aggregate_id=str(message.room_id), tenant_id=message.tenant_id,
                room_id=str(message.room_id), seq=message.seq, editor_id=str(opened.user_id),
                length=len(text), body=text if opened.room.body_in_events else None,
            )
        )  # fmt: skip
        await self._store.commit()
        await self._fanout.changed(edited, "edited")
        return edited


class DeleteMessage(_Change):
    """The sender deletes their own; the room's moderators delete any."""

    async def __call__(self, principal: Principal, message_id: UUID) -> Message:
        message = await self._live_message(principal, message_id)
        opened = await self._gate.open(principal, message.room_id)
        own = message.sender_id == opened.user_id
        if not (own and opened.access.post) and not opened.access.moderate:
            raise NotAllowed("only the sender or a moderator deletes a message")
        deleted = dataclasses.replace(message, deleted_at=self._clock.now())
        await self._store.save_message(deleted)
        self._store.record(
            MessageDeleted(
                aggregate_id=str(message.room_id), tenant_id=message.tenant_id,
                room_id=str(message.room_id), seq=message.seq, deleted_by=str(opened.user_id),
                by_moderator=not own,
            )
        )  # fmt: skip
        await self._store.commit()
        await self._fanout.changed(deleted, "deleted")
        return deleted

"""Posting a message: checked, numbered and stored (with its event in the outbox) before it is
fanned out; a resend with the same client id gets the first message back, not a second one.
Members it mentions (``@<user id>``) who may read the room are named in ``chat.mentioned``."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from lms.chat.application.access import RoomGate
from lms.chat.application.errors import Muted, RateLimited
from lms.chat.application.ports import ChatStore, LiveFanout, RateLimiter
from lms.chat.domain.events import Mentioned, MessagePosted
from lms.chat.domain.mentions import mentioned_ids
from lms.chat.domain.messages import Message, checked_body, checked_client_id
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal


@dataclass(frozen=True, slots=True)
class PostLimits:
    messages_per_window: int = 30
    window_seconds: int = 10


@dataclass(frozen=True, slots=True)
class Posted:
    message: Message
    duplicate: bool


class PostMessage:
    def __init__(
        self, store: ChatStore, gate: RoomGate, fanout: LiveFanout, limiter: RateLimiter,
        clock: Clock, ids: IdGenerator, limits: PostLimits,
    ) -> None:  # fmt: skip
        self._store, self._gate, self._fanout = store, gate, fanout
        self._limiter, self._clock, self._ids, self._limits = limiter, clock, ids, limits

    async def __call__(
        self, principal: Principal, room_id: UUID, body: str, client_id: str | None = None
    ) -> Posted:
        text = checked_body(body)
        client_id = checked_client_id(client_id)
        opened = await self._gate.open(principal, room_id, need="post")
        user_id = opened.user_id
        if client_id is not None:
            earlier = await self._store.message_by_client_id(room_id, user_id, client_id)
            if earlier is not None:
                return Posted(earlier, duplicate=True)
        now = self._clock.now()
        until = await self._store.muted_until(room_id, user_id)
        if until is not None and until > now:
            raise Muted("you are muted in this room", extra={"until": until.isoformat()})
        limits = self._limits
        key = f"{principal.tenant_id}:{user_id}"
        if not await self._limiter.allow(key, limits.messages_per_window, limits.window_seconds):
            raise RateLimited(
                "too many messages; wait a moment",
                extra={
                    "limit": limits.messages_per_window,
                    "window_seconds": limits.window_seconds,
                },
            )
        # Looked up before the room's number is taken: its lock is held until the commit.
        mentioned = await self._gate.readers(opened.room, mentioned_ids(text, user_id))
        seq = await self._store.next_seq(room_id)
        message = Message(
            id=self._ids.new_id(), room_id=room_id, tenant_id=principal.tenant_id, seq=seq,
            sender_id=user_id, body=text, created_at=now, client_id=client_id,
        )  # fmt: skip
        await self._store.add_message(message)
        self._store.record(
            MessagePosted(
                aggregate_id=str(room_id), tenant_id=principal.tenant_id, room_id=str(room_id),
                seq=seq, sender_id=str(user_id), length=len(text),
                body=text if opened.room.body_in_events else None,
            )
        )  # fmt: skip
        if mentioned:
            self._store.record(
                Mentioned(
                    aggregate_id=str(room_id), tenant_id=principal.tenant_id,
                    room_id=str(room_id), message_id=str(message.id), seq=seq,
                    sender_id=str(user_id), mentioned_user_ids=[str(m) for m in mentioned],
                    body=text if opened.room.body_in_events else None,
                )
            )  # fmt: skip
        await self._store.commit()
        await self._fanout.message(message)
        return Posted(message, duplicate=False)

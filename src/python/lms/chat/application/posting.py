"""Posting a message: checked, numbered and stored (with its event in the outbox) before it is
fanned out; a resend with the same client id gets the first message back, not a second one.
The checks (room, mute, rate limit) run per post; numbering and storing go through the
``MessageLog``, which commits the posts of the process that arrive together in one transaction.
Members it mentions (``@<user id>``) who may read the room are named in ``chat.mentioned``."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from lms.chat.application.access import RoomGate, caller_id
from lms.chat.application.errors import Muted, RateLimited
from lms.chat.application.ports import ChatStore, LiveFanout, MessageLog, RateLimiter
from lms.chat.domain.events import Mentioned, MessagePosted
from lms.chat.domain.mentions import mentioned_ids
from lms.chat.domain.messages import Message, checked_body, checked_client_id
from lms_platform.kernel.events import DomainEvent
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
        self, store: ChatStore, gate: RoomGate, log: MessageLog, fanout: LiveFanout,
        limiter: RateLimiter, clock: Clock, ids: IdGenerator, limits: PostLimits,
    ) -> None:  # fmt: skip
        self._store, self._gate, self._log, self._fanout = store, gate, log, fanout
        self._limiter, self._clock, self._ids, self._limits = limiter, clock, ids, limits

    async def __call__(
        self, principal: Principal, room_id: UUID, body: str, client_id: str | None = None
    ) -> Posted:
        text = checked_body(body)
        client_id = checked_client_id(client_id)
        # One read for the room, the mute and an earlier send of the client id.
        view = await self._store.posting_view(
            principal.tenant_id, room_id, caller_id(principal), client_id
        )
        opened = await self._gate.admit(principal, view.room if view else None, need="post")
        assert view is not None  # admitted
        user_id = opened.user_id
        if view.earlier_id is not None:
            earlier = await self._store.message(principal.tenant_id, view.earlier_id)
            if earlier is not None:
                return Posted(earlier, duplicate=True)
        now = self._clock.now()
        until = view.muted_until
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
        mentioned = await self._gate.readers(opened.room, mentioned_ids(text, user_id))
        # The checks are done: give the connection back before waiting for the group commit,
        # which needs one of the pool's (frames holding theirs while waiting would starve it).
        await self._store.rollback()
        body_in_events = opened.room.body_in_events
        draft = Message(
            id=self._ids.new_id(), room_id=room_id, tenant_id=principal.tenant_id, seq=0,
            sender_id=user_id, body=text, created_at=now, client_id=client_id,
        )  # fmt: skip

        def events(stored: Message) -> list[DomainEvent]:
            room, seq = str(room_id), stored.seq
            shown = text if body_in_events else None
            found: list[DomainEvent] = [
                MessagePosted(
                    aggregate_id=room, tenant_id=principal.tenant_id, room_id=room, seq=seq,
                    sender_id=str(user_id), length=len(text), body=shown,
                )
            ]  # fmt: skip
            if mentioned:
                found.append(
                    Mentioned(
                        aggregate_id=room, tenant_id=principal.tenant_id, room_id=room,
                        message_id=str(stored.id), seq=seq, sender_id=str(user_id),
                        mentioned_user_ids=[str(m) for m in mentioned], body=shown,
                    )
                )  # fmt: skip
            return found

        appended = await self._log.append(draft, events)
        if appended.duplicate:  # the same client id, sent twice at once: stored once
            return Posted(appended.message, duplicate=True)
        await self._fanout.message(appended.message)
        return Posted(appended.message, duplicate=False)

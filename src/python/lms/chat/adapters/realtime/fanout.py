"""``LiveFanout`` over Redis pub/sub: one PUBLISH per change on the room's channel, which every
process that has members of the room connected relays to its own sockets (the sender's process
too, so nobody gets a message twice). Access changes go to one control channel. The live channel
of a user is a channel per college and user, which a process watches while it holds a socket
of theirs."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

import msgspec
from redis.asyncio import Redis

from lms.chat.adapters.realtime.frames import live_frame, message_frame
from lms.chat.domain.live import LiveNotice
from lms.chat.domain.messages import Message

CONTROL_CHANNEL = "chat:control:access"


def room_channel(tenant_id: str, room_id: UUID | str) -> str:
    return f"chat:{tenant_id}:room:{room_id}"


def user_channel(tenant_id: str, user_id: UUID | str) -> str:
    """The user's live channel; a user id that is a UUID is written the one way ``str`` does."""
    try:
        user = str(UUID(str(user_id)))
    except ValueError:  # not a person's id (an API key): nobody publishes there
        user = str(user_id)
    return f"chat:{tenant_id}:user:{user}"


class RedisFanout:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def _publish(self, channel: str, payload: dict[str, object]) -> None:
        await self._redis.publish(channel, msgspec.json.encode(payload))

    async def message(self, message: Message) -> None:
        await self._publish(
            room_channel(message.tenant_id, message.room_id),
            {"kind": "message", "message": message_frame(message)},
        )

    async def changed(self, message: Message, change: str) -> None:
        await self._publish(
            room_channel(message.tenant_id, message.room_id),
            {"kind": change, "message": message_frame(message)},
        )

    async def muted(self, tenant_id: str, room_id: UUID, user_id: UUID, until: datetime) -> None:
        await self._publish(
            room_channel(tenant_id, room_id),
            {"kind": "muted", "room_id": str(room_id), "user_id": str(user_id),
             "until": until.isoformat()},
        )  # fmt: skip

    async def access_lost(self, tenant_id: str, user_id: UUID) -> None:
        await self._publish(
            CONTROL_CHANNEL, {"kind": "access_lost", "tenant": tenant_id, "user_id": str(user_id)}
        )

    async def live(self, tenant_id: str, user_ids: Collection[str], notice: LiveNotice) -> None:
        """One PUBLISH per user on their channel, in one round trip."""
        payload = msgspec.json.encode({"kind": "live", "live": live_frame(notice)})
        async with self._redis.pipeline(transaction=False) as pipe:
            for user_id in user_ids:
                pipe.publish(user_channel(tenant_id, user_id), payload)
            await pipe.execute()


class RedisRateLimiter:
    """A fixed window per key (SET NX EX, then INCR: Redis 6.2 commands)."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def allow(self, key: str, limit: int, window_seconds: int) -> bool:
        name = f"chat:rate:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(name, 0, ex=window_seconds, nx=True)
            pipe.incr(name)
            _, count = await pipe.execute()
        return int(count) <= limit

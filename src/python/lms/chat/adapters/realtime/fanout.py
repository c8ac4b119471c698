"""``LiveFanout`` over Redis pub/sub: one PUBLISH per change on the room's channel, which every
process that has members of the room connected relays to its own sockets (the sender's process
too, so nobody gets a message twice). Access changes go to one control channel."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec
from redis.asyncio import Redis

from lms.chat.adapters.realtime.frames import message_frame
from lms.chat.domain.messages import Message

CONTROL_CHANNEL = "chat:control:access"


def room_channel(tenant_id: str, room_id: UUID | str) -> str:
    return f"chat:{tenant_id}:room:{room_id}"


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

"""Auth's ``account.*`` events as the auth service publishes them, a plain aiokafka producer to
put them on the topic, and waits on what the user service's consumer did with them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from aiokafka import AIOKafkaProducer

from lms_platform.messaging import encode_envelope, new_envelope
from tests.user.integration.conftest import COLLEGE, RunningUserService

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def account_event(
    event_type: str,
    account_id: uuid.UUID,
    data: dict[str, Any],
    *,
    time: datetime | None = None,
    college: str = COLLEGE,
) -> bytes:
    """The envelope auth's outbox writes: subject and key are the account id, tenant the college."""
    envelope = new_envelope(
        event_type,
        "auth",
        str(account_id),
        college,
        {"account_id": str(account_id), **data},
        time=time,
    )
    return encode_envelope(envelope)


def registered(
    account_id: uuid.UUID,
    email: str,
    *,
    time: datetime | None = None,
    college: str = COLLEGE,
    **overrides: object,
) -> bytes:
    data = {"email": email, "roles": ["student"], "display_name": "New Student", **overrides}
    return account_event("account.registered", account_id, data, time=time, college=college)


def _versioned(data: dict[str, Any], version: int | None) -> dict[str, Any]:
    """Auth sends ``account_version`` today; events it staged before that have none."""
    return data if version is None else {**data, "account_version": version}


def updated(
    account_id: uuid.UUID, changes: dict[str, Any], *, time: datetime, version: int | None = None
) -> bytes:
    data = _versioned({"changes": changes, "updated_at": time.isoformat()}, version)
    return account_event("account.updated", account_id, data, time=time)


def deactivated(account_id: uuid.UUID, *, time: datetime, version: int | None = None) -> bytes:
    data = _versioned({"deactivated_at": time.isoformat()}, version)
    return account_event("account.deactivated", account_id, data, time=time)


def reactivated(account_id: uuid.UUID, *, time: datetime, version: int | None = None) -> bytes:
    data = _versioned({"reactivated_at": time.isoformat()}, version)
    return account_event("account.reactivated", account_id, data, time=time)


def deleted(account_id: uuid.UUID, *, time: datetime) -> bytes:
    data = {"deleted_at": time.isoformat()}
    return account_event("account.deleted", account_id, data, time=time)


async def publish(bootstrap: str, topic: str, *values: bytes, key: bytes = b"k") -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=key, headers=[("source", b"test")])
    finally:
        await producer.stop()


async def publish_for(user_service: RunningUserService, bootstrap: str, *events: bytes) -> None:
    """Publishes on the service's ``account`` topic once its consumers run, each event keyed by
    its subject (the account id), as auth's relay does."""
    await asyncio.wait_for(user_service.service.consumers.started.wait(), 30)
    topic = f"{user_service.settings.kafka_topic_prefix}account"
    for event in events:
        subject = msgspec.json.decode(event)["subject"]
        await publish(bootstrap, topic, event, key=subject.encode())


async def wait_for(predicate: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


_SETTLED = ('outcome="processed"', 'outcome="duplicate"', 'outcome="ignored"')
_DEAD = 'outcome="dead_lettered"'


async def consumed(user_service: RunningUserService, *, dead_lettered: bool = True) -> int:
    """How many records this test's consumer settled (processed, duplicate, ignored and, unless
    told otherwise, dead-lettered); retries are not settlements."""
    outcomes = (*_SETTLED, _DEAD) if dead_lettered else _SETTLED
    text = (await user_service.client.get("/metrics")).text
    total = 0.0
    for line in text.splitlines():
        if (
            line.startswith("kafka_messages_consumed_total{")
            and 'service="user"' in line
            and any(outcome in line for outcome in outcomes)
            and user_service.settings.kafka_topic_prefix in line
        ):
            total += float(line.rsplit(" ", 1)[1])
    return int(total)


async def wait_until_consumed(user_service: RunningUserService, count: int) -> None:
    async def done() -> bool:
        return await consumed(user_service) >= count

    await wait_for(done)

"""What an envelope subscriber costs per record, against real Tansu and PostgreSQL.

No ``from __future__ import annotations`` here: dishka reads the handlers' annotations.
"""

from collections.abc import Callable
from typing import Any

import fast_depends.utils
import pytest
from aiokafka import AIOKafkaProducer
from dishka import FromDishka
from sqlalchemy.ext.asyncio import AsyncEngine

from lms_platform.messaging import Envelope, build_broker, envelope_subscriber
from tests.platform.messaging.support import effect_count, eventually, publish_envelope
from tests.platform.messaging.test_consumer import (
    FAST_RETRY,
    GROUP_OPTIONS,
    RecordEffect,
    account_topics,
    make_container,
    registered,
    running,
)


async def test_a_record_takes_no_trip_through_a_worker_thread(
    engine: AsyncEngine,
    kafka_bootstrap: str,
    kafka_namespace: str,
    producer: AIOKafkaProducer,
    unique: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # fast_depends runs a synchronous dependency (FastStream's Context fields among them) in a
    # worker thread: a thread hop per parameter per record, a quarter of the CPU in a profile.
    hops: list[str] = []
    original = fast_depends.utils.run_in_threadpool

    async def counting(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(func, "__qualname__", repr(func)))
        return await original(func, *args, **kwargs)

    monkeypatch.setattr(fast_depends.utils, "run_in_threadpool", counting)
    topic, _ = await account_topics(kafka_bootstrap, kafka_namespace)
    service = f"user-{unique}"
    broker = build_broker(kafka_bootstrap, client_id=service)

    @envelope_subscriber(
        broker, topic, group_id=service, service=service, retry=FAST_RETRY, **GROUP_OPTIONS
    )
    async def on_account(envelope: Envelope, record: FromDishka[RecordEffect]) -> None:
        await record(envelope)

    for n in range(5):
        await publish_envelope(producer, topic, registered(f"acc-hop-{n}"))
    async with running(broker, make_container(engine)):
        await eventually(lambda: _applied(engine, 5), message="not all 5 applied")
    assert hops == []


async def _applied(engine: AsyncEngine, expected: int) -> bool:
    return await effect_count(engine) == expected

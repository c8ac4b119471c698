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

from lms_platform.messaging import Envelope
from tests.platform.messaging.account_stream import (
    AccountStream,
    RecordEffect,
    applied,
    make_container,
    registered,
    running,
)
from tests.platform.messaging.support import eventually, publish_envelope


async def test_a_record_takes_no_trip_through_a_worker_thread(
    engine: AsyncEngine,
    producer: AIOKafkaProducer,
    accounts: AccountStream,
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

    @accounts.subscribe()
    async def on_account(envelope: Envelope, record: FromDishka[RecordEffect]) -> None:
        await record(envelope)

    for n in range(5):
        await publish_envelope(producer, accounts.topic, registered(f"acc-hop-{n}"))
    async with running(accounts.broker, make_container(engine)):
        await eventually(lambda: applied(engine, 5), message="not all 5 applied")
    assert hops == []

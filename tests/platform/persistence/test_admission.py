"""Fair, bounded admission to the connection pool (lms_platform.persistence.admission).

The gate alone (no server) for its bookkeeping, then engines from ``create_engine`` against a
real PostgreSQL: connections go in arrival order where SQLAlchemy's stock pool lets a newcomer
pass, a bounded wait ends in ``DatabaseBusy``, background work waits longer, and every way a
connection leaves (return, invalidation, dispose) frees its slot.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from lms_platform.persistence import (
    AdmissionGate,
    DatabaseBusy,
    admission_of,
    bounded_wait,
    create_engine,
)
from lms_platform.testing import to_asyncpg_sqlalchemy_url


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _gate(capacity: int = 1, *, service: str = "gate-test") -> AdmissionGate:
    return AdmissionGate(capacity, service=service, background_timeout=30.0, retry_after_seconds=3)


async def _until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.005)


async def _until_waiting(gate: AdmissionGate, count: int) -> None:
    await _until(lambda: gate.waiting == count)


# --- the gate on its own ---------------------------------------------------------------------


async def test_waiters_are_admitted_in_arrival_order() -> None:
    gate = _gate()
    assert gate.try_enter()
    admitted: list[int] = []

    async def waiter(index: int) -> None:
        await gate.enter()
        admitted.append(index)
        await asyncio.sleep(0)
        gate.release()

    tasks = []
    for index in range(5):
        tasks.append(asyncio.create_task(waiter(index)))
        await _until_waiting(gate, index + 1)
    gate.release()
    await asyncio.gather(*tasks)
    assert admitted == [0, 1, 2, 3, 4]
    assert (gate.in_use, gate.waiting) == (0, 0)


async def test_a_request_asking_again_keeps_its_place_ahead_of_later_requests() -> None:
    """Request A ends a transaction and starts another (as the upload confirmation does):
    it lines up by its own arrival, ahead of C, which came after it but asked first."""
    gate = _gate()
    order: list[str] = []
    arrived = time.monotonic()

    async def request(name: str, at: float) -> None:
        with bounded_wait(10, arrived=at):
            await gate.enter()
            order.append(name)
            await asyncio.sleep(0.01)
            gate.release()

    with bounded_wait(10, arrived=arrived):
        assert gate.try_enter()  # A's first transaction
    b = asyncio.create_task(request("B", arrived + 1))
    await _until(lambda: gate.waiting == 1)
    c = asyncio.create_task(request("C", arrived + 2))
    await _until(lambda: gate.waiting == 2)
    gate.release()  # A's first transaction ends: B, the oldest waiter, is served
    a_again = asyncio.create_task(request("A", arrived))
    await asyncio.wait_for(asyncio.gather(b, c, a_again), 10)
    assert order == ["B", "A", "C"]


async def test_a_released_slot_belongs_to_the_waiter_not_to_a_newcomer() -> None:
    gate = _gate()
    assert gate.try_enter()
    first = asyncio.create_task(gate.enter())
    await _until(lambda: gate.waiting == 1)
    gate.release()
    # The waiter has not run yet, but the slot is already its own.
    assert not gate.try_enter()
    await first
    assert gate.in_use == 1


async def test_a_wait_past_its_bound_is_refused_and_counted() -> None:
    gate = _gate(service="gate-bound")
    assert gate.try_enter()
    before = _sample("db_admission_rejected_total", service="gate-bound", reason="timeout")
    started = time.perf_counter()
    with bounded_wait(0.05), pytest.raises(DatabaseBusy) as refused:
        await gate.enter()
    assert 0.04 <= time.perf_counter() - started < 1.0
    assert refused.value.retry_after_seconds == 3
    assert _sample("db_admission_rejected_total", service="gate-bound", reason="timeout") == (
        before + 1
    )
    assert (gate.in_use, gate.waiting) == (1, 0)
    gate.release()
    assert gate.try_enter()  # nothing was lost


async def test_a_cancelled_waiter_leaves_the_line_and_a_slot_it_was_given_passes_on() -> None:
    gate = _gate()
    assert gate.try_enter()
    gone = asyncio.create_task(gate.enter())
    await _until(lambda: gate.waiting == 1)
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert gate.waiting == 0

    granted = asyncio.create_task(gate.enter())
    behind = asyncio.create_task(gate.enter())
    await _until(lambda: gate.waiting == 2)
    gate.release()  # the slot is handed to `granted`...
    granted.cancel()  # ...which is cancelled before it runs: `behind` must get it
    with pytest.raises(asyncio.CancelledError):
        await granted
    await asyncio.wait_for(behind, 5)
    assert (gate.in_use, gate.waiting) == (1, 0)


async def test_admitted_waits_are_observed() -> None:
    gate = _gate(service="gate-wait")
    count_before = _sample("db_admission_wait_seconds_count", service="gate-wait")
    assert gate.try_enter()
    waiter = asyncio.create_task(gate.enter())
    await _until(lambda: gate.waiting == 1)
    await asyncio.sleep(0.05)
    gate.release()
    await waiter
    assert _sample("db_admission_wait_seconds_count", service="gate-wait") == count_before + 2
    assert _sample("db_admission_wait_seconds_sum", service="gate-wait") >= 0.05
    assert _sample("db_pool_connections_max", service="gate-wait") == 1


# --- engines against PostgreSQL --------------------------------------------------------------


@pytest.fixture
async def engines(postgres_dsn: str) -> AsyncIterator[Callable[..., AsyncEngine]]:
    made: list[AsyncEngine] = []

    def make(**options: object) -> AsyncEngine:
        engine = create_engine(to_asyncpg_sqlalchemy_url(postgres_dsn), **options)  # type: ignore[arg-type]
        made.append(engine)
        return engine

    yield make
    for engine in made:
        await engine.dispose()


async def _holder_gives_back_and_asks_again(engine: AsyncEngine) -> list[str]:
    """One connection, held; a waiter lines up; the holder returns it and at once asks for
    another (as a request does between two transactions). Who gets it first?"""
    admitted: list[str] = []
    holder = await engine.connect()
    await holder.execute(text("SELECT 1"))

    async def waiter() -> None:
        async with engine.connect() as connection:
            admitted.append("waiter")
            await connection.execute(text("SELECT 1"))

    waiting = asyncio.create_task(waiter())
    await asyncio.sleep(0.2)  # the waiter is in line
    await holder.close()
    async with engine.connect() as again:
        admitted.append("holder again")
        await again.execute(text("SELECT 1"))
    await asyncio.wait_for(waiting, 10)
    return admitted


async def test_the_stock_pool_lets_the_returning_holder_pass_the_waiter(postgres_dsn: str) -> None:
    """Why the gate exists: SQLAlchemy's async pool hands the connection to whoever asks in
    the same tick. (If this ever fails, SQLAlchemy became fair; the gate still bounds waits.)"""
    engine = create_async_engine(
        to_asyncpg_sqlalchemy_url(postgres_dsn), pool_size=1, max_overflow=0
    )
    try:
        assert await _holder_gives_back_and_asks_again(engine) == ["holder again", "waiter"]
    finally:
        await engine.dispose()


async def test_the_admitted_pool_serves_the_waiter_first(
    engines: Callable[..., AsyncEngine],
) -> None:
    engine = engines(service="fifo", pool_size=1, max_overflow=0)
    assert await _holder_gives_back_and_asks_again(engine) == ["waiter", "holder again"]


async def test_many_waiters_get_connections_in_arrival_order(
    engines: Callable[..., AsyncEngine],
) -> None:
    # One connection, so the order of connect() returning is the order of admission (with
    # two, the pre-ping round trips of two admitted checkouts could finish out of order).
    engine = engines(service="fifo-many", pool_size=1, max_overflow=0)
    gate = admission_of(engine)
    order: list[int] = []

    async def hold(seconds: float) -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})

    async def request(index: int) -> None:
        async with engine.connect() as connection:
            order.append(index)
            await connection.execute(text("SELECT pg_sleep(0.02)"))

    holders = [asyncio.create_task(hold(0.5))]
    await _until(lambda: gate.in_use == 1)
    requests = []
    for index in range(8):
        requests.append(asyncio.create_task(request(index)))
        await _until_waiting(gate, index + 1)
    await asyncio.wait_for(asyncio.gather(*holders, *requests), 30)
    assert order == list(range(8))
    assert (gate.in_use, gate.waiting) == (0, 0)


async def test_a_bounded_checkout_is_refused_quickly_and_background_work_waits(
    engines: Callable[..., AsyncEngine],
) -> None:
    engine = engines(
        service="bounded", pool_size=1, max_overflow=0, pool_timeout_seconds=30,
        retry_after_seconds=4,
    )  # fmt: skip
    busy = asyncio.Event()

    async def hold() -> None:
        async with engine.connect() as connection:
            busy.set()
            await connection.execute(text("SELECT pg_sleep(1.5)"))

    holder = asyncio.create_task(hold())
    await busy.wait()
    started = time.perf_counter()
    with bounded_wait(0.2), pytest.raises(DatabaseBusy) as refused:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    assert 0.15 <= time.perf_counter() - started < 1.2
    assert refused.value.retry_after_seconds == 4
    # Outside a bounded block (the relay, a consumer) the wait is the pool timeout's.
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT 1"))).scalar() == 1
    assert time.perf_counter() - started >= 1.0
    await holder
    assert admission_of(engine).in_use == 0


async def _use(engine: AsyncEngine, action: Callable[[AsyncConnection], Awaitable[object]]) -> None:
    connection = await engine.connect()
    await connection.execute(text("SELECT 1"))
    assert admission_of(engine).in_use == 1
    await action(connection)


async def test_every_way_a_connection_leaves_frees_its_slot(
    engines: Callable[..., AsyncEngine],
) -> None:
    engine = engines(service="leaving", pool_size=1, max_overflow=0)
    gate = admission_of(engine)
    await _use(engine, lambda c: c.close())
    assert gate.in_use == 0
    await _use(engine, lambda c: c.invalidate())
    assert gate.in_use == 0

    async def dispose_then_close(connection: AsyncConnection) -> None:
        await engine.dispose()  # a new pool; this connection still belongs to the old one
        await connection.close()

    await _use(engine, dispose_then_close)
    assert admission_of(engine) is gate
    assert gate.in_use == 0
    async with engine.connect() as connection:  # and the new pool works
        assert (await connection.execute(text("SELECT 1"))).scalar() == 1


async def test_a_failed_connect_gives_its_slot_back() -> None:
    engine = create_engine(
        "postgresql+asyncpg://nobody:nothing@127.0.0.1:1/none", service="refused",
        pool_size=1, max_overflow=0,
    )  # fmt: skip
    try:
        for _ in range(2):  # a leaked slot would make the second attempt wait, not fail
            with pytest.raises(ConnectionRefusedError):
                async with engine.connect():
                    pass
        assert admission_of(engine).in_use == 0
    finally:
        await engine.dispose()

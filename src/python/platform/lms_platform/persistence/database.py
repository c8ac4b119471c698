"""Engine, sessions and their dishka scopes: the engine lives as long as the app, a session as
long as one request or one consumed message."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from dishka import Provider, Scope, provide
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from lms_platform.metrics import DB_QUERY_DURATION
from lms_platform.persistence.admission import AdmissionGate, AdmittedQueuePool


def create_engine(
    url: str,
    *,
    service: str,
    pool_size: int = 10,
    max_overflow: int | None = None,
    pool_timeout_seconds: float = 30.0,
    retry_after_seconds: int = 2,
    echo: bool = False,
) -> AsyncEngine:
    """An engine whose pool (``pool_size`` plus ``max_overflow``, by default as many again)
    hands connections out in arrival order through an ``AdmissionGate``. Background work waits
    up to ``pool_timeout_seconds``; code under ``bounded_wait`` (each HTTP request) less, and
    then gets ``DatabaseBusy`` carrying ``retry_after_seconds``."""
    overflow = pool_size if max_overflow is None else max_overflow
    engine = create_async_engine(
        url,
        poolclass=AdmittedQueuePool,
        pool_size=pool_size,
        max_overflow=overflow,
        # The gate admits no more than the pool holds, so this bound is only a safety net.
        pool_timeout=pool_timeout_seconds,
        pool_pre_ping=True,
        echo=echo,
        # Every statement is planned with its parameters. asyncpg prepares each statement, and
        # after five runs PostgreSQL may switch to one generic plan: for a college id or a search
        # pattern that is one plan for a college of 10 and of 100,000, and for `%a%` and
        # `%nakamura%` (a count of a short pattern: 47 ms generic, 0.2 ms custom).
        connect_args={"server_settings": {"plan_cache_mode": "force_custom_plan"}},
    )
    pool = engine.sync_engine.pool
    assert isinstance(pool, AdmittedQueuePool)
    pool.admission = AdmissionGate(
        pool_size + overflow,
        service=service,
        background_timeout=pool_timeout_seconds,
        retry_after_seconds=retry_after_seconds,
    )
    _instrument(engine, service)
    return engine


def admission_of(engine: AsyncEngine) -> AdmissionGate:
    """The gate in front of ``engine``'s pool (made by ``create_engine``)."""
    pool = engine.sync_engine.pool
    if not isinstance(pool, AdmittedQueuePool) or pool.admission is None:
        raise TypeError("this engine was not made by lms_platform.persistence.create_engine")
    return pool.admission


def _instrument(engine: AsyncEngine, service: str) -> None:
    histograms: dict[str, Any] = {}

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _start(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info.setdefault("lms_query_started", []).append(time.perf_counter())

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _stop(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        started = conn.info["lms_query_started"].pop()
        operation = statement.lstrip()[:6].upper()
        histogram = histograms.get(operation)
        if histogram is None:
            histogram = DB_QUERY_DURATION.labels(service=service, operation=operation.strip())
            histograms[operation] = histogram
        histogram.observe(time.perf_counter() - started)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Objects stay readable after commit: responses are built from them after the commit.
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def database_ready_check(engine: AsyncEngine) -> Callable[[], Awaitable[None]]:
    async def check() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    return check


class DatabaseProvider(Provider):
    """Provides ``AsyncSession`` per request. It never commits: use cases commit explicitly
    through their unit of work, because Litestar turns exceptions into responses before dishka
    would see them. On scope exit an unfinished transaction is rolled back."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__()
        self._engine = engine
        self._factory = create_session_factory(engine)

    @provide(scope=Scope.APP)
    def engine(self) -> AsyncEngine:
        return self._engine

    @provide(scope=Scope.APP)
    def session_factory(self) -> async_sessionmaker[AsyncSession]:
        return self._factory

    @provide(scope=Scope.REQUEST)
    async def session(
        self, factory: async_sessionmaker[AsyncSession]
    ) -> AsyncIterator[AsyncSession]:
        session = factory()
        try:
            yield session
        finally:
            if session.in_transaction():
                await session.rollback()
            await session.close()

"""The service runtime: from a ``ServiceSpec`` and its settings, everything one process needs.

It owns the clients (engine, Redis), the dishka container shared by Litestar and FastStream,
the token verifier, the outbox relay, the consumers, the service's background work, readiness
checks, and start and stop in the right order. A service writes only its providers (``ioc.py``)
and its spec (``main.py``).
"""

from __future__ import annotations

import asyncio
import functools
import signal
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic

from dishka import AsyncContainer, Provider, make_async_container
from dishka.integrations.litestar import LitestarProvider
from litestar import Litestar
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from lms_platform.http import PrincipalProvider, create_app
from lms_platform.kernel.clock import SystemClock
from lms_platform.kernel.ports import Clock
from lms_platform.logging import get_logger
from lms_platform.messaging.purger import ProcessedMessagePurger
from lms_platform.messaging.relay import OutboxRelay
from lms_platform.persistence import DatabaseProvider, create_engine, database_ready_check
from lms_platform.runtime.consumers import ConsumerGroup, TopicCreator
from lms_platform.runtime.providers import ServiceBasicsProvider
from lms_platform.runtime.spec import Background, RuntimeParts, S, ServiceSpec
from lms_platform.security import JWKSKeySource, KeySource, TokenVerifier

_log = get_logger("lms.runtime")


class ServiceRuntime(Generic[S]):
    """One process of one service. ``providers`` are added after the service's own, so a test
    swaps an adapter by providing the same type again; ``key_source`` replaces the JWKS."""

    def __init__(
        self,
        spec: ServiceSpec[S],
        settings: S,
        *,
        providers: Sequence[Provider] = (),
        key_source: KeySource | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.spec = spec
        self.settings = settings
        self.clock = clock or SystemClock()
        self.engine: AsyncEngine | None = None
        if spec.migrations is not None:
            self.engine = create_engine(
                settings.database_url,
                service=settings.service_name,
                pool_size=settings.database_pool_size,
                max_overflow=settings.database_max_overflow,
                pool_timeout_seconds=settings.database_pool_timeout_seconds,
                retry_after_seconds=settings.overload_retry_after_seconds,
            )
        self.redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
        self.container = self._build_container(providers)
        parts = RuntimeParts(settings=settings, engine=self.engine, clock=self.clock)
        self.verifier = TokenVerifier(
            key_source or self._default_key_source(parts),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            leeway_seconds=settings.jwt_leeway_seconds,
            max_token_lifetime_seconds=settings.jwt_max_token_lifetime_seconds,
        )
        self._relay = self._build_relay()
        self._consumers = self._build_consumers()
        self._background: list[Background] = []
        self._started = False

    # --- construction --------------------------------------------------------------------------

    def _build_container(self, extra: Sequence[Provider]) -> AsyncContainer:
        from dishka_faststream import FastStreamProvider

        platform: list[Provider] = [
            LitestarProvider(),
            FastStreamProvider(),
            PrincipalProvider(),
            ServiceBasicsProvider(self.settings, self.redis, self.clock),
        ]
        if self.engine is not None:
            platform.append(DatabaseProvider(self.engine))
        return make_async_container(*platform, *self.spec.providers(self.settings), *extra)

    def _default_key_source(self, parts: RuntimeParts[S]) -> KeySource:
        if self.spec.key_source is not None:
            return self.spec.key_source(parts)
        return JWKSKeySource(
            self.settings.jwks_url, refresh_seconds=self.settings.jwks_refresh_seconds
        )

    def _build_relay(self) -> OutboxRelay | None:
        if self.engine is None or not self.settings.run_relay:
            return None
        return OutboxRelay.from_settings(self.engine, self.settings)

    def _build_consumers(self) -> ConsumerGroup | None:
        if self.spec.subscribe is None or not self.settings.run_consumers:
            return None
        group = ConsumerGroup(self.settings, self.container, self.spec.consumes)
        self.spec.subscribe(group.broker, self.settings)
        return group

    @property
    def relay(self) -> OutboxRelay:
        if self._relay is None:
            raise RuntimeError(f"{self.spec.name} runs no outbox relay here (run_relay is off)")
        return self._relay

    @property
    def consumers(self) -> ConsumerGroup:
        if self._consumers is None:
            raise RuntimeError(f"{self.spec.name} runs no consumers here")
        return self._consumers

    # --- lifecycle -----------------------------------------------------------------------------

    async def start_background(self) -> None:
        """Topics, relay, consumers and the service's own background work; each waits for the
        broker by itself, so this returns at once."""
        if self._started:
            return
        self._started = True
        work: list[Background] = []
        if self._relay is not None:
            work += [TopicCreator(self.settings, self.spec.publishes), self._relay]
        if self._consumers is not None:
            work.append(self._consumers)
            if self.engine is not None:
                # Dedup records older than the topics' retention can never match again.
                work.append(ProcessedMessagePurger.from_settings(self.engine, self.settings))
        for factory in self.spec.background:
            extra = factory(self.container, self.settings)
            if extra is not None:
                work.append(extra)
        for item in work:
            await item.start()
            self._background.append(item)

    async def stop_background(self) -> None:
        while self._background:
            item = self._background.pop()
            try:
                await item.stop()
            except Exception:  # stopping must reach every item, and the clients after them
                _log.exception("background_stop_failed", work=type(item).__name__)
        self._started = False

    async def run_startup_hooks(self) -> None:
        for hook in self.spec.on_startup:
            await hook(self.container)

    async def close(self) -> None:
        """Close the container, then the clients the runtime made (Redis, the engine)."""
        await self.container.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.dispose()

    async def dispose(self) -> None:
        if self.engine is not None:
            await self.engine.dispose()

    # --- entry points --------------------------------------------------------------------------

    def readiness_checks(self) -> dict[str, Callable[[], Awaitable[Any]]]:
        checks: dict[str, Callable[[], Awaitable[Any]]] = {}
        if self.engine is not None:
            checks["postgres"] = database_ready_check(self.engine)
        if self.redis is not None:
            redis = self.redis

            async def redis_ready() -> None:
                await redis.ping()

            checks["redis"] = redis_ready
        for name, probe in self.spec.readiness.items():
            checks[name] = functools.partial(probe, self.container)
        return checks

    def http_app(self) -> Litestar:
        """The Litestar app; its lifespan runs the start-up hooks and the background work, and
        closes the container (``create_app``) and the engine on shutdown."""
        return create_app(
            settings=self.settings,
            route_handlers=list(self.spec.routes),
            container=self.container,
            verifier=self.verifier,
            title=self.spec.title,
            description=self.spec.description,
            readiness_checks=self.readiness_checks(),
            public_paths=self.spec.public_paths,
            on_startup=[self.run_startup_hooks, self.start_background],
            on_shutdown=[self.stop_background, self.close],
            database_acquire_timeout=(
                self.settings.database_acquire_timeout_seconds if self.engine is not None else None
            ),
        )

    async def run_command(self, command: Callable[[ServiceRuntime[S]], Awaitable[Any]]) -> None:
        try:
            await command(self)
        finally:
            await self.close()


def run_worker(runtime: ServiceRuntime[Any]) -> None:
    """``worker`` mode: the background work without HTTP until SIGTERM or SIGINT, then stop it
    and close the container and its clients."""

    async def work() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await runtime.start_background()
        _log.info("worker_started", service=runtime.settings.service_name)
        try:
            await stop.wait()
        finally:
            await runtime.stop_background()
            await runtime.close()
            _log.info("worker_stopped", service=runtime.settings.service_name)

    asyncio.run(work())

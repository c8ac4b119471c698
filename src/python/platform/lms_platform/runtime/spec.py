"""What a service tells the runtime about itself: its settings, providers, routes, topics,
consumers, background work and extra commands. Everything else is built by the runtime."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from dishka import AsyncContainer, Provider
from litestar.types import ControllerRouterHandler

from lms_platform.config import ServiceSettings
from lms_platform.kernel.ports import Clock
from lms_platform.security import KeySource

if TYPE_CHECKING:
    from faststream.kafka import KafkaBroker
    from sqlalchemy.ext.asyncio import AsyncEngine

    from lms_platform.messaging.admin_port import ParkedOutboxAdmin
    from lms_platform.runtime.service import ServiceRuntime

S = TypeVar("S", bound=ServiceSettings)


class Background(Protocol):
    """Work a process runs beside HTTP (and alone in ``worker`` mode): started once, stopped
    once, never raising out of its own loop."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True, slots=True)
class RuntimeParts(Generic[S]):
    """What exists before the container: for the few adapters that must be built outside it
    (the auth service's own key source)."""

    settings: S
    engine: AsyncEngine | None
    clock: Clock


ProvidersFactory = Callable[[S], Sequence[Provider]]
SubscribeFactory = Callable[["KafkaBroker", S], None]
BackgroundFactory = Callable[[AsyncContainer, S], "Background | None"]
StartupHook = Callable[[AsyncContainer], Awaitable[Any]]
# Raises unless a store the service cannot work without answers (``/ready``).
ReadinessProbe = Callable[[AsyncContainer], Awaitable[Any]]
Command = Callable[["ServiceRuntime[Any]"], Awaitable[Any]]
KeySourceFactory = Callable[[RuntimeParts[S]], KeySource]
# The parked-rows admin of an outbox the runtime does not own (MongoDB), for ``<service> outbox``.
OutboxAdminFactory = Callable[[S], AbstractAsyncContextManager["ParkedOutboxAdmin"]]


@dataclass(frozen=True, kw_only=True)
class ServiceSpec(Generic[S]):
    """One service, declared once in its ``main.py``.

    ``publishes`` and ``consumes`` are topic catalogue names (``lms_platform.messaging.topics``);
    the runtime creates them (and the consumed topics' ``.dlq``) when the broker is reachable.
    ``subscribe`` registers the service's ``envelope_subscriber`` handlers on the broker.
    ``migrations`` is the Alembic directory; without it the service has no PostgreSQL.
    ``key_source`` replaces the JWKS over HTTP (only auth, which owns the keys, needs it).
    ``readiness`` adds ``/ready`` checks of the stores the runtime does not own (MongoDB,
    Elasticsearch, S3) beside its own PostgreSQL and Redis checks.
    ``outbox_admin`` serves ``<service> outbox ...`` for an outbox outside PostgreSQL; with
    ``migrations`` and without it, the command works on the PostgreSQL ``outbox`` table.
    """

    name: str
    title: str
    description: str
    load_settings: Callable[[], S]
    providers: ProvidersFactory[S]
    routes: Sequence[ControllerRouterHandler] = ()
    public_paths: Sequence[str] = ()
    migrations: Path | None = None
    publishes: Sequence[str] = ()
    consumes: Sequence[str] = ()
    subscribe: SubscribeFactory[S] | None = None
    background: Sequence[BackgroundFactory[S]] = ()
    on_startup: Sequence[StartupHook] = ()
    commands: Mapping[str, Command] = field(default_factory=dict)
    key_source: KeySourceFactory[S] | None = None
    readiness: Mapping[str, ReadinessProbe] = field(default_factory=dict)
    outbox_admin: OutboxAdminFactory[S] | None = None

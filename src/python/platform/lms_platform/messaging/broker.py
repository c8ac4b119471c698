"""The FastStream side of a service: its Kafka broker and the dishka wiring.

dishka is wired through the ``dishka-faststream`` package (dishka's built-in FastStream
integration rejects FastStream 0.7). Modules that declare FastStream handlers with
``FromDishka`` must not use ``from __future__ import annotations``: FastStream and dishka read
the handler's annotations at runtime.
"""

from __future__ import annotations

import logging
from typing import Any

import dishka_faststream
from dishka import AsyncContainer
from fast_depends.msgspec import MsgSpecSerializer
from faststream.kafka import KafkaBroker

from lms_platform.messaging.consumer import CONTAINER_CONTEXT_KEY

__all__ = ["FASTSTREAM_LOGGER", "build_broker", "setup_dishka"]

# FastStream's own logger prints plain text to stdout, two lines ("Received", "Processed") per
# record. This one propagates to the root logger, so lms_platform.logging renders it as JSON.
FASTSTREAM_LOGGER = logging.getLogger("lms.messaging.faststream")


def build_broker(
    bootstrap_servers: str,
    *,
    client_id: str,
    enable_idempotence: bool = False,
    request_timeout_ms: int = 15_000,
    graceful_timeout: float = 15.0,
    **options: Any,
) -> KafkaBroker:
    """A ``KafkaBroker`` that accepts msgspec Structs (``MsgSpecSerializer``) and waits for all
    in-sync replicas (``acks="all"``). Turn ``enable_idempotence`` on against real Kafka
    (``settings.kafka_enable_idempotence``); Tansu has no idempotent producer.
    ``graceful_timeout`` bounds how long ``stop()`` waits for handlers in flight.

    FastStream logs through ``FASTSTREAM_LOGGER``; its lines per record are DEBUG (``log_level``),
    since a line per record costs the consumer as the access log costs the HTTP hot path.
    Its partition assignments and errors keep their own levels."""
    options.setdefault("logger", FASTSTREAM_LOGGER)
    options.setdefault("log_level", logging.DEBUG)
    return KafkaBroker(
        bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=enable_idempotence,
        request_timeout_ms=request_timeout_ms,
        graceful_timeout=graceful_timeout,
        serializer=MsgSpecSerializer(),
        **options,
    )


def setup_dishka(
    container: AsyncContainer, broker: KafkaBroker, *, auto_inject: bool = False
) -> None:
    """Wire ``container`` (the service's one APP container, shared with Litestar) into
    ``broker``: plain FastStream handlers get ``@dishka_faststream.inject`` (or every handler
    with ``auto_inject=True``), and ``envelope_subscriber`` handlers open their own REQUEST
    scope per attempt from it. The composition root closes the container, not the broker."""
    dishka_faststream.setup_dishka(container, broker=broker, auto_inject=auto_inject)
    broker.context.set_global(CONTAINER_CONTEXT_KEY, container)

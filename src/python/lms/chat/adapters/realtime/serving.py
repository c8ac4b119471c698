"""``chat serve``: the Litestar app (REST, health, metrics) and Socket.IO on one socketify
listener, in one asyncio loop with the relay, the outbox relay and the consumers."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

import socketio

from lms.chat.adapters.realtime.gateway import ChatGateway
from lms.chat.config import ChatSettings
from lms_platform.logging import get_logger
from lms_platform.realtime import SocketAuthenticator, SocketifyServer
from lms_platform.runtime import ServiceRuntime

_log = get_logger("lms.chat")
SOCKET_PATH = "socket.io"


def build_gateway(runtime: ServiceRuntime[Any]) -> ChatGateway:
    settings: ChatSettings = runtime.settings
    if runtime.redis is None:
        raise RuntimeError("chat needs Redis (LMS_CHAT_REDIS_URL) for its fan-out")
    origins = [o.strip() for o in settings.socket_cors_origins.split(",") if o.strip()]
    return ChatGateway(
        runtime.container,
        SocketAuthenticator(runtime.verifier),
        runtime.redis,
        ping_interval=settings.socket_ping_interval_seconds,
        max_frame_bytes=settings.socket_max_frame_bytes,
        cors_origins="*" if origins == ["*"] else origins,
    )


async def serve(runtime: ServiceRuntime[Any]) -> None:
    settings: ChatSettings = runtime.settings
    gateway = build_gateway(runtime)
    app = socketio.ASGIApp(
        gateway.sio, other_asgi_app=runtime.http_app(), socketio_path=SOCKET_PATH
    )
    server = SocketifyServer(app, host=settings.http_host, port=settings.http_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await gateway.start()
    await server.start()
    _log.info("chat_serving", port=server.port)
    try:
        await stop.wait()
    finally:
        await gateway.stop()
        await server.stop()

"""``chat serve``: the Litestar app (REST, health, metrics), Socket.IO and the native WebSocket
(``/ws``) on one socketify listener, in one asyncio loop with the relay, the outbox relay and
the consumers. Both socket transports share one ``ChatHub``."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

import socketio

from lms.chat.adapters.http.demo import with_demo_page
from lms.chat.adapters.realtime.gateway import SocketIoGateway
from lms.chat.adapters.realtime.hub import ChatHub
from lms.chat.adapters.realtime.native import IDLE_TIMEOUT_SECONDS, NATIVE_PATH, NativeGateway
from lms.chat.config import ChatSettings
from lms_platform.logging import get_logger
from lms_platform.realtime import NativeRoute, SocketAuthenticator, SocketifyServer
from lms_platform.runtime import ServiceRuntime

_log = get_logger("lms.chat")
SOCKET_PATH = "socket.io"


def build_gateways(runtime: ServiceRuntime[Any]) -> tuple[ChatHub, SocketIoGateway, NativeRoute]:
    settings: ChatSettings = runtime.settings
    if runtime.redis is None:
        raise RuntimeError("chat needs Redis (LMS_CHAT_REDIS_URL) for its fan-out")
    origins = [o.strip() for o in settings.socket_cors_origins.split(",") if o.strip()]
    hub = ChatHub(runtime.container, SocketAuthenticator(runtime.verifier), runtime.redis)
    native = NativeRoute(
        NATIVE_PATH,
        NativeGateway(hub, auth_timeout_seconds=settings.socket_auth_timeout_seconds),
        max_payload_bytes=settings.socket_max_frame_bytes,
        idle_timeout_seconds=IDLE_TIMEOUT_SECONDS,
    )
    return (
        hub,
        SocketIoGateway(
            hub,
            ping_interval=settings.socket_ping_interval_seconds,
            max_frame_bytes=settings.socket_max_frame_bytes,
            cors_origins="*" if origins == ["*"] else origins,
        ),
        native,
    )


async def serve(runtime: ServiceRuntime[Any]) -> None:
    settings: ChatSettings = runtime.settings
    hub, gateway, native = build_gateways(runtime)
    app = socketio.ASGIApp(
        gateway.sio,
        other_asgi_app=with_demo_page(runtime.http_app(), settings),
        socketio_path=SOCKET_PATH,
    )
    server = SocketifyServer(app, host=settings.http_host, port=settings.http_port, routes=[native])
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await hub.start()
    await server.start()
    _log.info("chat_serving", port=server.port)
    try:
        await stop.wait()
    finally:
        await hub.stop()
        await server.stop()

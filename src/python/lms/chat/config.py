"""The chat service's settings: every field is read from ``LMS_CHAT_<FIELD>``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lms_platform.config import ServiceSettings, SettingsError, load_settings

ENV_PREFIX = "LMS_CHAT_"
# Where the demo page may be switched on.
DEMO_PAGE_ENVIRONMENTS = frozenset({"development", "test"})


class ChatSettings(ServiceSettings, kw_only=True, frozen=True):
    service_name: str = "chat"
    http_port: int = 8006
    # Per user, across rooms: at most this many messages per window.
    messages_per_window: int = 30
    rate_window_seconds: int = 10
    # Socket.IO heartbeat; a polling client's disconnect waits for the next one.
    socket_ping_interval_seconds: float = 25.0
    socket_max_frame_bytes: int = 64 * 1024
    # A native WebSocket that has not sent its auth frame by then is closed (4401).
    socket_auth_timeout_seconds: float = 10.0
    # The live channel pushes an event only this long after it happened: a consumer catching
    # up on a backlog (a first deploy reads the topics' whole retention) pushes nothing stale.
    live_max_age_seconds: float = 300.0
    # Browser origins allowed to open a Socket.IO connection ("*" for any, in development).
    socket_cors_origins: str = ""
    # Serve the two-tab demo page at /chat/demo (adapters/http/demo.py); development only: the
    # settings refuse it in any other environment. The devstack turns it on.
    demo_page: bool = False

    def __post_init__(self) -> None:
        if self.demo_page and self.environment not in DEMO_PAGE_ENVIRONMENTS:
            raise SettingsError(
                "LMS_CHAT_DEMO_PAGE is for development only; it is refused in environment "
                f"{self.environment!r}"
            )


def load_chat_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> ChatSettings:
    return load_settings(ChatSettings, ENV_PREFIX, environ, **overrides)

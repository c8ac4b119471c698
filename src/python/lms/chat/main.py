"""The chat service. ``run()`` is the PEX entry point (``chat serve | migrate | worker``);
``serve`` runs on socketify (REST and Socket.IO on one port), the rest is the platform runtime."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lms.chat import ioc
from lms.chat.adapters.http.routes import ROUTES
from lms.chat.adapters.messaging.consumers import subscribe
from lms.chat.adapters.realtime.serving import serve
from lms.chat.config import load_chat_settings
from lms_platform.runtime import ServiceSpec, run_service

MIGRATIONS_DIR = Path(__file__).parent / "adapters" / "persistence" / "migrations"

SERVICE = ServiceSpec(
    name="chat",
    title="LMS chat service",
    description="Course and section rooms, direct and group conversations, message history, "
    "unread counts and live delivery over Socket.IO.",
    load_settings=load_chat_settings,
    providers=ioc.providers,
    routes=ROUTES,
    migrations=MIGRATIONS_DIR,
    publishes=["chat"],
    consumes=["enrollment", "assignment", "grade", "notification"],
    subscribe=subscribe,
    commands={"serve": serve},
)


def run(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE, argv)


if __name__ == "__main__":
    run()

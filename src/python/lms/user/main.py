"""The user service: profiles and preferences. ``run()`` is the PEX entry point
(``user serve | migrate | worker``); the platform runtime builds and runs everything."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lms.user import ioc
from lms.user.adapters.http.controllers import UserController
from lms.user.adapters.messaging.consumers import subscribe
from lms.user.config import load_user_settings
from lms_platform.runtime import ServiceSpec, run_service

MIGRATIONS_DIR = Path(__file__).parent / "adapters" / "persistence" / "migrations"

SERVICE = ServiceSpec(
    name="user",
    title="LMS user service",
    description="Profiles and preferences of the users of each college.",
    load_settings=load_user_settings,
    providers=ioc.providers,
    routes=[UserController],
    migrations=MIGRATIONS_DIR,
    publishes=["user"],
    consumes=["account"],
    subscribe=subscribe,
)


def run(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE, argv)


if __name__ == "__main__":
    run()

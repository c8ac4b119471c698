"""The assignment service. ``run()`` is the PEX entry point (``assignment serve | migrate |
worker``); the platform runtime builds and runs everything."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lms.assignment import ioc
from lms.assignment.adapters.http.routes import ROUTES
from lms.assignment.adapters.messaging.consumers import subscribe
from lms.assignment.config import load_assignment_settings
from lms_platform.runtime import ServiceSpec, run_service

MIGRATIONS_DIR = Path(__file__).parent / "adapters" / "persistence" / "migrations"

SERVICE = ServiceSpec(
    name="assignment",
    title="LMS assignment service",
    description="Assignments of each course: dates and their overrides per section and student, points and grading, submission rules, and the course's late policy.",
    load_settings=load_assignment_settings,
    providers=ioc.providers,
    routes=ROUTES,
    migrations=MIGRATIONS_DIR,
    publishes=["assignment"],
    consumes=["enrollment", "course"],
    subscribe=subscribe,
)


def run(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE, argv)


if __name__ == "__main__":
    run()

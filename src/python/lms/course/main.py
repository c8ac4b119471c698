"""The course service. ``run()`` is the PEX entry point (``course serve | migrate |
worker``); the platform runtime builds and runs everything."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dishka import AsyncContainer

from lms.course import ioc
from lms.course.adapters.http.routes import ROUTES
from lms.course.adapters.messaging.consumers import subscribe
from lms.course.application.roster_import import RunRosterBatch
from lms.course.config import CourseSettings, load_course_settings
from lms_platform.runtime import JobWorker, ServiceSpec, run_service

MIGRATIONS_DIR = Path(__file__).parent / "adapters" / "persistence" / "migrations"


def roster_worker(container: AsyncContainer, settings: CourseSettings) -> JobWorker | None:
    """Applies OneRoster import jobs, one batch per transaction (every process runs one)."""
    if not settings.run_import_worker:
        return None
    return JobWorker(
        container,
        RunRosterBatch,
        poll_seconds=settings.import_poll_seconds,
        name="course-roster-import",
    )


SERVICE = ServiceSpec(
    name="course",
    title="LMS course service",
    description="Terms, courses, batches, sections, enrollments and course content metadata of each college.",
    load_settings=load_course_settings,
    providers=ioc.providers,
    routes=ROUTES,
    migrations=MIGRATIONS_DIR,
    publishes=["course", "enrollment"],
    consumes=["user"],
    subscribe=subscribe,
    background=[roster_worker],
)


def run(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE, argv)


if __name__ == "__main__":
    run()

"""The submission service. ``run()`` is the PEX entry point (``submission serve | migrate |
worker``); the platform runtime builds and runs everything."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dishka import AsyncContainer

from lms.submission import ioc
from lms.submission.adapters.http.routes import ROUTES
from lms.submission.adapters.messaging.consumers import subscribe
from lms.submission.application.ports import ObjectStore
from lms.submission.application.uploads import ExpireUploadsStep
from lms.submission.config import SubmissionSettings, load_submission_settings
from lms_platform.runtime import JobWorker, ServiceSpec, run_service

MIGRATIONS_DIR = Path(__file__).parent / "adapters" / "persistence" / "migrations"


def upload_expiry(container: AsyncContainer, settings: SubmissionSettings) -> JobWorker | None:
    """Deletes the objects of slots never confirmed (every process runs one; rows are claimed
    with SKIP LOCKED)."""
    if not settings.run_upload_expiry:
        return None
    return JobWorker(
        container, ExpireUploadsStep, poll_seconds=settings.expiry_interval_seconds,
        name="submission-upload-expiry",
    )  # fmt: skip


async def object_store_ready(container: AsyncContainer) -> None:
    await (await container.get(ObjectStore)).ping()


SERVICE = ServiceSpec(
    name="submission",
    title="LMS submission service",
    description="Submissions, their attempts and files (in S3), grades and feedback of each college.",
    load_settings=load_submission_settings,
    providers=ioc.providers,
    routes=ROUTES,
    migrations=MIGRATIONS_DIR,
    publishes=["submission", "grade"],
    consumes=["assignment", "enrollment", "course", "user"],
    subscribe=subscribe,
    background=[upload_expiry],
    readiness={"s3": object_store_ready},
)


def run(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE, argv)


if __name__ == "__main__":
    run()

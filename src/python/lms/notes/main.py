"""The notes service. ``run()`` is the PEX entry point (``notes serve | worker | outbox``); the
platform runtime builds and runs everything. There is no ``migrate``: MongoDB needs no schema
steps, and the indexes are created at start (``ensure_indexes``). ``notes outbox`` lists, retries
and discards parked outbox documents (``MongoOutboxAdmin``)."""

from __future__ import annotations

from collections.abc import Sequence

from dishka import AsyncContainer
from motor.motor_asyncio import AsyncIOMotorDatabase

from lms.notes import ioc
from lms.notes.adapters.http.routes import ROUTES
from lms.notes.adapters.messaging.consumers import subscribe
from lms.notes.adapters.messaging.relay import PUBLISHES, relay_work
from lms.notes.adapters.persistence.indexes import ensure_indexes
from lms.notes.config import NotesSettings, load_notes_settings
from lms_platform.runtime import ServiceSpec, run_service


async def create_indexes(container: AsyncContainer) -> None:
    await ensure_indexes(
        await container.get(AsyncIOMotorDatabase), await container.get(NotesSettings)
    )


async def mongo_ready(container: AsyncContainer) -> None:
    await (await container.get(AsyncIOMotorDatabase)).command("ping")


SERVICE = ServiceSpec(
    name="notes",
    title="LMS notes service",
    description="Personal and shared notes, linked to course content, on MongoDB.",
    load_settings=load_notes_settings,
    providers=ioc.providers,
    routes=ROUTES,
    publishes=PUBLISHES,
    consumes=["enrollment", "user"],
    subscribe=subscribe,
    background=[relay_work],
    on_startup=[create_indexes],
    readiness={"mongo": mongo_ready},
    outbox_admin=ioc.outbox_admin,
)


def run(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE, argv)


if __name__ == "__main__":
    run()

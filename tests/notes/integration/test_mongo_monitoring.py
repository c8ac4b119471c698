"""``notes_mongo_up`` (the alert NotesMongoUnreachable's series) follows the driver's heartbeats
of the service's own client: 1 against the running server, 0 against a port nobody listens on,
with no request made."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import msgspec
from prometheus_client import REGISTRY
from pymongo.errors import PyMongoError

from lms.notes.config import NotesSettings
from lms.notes.ioc import mongo_client


def dead_mongo_url() -> str:
    with socket.socket() as probe:  # bound, then closed: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"mongodb://127.0.0.1:{port}/?directConnection=true&connectTimeoutMS=300&serverSelectionTimeoutMS=500"


async def gauge_becomes(service: str, value: float, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while REGISTRY.get_sample_value("notes_mongo_up", {"service": service}) != value:
        assert asyncio.get_running_loop().time() < deadline, f"notes_mongo_up never {value}"
        await asyncio.sleep(0.05)


async def test_the_gauge_says_whether_mongodb_answers(notes_settings: NotesSettings) -> None:
    for url, service, expected in (
        (notes_settings.mongo_url, "notes-monitoring-up", 1.0),
        (dead_mongo_url(), "notes-monitoring-down", 0.0),
    ):
        settings = msgspec.structs.replace(notes_settings, mongo_url=url, service_name=service)
        client = mongo_client(settings)
        try:
            with contextlib.suppress(PyMongoError):  # the first command starts the monitor
                await client.admin.command("ping")
            await gauge_becomes(service, expected)
        finally:
            client.close()

"""The service starts, is healthy and ready, creates its indexes, and answers errors as problem
details."""

from __future__ import annotations

from motor.motor_asyncio import AsyncIOMotorDatabase

from lms.notes.config import NotesSettings
from lms_platform.testing.services import RunningService


async def test_it_is_healthy_and_ready(notes_service: RunningService[NotesSettings]) -> None:
    health = await notes_service.client.get("/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "service": "notes"}
    ready = await notes_service.client.get("/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ready"
    assert ready.json()["checks"]["mongo"] == "ok"


async def test_the_indexes_exist_at_start(
    notes_service: RunningService[NotesSettings], notes_db: AsyncIOMotorDatabase
) -> None:
    notes = await notes_db["notes"].index_information()
    assert {
        "ix_notes_list_updated",
        "ix_notes_list_title",
        "ix_notes_owner",
        "ix_notes_readers",
    } <= set(notes)
    assert "ix_outbox_claim" in await notes_db["outbox"].index_information()
    assert "ix_memberships_user" in await notes_db["memberships"].index_information()


async def test_an_unknown_route_is_a_404_problem(
    notes_service: RunningService[NotesSettings],
) -> None:
    response = await notes_service.client.get("/no-such-route")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404

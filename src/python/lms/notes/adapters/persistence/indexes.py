"""The indexes of every query the service makes, created at start (idempotent). Each one's
query and ``explain()`` plan are in docs/services/notes.md ("Indexes");
benchmarks/notes/explain.py prints them."""

from __future__ import annotations

from datetime import timedelta

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import ASCENDING, IndexModel

from lms.notes.config import NotesSettings
from lms_platform.messaging.mongo_outbox import ensure_outbox_indexes
from lms_platform.persistence.mongo import ensure_processed_indexes


def _list_index(key: str) -> IndexModel:
    # GET /notes in one sort order: the college, archived or not, who may read, the position.
    return IndexModel(
        [("tenant_id", ASCENDING), ("archived", ASCENDING), ("readers", ASCENDING),
         (key, ASCENDING)],
        name=f"ix_notes_list_{key.removeprefix('k_')}",
    )  # fmt: skip


NOTE_INDEXES = [
    _list_index("k_updated"),
    _list_index("k_created"),
    _list_index("k_title"),
    # user.deleted: the leaver's own notes, and the notes shared with them.
    IndexModel([("tenant_id", ASCENDING), ("owner_id", ASCENDING)], name="ix_notes_owner"),
    IndexModel([("tenant_id", ASCENDING), ("readers", ASCENDING)], name="ix_notes_readers"),
]

MEMBERSHIP_INDEXES = [
    # The caller's live memberships, read on every request (viewer_of).
    IndexModel([("tenant_id", ASCENDING), ("user_id", ASCENDING), ("deleted", ASCENDING)],
               name="ix_memberships_user"),  # fmt: skip
]


async def ensure_indexes(
    database: AsyncIOMotorDatabase, settings: NotesSettings | None = None
) -> None:
    """``settings`` gives the dedup records' retention (the defaults' when omitted)."""
    retention = (settings or NotesSettings()).processed_messages_retention_seconds
    await database["notes"].create_indexes(NOTE_INDEXES)
    await database["memberships"].create_indexes(MEMBERSHIP_INDEXES)
    await ensure_outbox_indexes(database)
    await ensure_processed_indexes(database, retention=timedelta(seconds=retention))

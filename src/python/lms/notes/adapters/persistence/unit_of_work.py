"""The notes unit of work on MongoDB: the platform's ``MongoUnitOfWork`` (one transaction with
the outbox) plus the note store, every read and write on the transaction's session."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from motor.motor_asyncio import AsyncIOMotorClient
from odmantic import AIOEngine

from lms.notes.adapters.persistence.documents import (
    NoteDocument,
    share_documents,
    share_target,
    to_document,
    to_note,
)
from lms.notes.domain.notes import Note, ShareKind
from lms_platform.messaging.mongo_outbox import MongoOutboxWriter
from lms_platform.persistence.mongo import MongoUnitOfWork


class NotesMongoUnitOfWork(MongoUnitOfWork):
    def __init__(
        self,
        client: AsyncIOMotorClient,
        engine: AIOEngine,
        outbox: MongoOutboxWriter,
        source: str = "notes",
    ) -> None:
        super().__init__(client, outbox, source)
        self._engine = engine
        self._notes = engine.get_collection(NoteDocument)

    async def get(self, tenant_id: str, note_id: UUID) -> Note | None:
        # By _id alone (the test server plans _id plus another field as a scan); the college
        # is checked here: another college's note is not found.
        doc = await self._engine.find_one(
            NoteDocument, NoteDocument.id == str(note_id), session=await self.session()
        )
        return to_note(doc) if doc is not None and doc.tenant_id == tenant_id else None

    async def add(self, note: Note) -> None:
        await self._engine.save(to_document(note), session=await self.session())

    async def replace(self, note: Note, expected_version: int) -> bool:
        # A conditional replace: odmantic's save() would overwrite whatever is stored.
        document = to_document(note).model_dump_doc()
        result = await self._notes.replace_one(
            {"_id": str(note.id), "version": expected_version},
            document,
            session=await self.session(),
        )
        return result.matched_count == 1

    async def save_shares(self, note: Note) -> None:
        shares, readers = share_documents(note)
        await self._notes.update_one(
            {"_id": str(note.id)},
            {"$set": {"shares": [s.model_dump_doc() for s in shares], "readers": readers}},
            session=await self.session(),
        )

    async def delete(self, note: Note) -> None:
        await self._notes.delete_one({"_id": str(note.id)}, session=await self.session())

    async def owned_by(self, tenant_id: str, user_id: UUID) -> Sequence[Note]:
        return await self._find({"tenant_id": tenant_id, "owner_id": str(user_id)})

    async def shared_with_user(self, tenant_id: str, user_id: UUID) -> Sequence[Note]:
        target = share_target(ShareKind.USER, user_id)
        return await self._find({"tenant_id": tenant_id, "readers": target})

    async def _find(self, query: dict[str, object]) -> list[Note]:
        cursor = self._engine.find(NoteDocument, query, session=await self.session())
        return [to_note(doc) async for doc in cursor]

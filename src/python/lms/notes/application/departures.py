"""When a user is deleted (``user.deleted``): their notes go, shared or not, and so do the
shares others gave them. Policy (docs/services/notes.md): a note is its author's, so it leaves
with them; whoever needs it keeps a copy. Each removal is an event, so search and analytics
forget it too. Applied once (the consumer's dedup record commits in the same transaction)."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from lms.notes.application.ports import NotesUnitOfWork
from lms.notes.domain.events import NoteDeleted, NoteUnshared
from lms.notes.domain.notes import ShareKind
from lms.notes.domain.snapshots import share_data


class ForgetUser:
    def __init__(self, uow: NotesUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, tenant_id: str, user_id: UUID) -> int:
        """Returns how many notes were deleted."""

        async def work() -> int:
            owned = await self._uow.owned_by(tenant_id, user_id)
            for note in owned:
                await self._uow.delete(note)
                self._uow.record(
                    NoteDeleted(aggregate_id=str(note.id), tenant_id=tenant_id,
                                owner_id=str(user_id), version=note.version,
                                reason="user_deleted")
                )  # fmt: skip
            for note in await self._uow.shared_with_user(tenant_id, user_id):
                gone = [s for s in note.shares
                        if s.kind is ShareKind.USER and s.target_id == user_id]  # fmt: skip
                kept = tuple(s for s in note.shares if s not in gone)
                await self._uow.save_shares(replace(note, shares=kept))
                for share in gone:
                    self._uow.record(
                        NoteUnshared(aggregate_id=str(note.id), tenant_id=tenant_id,
                                     owner_id=str(note.owner_id), share=share_data(share),
                                     reason="user_deleted")
                    )  # fmt: skip
            return len(owned)

        return await self._uow.atomically(work)

"""Writing notes: create, edit (a whole new content or some fields), delete. Every edit names the
version it was based on; a stale one writes nothing and says which version is current."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from lms.notes.application.access import require_writer, viewer_of
from lms.notes.application.errors import NoteNotFound, StaleIfMatch, StaleVersion
from lms.notes.application.ports import Memberships, NotesUnitOfWork
from lms.notes.domain.events import NoteCreated, NoteDeleted, NoteUpdated
from lms.notes.domain.notes import Note, NoteContent, Viewer
from lms.notes.domain.snapshots import note_data
from lms_platform.kernel.errors import PermissionDenied
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal


@dataclass(frozen=True, slots=True)
class BasedOn:
    """The version an edit was based on, and where the client said it (the status differs)."""

    version: int
    from_if_match: bool = False

    def check(self, current: int) -> None:
        if self.version != current:
            raise (StaleIfMatch if self.from_if_match else StaleVersion)(self.version, current)


def now_ms(clock: Clock) -> Any:
    """MongoDB keeps milliseconds; a timestamp that round-trips keeps page cursors exact."""
    now = clock.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


async def load_for(
    uow: NotesUnitOfWork, viewer: Viewer, note_id: UUID, *, edit: bool = False
) -> Note:
    """The note if ``viewer`` may read it (or edit it); 404 when they cannot even see it."""
    note = await uow.get(viewer.tenant_id, note_id)
    if note is None or not note.can_read(viewer):
        raise NoteNotFound(note_id)
    if edit and not note.can_edit(viewer):
        raise PermissionDenied("this note is shared with you read only")
    return note


class CreateNote:
    def __init__(
        self, uow: NotesUnitOfWork, memberships: Memberships, clock: Clock, ids: IdGenerator
    ) -> None:
        self._uow, self._memberships, self._clock, self._ids = uow, memberships, clock, ids

    async def __call__(self, principal: Principal, content: NoteContent) -> Note:
        require_writer(principal)
        viewer = await viewer_of(principal, self._memberships)
        at = now_ms(self._clock)
        note = Note(
            id=self._ids.new_id(), tenant_id=viewer.tenant_id, owner_id=viewer.user_id,
            content=content, created_at=at, updated_at=at,
        )  # fmt: skip

        async def work() -> Note:
            await self._uow.add(note)
            self._uow.record(
                NoteCreated(aggregate_id=str(note.id), tenant_id=note.tenant_id,
                            note=note_data(note))
            )  # fmt: skip
            return note

        return await self._uow.atomically(work)


class EditNote:
    """PUT (``content``) and PATCH (``changes``): by the owner or a user shared with to edit."""

    def __init__(self, uow: NotesUnitOfWork, memberships: Memberships, clock: Clock) -> None:
        self._uow, self._memberships, self._clock = uow, memberships, clock

    async def __call__(
        self,
        principal: Principal,
        note_id: UUID,
        based_on: BasedOn,
        *,
        content: NoteContent | None = None,
        changes: Mapping[str, Any] | None = None,
    ) -> Note:
        require_writer(principal)
        viewer = await viewer_of(principal, self._memberships)

        async def work() -> Note:
            note = await load_for(self._uow, viewer, note_id, edit=True)
            based_on.check(note.version)
            new_content = content if content is not None else note.patched(changes or {})
            edited, changed = note.edited(new_content, now_ms(self._clock))
            if not changed:
                return note
            if not await self._uow.replace(edited, note.version):
                current = await self._uow.get(viewer.tenant_id, note_id)
                raise StaleVersion(based_on.version, current.version if current else -1)
            self._uow.record(
                NoteUpdated(aggregate_id=str(note.id), tenant_id=note.tenant_id,
                            changed_fields=changed, note=note_data(edited))
            )  # fmt: skip
            return edited

        return await self._uow.atomically(work)


class DeleteNote:
    """Only the owner deletes; ``based_on`` (If-Match), when given, must be current."""

    def __init__(self, uow: NotesUnitOfWork, memberships: Memberships) -> None:
        self._uow, self._memberships = uow, memberships

    async def __call__(
        self, principal: Principal, note_id: UUID, based_on: BasedOn | None = None
    ) -> None:
        require_writer(principal)
        viewer = await viewer_of(principal, self._memberships)

        async def work() -> None:
            note = await load_for(self._uow, viewer, note_id)
            if not note.is_owned_by(viewer):
                raise PermissionDenied("only the note's owner deletes it")
            if based_on is not None:
                based_on.check(note.version)
            await self._uow.delete(note)
            self._uow.record(
                NoteDeleted(aggregate_id=str(note.id), tenant_id=note.tenant_id,
                            owner_id=str(note.owner_id), version=note.version, reason="deleted")
            )  # fmt: skip

        await self._uow.atomically(work)

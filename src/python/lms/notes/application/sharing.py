"""Sharing: with a user of the owner's college (read or edit), or with a section or course the
owner belongs to (read only, seen by its active members); listing and revoking shares. Only
the owner shares; shares never change the note's version (they overwrite no one's text)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from uuid import UUID

from lms.notes.application.access import require_writer, viewer_of
from lms.notes.application.errors import ShareNotFound
from lms.notes.application.ports import Memberships, NotesUnitOfWork, UserDirectory
from lms.notes.application.writing import load_for, now_ms
from lms.notes.domain.events import NoteShared, NoteUnshared
from lms.notes.domain.notes import (
    SHARES_MAX,
    Note,
    Share,
    ShareAccess,
    ShareKind,
    Viewer,
)
from lms.notes.domain.snapshots import share_data
from lms_platform.kernel.errors import InvalidInput, PermissionDenied
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal


async def owned(uow: NotesUnitOfWork, viewer: Viewer, note_id: UUID) -> Note:
    note = await load_for(uow, viewer, note_id)
    if not note.is_owned_by(viewer):
        raise PermissionDenied("only the note's owner manages its shares")
    return note


class ShareNote:
    def __init__(
        self, uow: NotesUnitOfWork, memberships: Memberships, users: UserDirectory,
        clock: Clock, ids: IdGenerator,
    ) -> None:  # fmt: skip
        self._uow, self._memberships, self._users = uow, memberships, users
        self._clock, self._ids = clock, ids

    async def __call__(
        self,
        principal: Principal,
        note_id: UUID,
        kind: ShareKind,
        target_id: UUID,
        permission: ShareAccess,
    ) -> tuple[Share, bool]:
        """The share and whether it is new (an existing share of the target gets the new
        permission instead of a second share)."""
        require_writer(principal)
        viewer = await viewer_of(principal, self._memberships)

        async def work() -> tuple[Share, bool]:
            note = await owned(self._uow, viewer, note_id)  # 404 or 403 before judging the target
            await self._check_target(viewer, kind, target_id)
            existing = note.share_like(kind, target_id)
            if existing is not None and existing.permission is permission:
                return existing, False
            if existing is None and len(note.shares) >= SHARES_MAX:
                raise InvalidInput(f"a note has at most {SHARES_MAX} shares")
            share = Share(
                id=existing.id if existing else self._ids.new_id(), kind=kind,
                target_id=target_id, permission=permission,
                created_at=existing.created_at if existing else now_ms(self._clock),
            )  # fmt: skip
            others = tuple(s for s in note.shares if s is not existing)
            await self._uow.save_shares(replace(note, shares=(*others, share)))
            self._uow.record(
                NoteShared(aggregate_id=str(note.id), tenant_id=note.tenant_id,
                           owner_id=str(note.owner_id), share=share_data(share))
            )  # fmt: skip
            return share, existing is None

        return await self._uow.atomically(work)

    async def _check_target(self, viewer: Viewer, kind: ShareKind, target_id: UUID) -> None:
        if kind is ShareKind.USER:
            if target_id == viewer.user_id:
                raise InvalidInput("a note is not shared with its owner", field="target_id")
            # A user of another college is not in this college's directory: refused the same way.
            if not await self._users.exists(viewer.tenant_id, target_id):
                raise InvalidInput("no such user in your college", field="target_id")
        elif kind is ShareKind.SECTION and target_id not in viewer.sections:
            raise InvalidInput("you share only with a section you belong to", field="target_id")
        elif kind is ShareKind.COURSE and target_id not in viewer.courses:
            raise InvalidInput("you share only with a course you belong to", field="target_id")


class ListShares:
    def __init__(self, uow: NotesUnitOfWork, memberships: Memberships) -> None:
        self._uow, self._memberships = uow, memberships

    async def __call__(self, principal: Principal, note_id: UUID) -> Sequence[Share]:
        viewer = await viewer_of(principal, self._memberships)
        return (await owned(self._uow, viewer, note_id)).shares


class RevokeShare:
    def __init__(self, uow: NotesUnitOfWork, memberships: Memberships) -> None:
        self._uow, self._memberships = uow, memberships

    async def __call__(self, principal: Principal, note_id: UUID, share_id: UUID) -> None:
        require_writer(principal)
        viewer = await viewer_of(principal, self._memberships)

        async def work() -> None:
            note = await owned(self._uow, viewer, note_id)
            share = note.share(share_id)
            if share is None:
                raise ShareNotFound(share_id)
            kept = tuple(s for s in note.shares if s.id != share_id)
            await self._uow.save_shares(replace(note, shares=kept))
            self._uow.record(
                NoteUnshared(aggregate_id=str(note.id), tenant_id=note.tenant_id,
                             owner_id=str(note.owner_id), share=share_data(share),
                             reason="revoked")
            )  # fmt: skip

        await self._uow.atomically(work)

"""The use cases with small fakes of their ports: versions checked before any write, events
recorded with the change, the departure policy."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from lms.notes.application.departures import ForgetUser
from lms.notes.application.errors import StaleIfMatch, StaleVersion
from lms.notes.application.writing import BasedOn, CreateNote, EditNote
from lms.notes.domain.notes import Note, NoteContent, Share, ShareAccess, ShareKind
from lms_platform.kernel.events import DomainEvent
from lms_platform.kernel.membership import Membership
from lms_platform.kernel.principal import Principal

T = TypeVar("T")
NOW = datetime(2026, 12, 1, tzinfo=UTC)


class FakeNotes:
    def __init__(self) -> None:
        self.notes: dict[uuid.UUID, Note] = {}
        self.events: list[DomainEvent] = []
        self._pending: list[DomainEvent] = []

    async def atomically(self, work: Callable[[], Awaitable[T]]) -> T:
        result = await work()
        self.events += self._pending
        self._pending = []
        return result

    def record(self, event: DomainEvent) -> None:
        self._pending.append(event)

    async def get(self, tenant_id: str, note_id: uuid.UUID) -> Note | None:
        note = self.notes.get(note_id)
        return note if note is not None and note.tenant_id == tenant_id else None

    async def add(self, note: Note) -> None:
        self.notes[note.id] = note

    async def replace(self, note: Note, expected_version: int) -> bool:
        if self.notes[note.id].version != expected_version:
            return False
        self.notes[note.id] = note
        return True

    async def save_shares(self, note: Note) -> None:
        self.notes[note.id] = replace(self.notes[note.id], shares=note.shares)

    async def delete(self, note: Note) -> None:
        del self.notes[note.id]

    async def owned_by(self, tenant_id: str, user_id: uuid.UUID) -> Sequence[Note]:
        return [n for n in self.notes.values() if (n.tenant_id, n.owner_id) == (tenant_id, user_id)]

    async def shared_with_user(self, tenant_id: str, user_id: uuid.UUID) -> Sequence[Note]:
        return [n for n in self.notes.values() if n.tenant_id == tenant_id
                and any(s.target_id == user_id for s in n.shares)]  # fmt: skip


class NoMemberships:
    async def of_user(self, tenant_id: str, user_id: uuid.UUID) -> Sequence[Membership]:
        return []


class Clock:
    def now(self) -> datetime:
        return NOW


class Ids:
    def new_id(self) -> uuid.UUID:
        return uuid.uuid4()


def principal(user: uuid.UUID, **kw: Any) -> Principal:
    return Principal(user_id=str(user), tenant_id="c1", permissions=frozenset({"note:write"}), **kw)


async def test_a_stale_edit_writes_nothing_and_says_the_current_version() -> None:
    store, owner = FakeNotes(), uuid.uuid4()
    note = await CreateNote(store, NoMemberships(), Clock(), Ids())(
        principal(owner), NoteContent(title="t")
    )
    edit = EditNote(store, NoMemberships(), Clock())
    await edit(principal(owner), note.id, BasedOn(1), changes={"body": "first"})
    with pytest.raises(StaleVersion) as stale:
        await edit(principal(owner), note.id, BasedOn(1), changes={"body": "second"})
    assert stale.value.current == 2
    with pytest.raises(StaleIfMatch):
        await edit(principal(owner), note.id, BasedOn(1, from_if_match=True), changes={"body": "x"})
    assert store.notes[note.id].content.body == "first"
    assert [e.event_type for e in store.events] == ["note.created", "note.updated"]


async def test_a_departure_deletes_the_leavers_notes_and_their_shares() -> None:
    store, leaver, friend = FakeNotes(), uuid.uuid4(), uuid.uuid4()
    create = CreateNote(store, NoMemberships(), Clock(), Ids())
    theirs = [await create(principal(leaver), NoteContent(title=f"n{i}")) for i in range(2)]
    kept = await create(principal(friend), NoteContent(title="kept"))
    await store.save_shares(replace(kept, shares=(Share(uuid.uuid4(), ShareKind.USER, leaver,
                                                        ShareAccess.EDIT, NOW),)))  # fmt: skip
    store.events.clear()
    assert await ForgetUser(store)("c1", leaver) == 2
    assert set(store.notes) == {kept.id} and store.notes[kept.id].shares == ()
    assert sorted(e.event_type for e in store.events) == [
        "note.deleted",
        "note.deleted",
        "note.unshared",
    ]
    assert {t.id for t in theirs}.isdisjoint(store.notes)

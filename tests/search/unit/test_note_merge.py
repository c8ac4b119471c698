"""A note's document merged from its events: the same state whatever the order and however
often each event comes, a revocation final, and a version that grows with every change."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

from lms.search.domain.documents import FINAL_VERSION
from lms.search.domain.notes import (
    CONTENT_FIELDS,
    NoteChange,
    NoteRemoved,
    NoteShare,
    NoteShared,
    NoteSnapshot,
    NoteState,
    NoteUnshared,
    merged,
    note_state,
)

T0 = datetime(2026, 9, 1, tzinfo=UTC)
NOTE, OWNER, TENANT = "n1", "owner", "a"
S1 = NoteShare("s1", "user", "friend")
S2 = NoteShare("s2", "section", "sec")


def snapshot(version: int, title: str, shares: tuple[NoteShare, ...] = ()) -> NoteSnapshot:
    return NoteSnapshot(note_id=NOTE, tenant_id=TENANT, owner_id=OWNER, version=version,
                        time=T0 + timedelta(seconds=version),
                        content=dict.fromkeys(CONTENT_FIELDS) | {"title": title},
                        shares=shares)  # fmt: skip


def shared(share: NoteShare, second: int) -> NoteShared:
    return NoteShared(note_id=NOTE, tenant_id=TENANT, owner_id=OWNER,
                      time=T0 + timedelta(seconds=second), share=share)  # fmt: skip


def unshared(share: NoteShare, second: int) -> NoteUnshared:
    return NoteUnshared(note_id=NOTE, tenant_id=TENANT, owner_id=OWNER,
                        time=T0 + timedelta(seconds=second), share=share)  # fmt: skip


HISTORY: list[NoteChange] = [
    snapshot(1, "First"),
    shared(S1, 10),
    snapshot(2, "Second", (S1,)),
    shared(S2, 11),
    unshared(S1, 12),
    snapshot(3, "Third", (S2,)),
]


def fold(changes: list[NoteChange]) -> NoteState | None:
    state: NoteState | None = None
    for change in changes:
        state = merged(state, change)
    return state


def test_any_order_and_any_repetition_gives_the_in_order_state() -> None:
    clean = fold(HISTORY)
    assert clean is not None
    assert clean.content["title"] == "Third"
    assert clean.live_shares == [S2]
    for order in itertools.permutations(HISTORY):
        assert fold(list(order)) == clean
    messy = HISTORY * 2
    random.Random(3).shuffle(messy)
    assert fold(messy) == clean


def test_a_revocation_is_final_even_before_the_share_arrives() -> None:
    state = fold([unshared(S1, 12), snapshot(2, "Second", (S1,)), shared(S1, 10)])
    assert state is not None and state.live_shares == []
    assert state.document(T0).fields["shared_user_ids"] == []


def test_the_version_grows_with_every_change_and_only_then() -> None:
    state: NoteState | None = None
    versions = []
    for change in HISTORY:
        state = merged(state, change)
        versions.append(state.external_version)
    assert versions == sorted(set(versions))
    assert state is not None and merged(state, HISTORY[1]).external_version == versions[-1]


def test_a_deletion_is_final_and_a_late_event_still_completes_the_tombstone() -> None:
    removed = NoteRemoved(note_id=NOTE, tenant_id=TENANT, owner_id=OWNER, time=T0)
    tombstone = merged(None, removed)
    assert tombstone.deleted and tombstone.external_version >= FINAL_VERSION
    late = merged(tombstone, snapshot(1, "First"))
    assert late.deleted and late.external_version > tombstone.external_version
    assert fold([*HISTORY, removed]) == fold([removed, *HISTORY])


def test_a_share_before_the_content_is_kept_and_found_by_no_one_yet() -> None:
    early = merged(None, shared(S1, 10))
    document = early.document(T0)
    assert document.fields["has_content"] is False
    assert document.fields["shared_user_ids"] == ["friend"]


def test_the_stored_document_gives_back_its_state() -> None:
    state = fold(HISTORY)
    assert state is not None
    assert note_state(state.document(T0)) == state

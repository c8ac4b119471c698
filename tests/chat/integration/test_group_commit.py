"""Posts that arrive together share a transaction (group commit, docs/services/chat.md): many
posts at once to several rooms, on both processes, each with resends of its client id, are
stored once each with gapless per-room numbers, one ``chat.message_posted`` each, and acks
that match the stored rows."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import asyncpg
import msgspec

from lms.chat.domain.rooms import section_room_id
from lms_platform.testing.outbox import OUTBOX_INSERTS_SQL
from tests.chat.integration.clients import NativeClient
from tests.chat.integration.conftest import ChatCluster, Enrollments
from tests.chat.integration.test_events import chat_events

ROOMS, SENDERS_PER_ROOM, POSTS_PER_SENDER = 5, 4, 10  # 200 posts, 20 sockets at once


async def test_many_posts_at_once_get_gapless_numbers_one_row_and_one_event_each(
    chat: ChatCluster, college: str, enrollments: Enrollments
) -> None:
    course = uuid.uuid4()
    sections = [uuid.uuid4() for _ in range(ROOMS)]
    senders = {s: [uuid.uuid4() for _ in range(SENDERS_PER_ROOM)] for s in sections}
    for section, users in senders.items():
        for user in users:
            await enrollments.put(college, user, course, section)
    room_of = {s: str(section_room_id(college, s)) for s in sections}
    # Each sender has two sockets, one on each process; both send every message (the same
    # client id at once): the second copy is a resend, within a batch or across.
    pairs = [
        (room_of[s], u, NativeClient(chat.a.base_url, chat.token(u, college)),
         NativeClient(chat.b.base_url, chat.token(u, college)))
        for s, users in senders.items() for u in users
    ]  # fmt: skip
    await asyncio.gather(*(c.connect() for _, _, a, b in pairs for c in (a, b)))
    outbox_before = await chat.scalar(OUTBOX_INSERTS_SQL)
    acks: list[tuple[str, uuid.UUID, str, dict[str, Any]]] = []

    async def send(room: str, user: uuid.UUID, a: NativeClient, b: NativeClient) -> None:
        for i in range(POSTS_PER_SENDER):
            client_id = f"{user}-{i}"
            frame = {"room_id": room, "body": f"{user} #{i}", "client_id": client_id}
            for ack in await asyncio.gather(a.call("send", **frame), b.call("send", **frame)):
                assert ack["ok"], ack
                acks.append((room, user, client_id, ack["data"]))

    try:
        await asyncio.gather(*(send(*pair) for pair in pairs))
    finally:
        await asyncio.gather(*(c.ws.close() for _, _, a, b in pairs for c in (a, b)))

    connection = await asyncpg.connect(chat.dsn)
    try:
        rows = await connection.fetch(
            "SELECT id, room_id, seq, sender_id, client_id, body, xmin::text::bigint AS tx"
            " FROM chat_messages WHERE room_id = ANY($1::uuid[])",
            [uuid.UUID(r) for r in room_of.values()],
        )
        last_seqs = dict(
            await connection.fetch(
                "SELECT id, last_seq FROM chat_rooms WHERE id = ANY($1::uuid[])",
                [uuid.UUID(r) for r in room_of.values()],
            )
        )
    finally:
        await connection.close()
    posts = ROOMS * SENDERS_PER_ROOM * POSTS_PER_SENDER
    assert len(rows) == posts  # each stored once, the resends not at all
    by_room: dict[str, list[int]] = {}
    for row in rows:
        by_room.setdefault(str(row["room_id"]), []).append(row["seq"])
    per_room = SENDERS_PER_ROOM * POSTS_PER_SENDER
    for room in room_of.values():
        assert sorted(by_room[room]) == list(range(1, per_room + 1)), room  # distinct, no gap
        assert last_seqs[uuid.UUID(room)] == per_room
    # Each sender's own messages are numbered in the order it sent them.
    stored = {(str(r["room_id"]), r["sender_id"], r["client_id"]): r for r in rows}
    for room, user, *_ in pairs:
        seqs = [stored[(room, user, f"{user}-{i}")]["seq"] for i in range(POSTS_PER_SENDER)]
        assert seqs == sorted(seqs), (room, user, seqs)
    # Both copies were acked with the stored row, exactly one of them as the original.
    assert len(acks) == 2 * posts
    originals: Counter[tuple[str, uuid.UUID, str]] = Counter()
    for room, user, client_id, ack in acks:
        row = stored[(room, user, client_id)]
        assert (ack["id"], ack["seq"]) == (str(row["id"]), row["seq"])
        assert row["body"] == f"{client_id.rsplit('-', 1)[0]} #{client_id.rsplit('-', 1)[1]}"
        if not ack["duplicate"]:
            originals[(room, user, client_id)] += 1
    assert set(originals.values()) == {1} and len(originals) == posts
    # They shared transactions: fewer than one per message (that is the group commit).
    assert len({r["tx"] for r in rows}) < posts
    # One outbox row per message, and one chat.message_posted each on Kafka.
    assert await chat.scalar(OUTBOX_INSERTS_SQL) - outbox_before == posts
    events = await chat_events(chat, college, expected=posts + ROOMS + 1)
    decoded = [msgspec.json.decode(e.data) for _, e in events if e.type == "chat.message_posted"]
    posted = Counter((d["room_id"], d["seq"]) for d in decoded)
    assert posted == Counter({(room, seq): 1 for room, seqs in by_room.items() for seq in seqs})

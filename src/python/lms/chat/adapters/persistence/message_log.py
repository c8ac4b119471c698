"""``MessageLog`` by group commit: the posts of this process that arrive while a write is under
way are numbered and stored together in the next transaction, with their outbox rows.

A post arriving when nothing is being written is written at once (no timer). One transaction
for a batch locks its rooms in id order (so two processes' batches cannot deadlock), drops
the resends already stored (the room locks keep anybody else from adding to those rooms
meanwhile), takes every room's numbers with one ``UPDATE ... RETURNING``, inserts the messages
in one statement and stages their events. When it fails, each post of the batch is written
alone, so one bad post fails only its own sender."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Integer, String, Table, Uuid, bindparam, insert, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lms.chat.adapters.persistence.models import MessageRecord
from lms.chat.application.errors import RoomNotFound
from lms.chat.application.ports import Appended
from lms.chat.domain.messages import Message
from lms_platform.kernel.errors import Conflict
from lms_platform.kernel.events import DomainEvent
from lms_platform.metrics import DOMAIN_EVENTS
from lms_platform.persistence.unit_of_work import EventStager

MESSAGES = cast(Table, MessageRecord.__table__)
EventsOf = Callable[[Message], Sequence[DomainEvent]]

# Arrays, not IN lists or VALUES rows: the same SQL whatever the batch, prepared once.
# The rooms are locked in id order first: two processes' batches never wait on each other
# in a circle.
_TAKE_NUMBERS = text(
    "WITH locked AS (SELECT id FROM chat_rooms WHERE id = ANY(:ids) ORDER BY id FOR UPDATE)"
    " UPDATE chat_rooms SET last_seq = chat_rooms.last_seq + taken.n"
    " FROM unnest(:ids, :counts) AS taken(id, n)"
    " WHERE chat_rooms.id = taken.id AND chat_rooms.id IN (SELECT id FROM locked)"
    " RETURNING chat_rooms.id, chat_rooms.last_seq"
).bindparams(bindparam("ids", type_=ARRAY(Uuid)), bindparam("counts", type_=ARRAY(Integer)))
_SENT_BEFORE = text(
    "SELECT m.* FROM chat_messages m"
    " JOIN unnest(:rooms, :senders, :clients) AS k(room_id, sender_id, client_id)"
    " ON m.room_id = k.room_id AND m.sender_id = k.sender_id AND m.client_id = k.client_id"
).bindparams(
    bindparam("rooms", type_=ARRAY(Uuid)), bindparam("senders", type_=ARRAY(Uuid)),
    bindparam("clients", type_=ARRAY(String)),
)  # fmt: skip


@dataclass(eq=False, slots=True)
class _Post:
    draft: Message
    events: EventsOf
    done: asyncio.Future[Appended] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    @property
    def client_key(self) -> tuple[UUID, UUID, str] | None:
        d = self.draft
        return None if d.client_id is None else (d.room_id, d.sender_id, d.client_id)


def _message(row: Any) -> Message:
    return Message(
        id=row.id, room_id=row.room_id, tenant_id=row.tenant_id, seq=row.seq,
        sender_id=row.sender_id, body=row.body, created_at=row.created_at,
        client_id=row.client_id, edited_at=row.edited_at, deleted_at=row.deleted_at,
    )  # fmt: skip


class GroupCommitLog:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], events: EventStager, max_batch: int = 500
    ) -> None:
        self._sessions, self._events, self._max_batch = sessions, events, max_batch
        self._queue: list[_Post] = []
        self._writer: asyncio.Task[None] | None = None
        self.batches = 0  # transactions written (tests read it to see posts share one)

    async def append(self, draft: Message, events: EventsOf) -> Appended:
        post = _Post(draft, events)
        self._queue.append(post)
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._drain())
        # Shielded: a sender that goes away does not take the others' batch down with it.
        return await asyncio.shield(post.done)

    async def _drain(self) -> None:
        try:
            await asyncio.sleep(0)  # posts of the same turn of the loop go together
            while self._queue:
                batch = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
                await self._flush(batch)
        except BaseException as exc:  # cancelled (the process stops): nobody waits forever
            for post in self._queue:
                _settle(post, exc)
            self._queue.clear()
            raise
        finally:
            self._writer = None

    async def _flush(self, batch: list[_Post]) -> None:
        try:
            if len(batch) > 1:
                try:
                    results = await self._write(batch)
                except Exception:  # found below: each post alone
                    pass
                else:
                    for post, result in zip(batch, results, strict=True):
                        _settle(post, result)
                    return
            for post in batch:
                try:
                    result = await self._alone(post)
                except Exception as exc:
                    _settle(post, exc)
                else:
                    _settle(post, result)
        except BaseException as exc:  # cancelled (the process stops): nobody waits forever
            for post in batch:
                _settle(post, exc)
            raise

    async def _alone(self, post: _Post) -> Appended:
        try:
            (result,) = await self._write([post])
        except Conflict:  # a resend stored meanwhile by another process: found this time
            (result,) = await self._write([post])
        return result

    async def _write(self, batch: list[_Post]) -> list[Appended]:
        try:
            async with self._sessions() as session, session.begin():
                results, staged = await self._numbered(session, batch)
        except IntegrityError as exc:
            raise Conflict("the change conflicts with existing data") from exc
        self.batches += 1
        for event in staged:
            DOMAIN_EVENTS.labels(service=self._events.source, type=event.event_type).inc()
        return results

    async def _numbered(
        self, session: AsyncSession, batch: list[_Post]
    ) -> tuple[list[Appended], list[DomainEvent]]:
        # Resends: read before the rooms are locked. One stored meanwhile by another
        # transaction fails this one on the unique client id; the post alone then finds it.
        keys = [k for p in batch if (k := p.client_key) is not None]
        stored: dict[tuple[UUID, UUID, str], Message] = {}
        if keys:
            found = await session.execute(
                _SENT_BEFORE,
                {"rooms": [k[0] for k in keys], "senders": [k[1] for k in keys],
                 "clients": [k[2] for k in keys]},
            )  # fmt: skip
            stored = {(m.room_id, m.sender_id, str(m.client_id)): m for m in map(_message, found)}
        # Resends already stored, or sent twice within the batch, are the first one.
        fresh: list[_Post] = []
        first_of: dict[tuple[UUID, UUID, str], _Post] = {}
        for post in batch:
            key = post.client_key
            if key is None or (key not in stored and key not in first_of):
                fresh.append(post)
                if key is not None:
                    first_of[key] = post
        counts = Counter(p.draft.room_id for p in fresh)
        last: dict[UUID, int] = {}
        if counts:
            numbered = await session.execute(
                _TAKE_NUMBERS, {"ids": list(counts), "counts": list(counts.values())}
            )
            last = {room: int(seq) for room, seq in numbered.tuples()}
        missing = set(counts) - set(last)
        if missing:
            raise RoomNotFound()
        next_seq = {room: last[room] - n for room, n in counts.items()}
        messages: dict[int, Message] = {}
        for post in fresh:
            room = post.draft.room_id
            next_seq[room] += 1
            messages[id(post)] = replace(post.draft, seq=next_seq[room])
        staged: list[DomainEvent] = []
        if messages:
            await session.execute(
                insert(MESSAGES),
                [
                    {"id": m.id, "room_id": m.room_id, "tenant_id": m.tenant_id, "seq": m.seq,
                     "sender_id": m.sender_id, "body": m.body, "client_id": m.client_id,
                     "created_at": m.created_at, "edited_at": None, "deleted_at": None}
                    for m in messages.values()
                ],
            )  # fmt: skip
            for post in fresh:  # after the rooms' change: outbox ids follow each room's order
                for event in post.events(messages[id(post)]):
                    await self._events.stage(session, event)
                    staged.append(event)
        results: list[Appended] = []
        for post in batch:
            key = post.client_key
            if id(post) in messages:
                results.append(Appended(messages[id(post)], duplicate=False))
            elif key in stored:
                results.append(Appended(stored[key], duplicate=True))
            else:
                results.append(Appended(messages[id(first_of[key])], duplicate=True))  # type: ignore[index]
        return results, staged


def _settle(post: _Post, outcome: Appended | BaseException) -> None:
    if post.done.done():
        return
    if isinstance(outcome, BaseException):
        post.done.set_exception(outcome)
        with contextlib.suppress(Exception):
            post.done.exception()  # retrieved: a sender gone away leaves no warning behind
    else:
        post.done.set_result(outcome)

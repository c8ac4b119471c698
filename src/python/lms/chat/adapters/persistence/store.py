"""``ChatStore`` on the request's session: rooms, messages, markers and mutes in one
transaction with the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, func, null, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from lms.chat.adapters.persistence.models import (
    MessageRecord,
    MuteRecord,
    ReadMarkerRecord,
    RoomMemberRecord,
    RoomRecord,
)
from lms.chat.application.ports import HistoryPage, PostingView, RoomSummary
from lms.chat.domain.history import Anchor, Direction
from lms.chat.domain.messages import Message
from lms.chat.domain.rooms import Room, RoomKind
from lms_platform.persistence.unit_of_work import SqlAlchemyUnitOfWork

ROOMS = RoomRecord.__table__
MESSAGES = MessageRecord.__table__
MUTES = MuteRecord.__table__


def _room(record: RoomRecord | Any) -> Room:
    return Room(
        id=record.id, tenant_id=record.tenant_id, kind=RoomKind(record.kind), title=record.title,
        course_id=record.course_id, section_id=record.section_id, created_by=record.created_by,
        last_seq=record.last_seq, body_in_events=record.body_in_events,
    )  # fmt: skip


def _message(record: MessageRecord) -> Message:
    return Message(
        id=record.id, room_id=record.room_id, tenant_id=record.tenant_id, seq=record.seq,
        sender_id=record.sender_id, body=record.body, created_at=record.created_at,
        client_id=record.client_id, edited_at=record.edited_at, deleted_at=record.deleted_at,
    )  # fmt: skip


class SqlChatStore(SqlAlchemyUnitOfWork):
    async def room(self, tenant_id: str, room_id: UUID) -> Room | None:
        # Core, not the ORM: the gate reads the room on every frame, always fresh.
        row = (
            await self.session.execute(
                select(ROOMS).where(ROOMS.c.id == room_id, ROOMS.c.tenant_id == tenant_id)
            )
        ).first()
        return None if row is None else _room(row)

    async def posting_view(
        self, tenant_id: str, room_id: UUID, sender_id: UUID, client_id: str | None
    ) -> PostingView | None:
        muted = (
            select(MUTES.c.until)
            .where(MUTES.c.room_id == ROOMS.c.id, MUTES.c.user_id == sender_id)
            .scalar_subquery()
        )
        earlier: Any = null()  # no client id: nothing to compare (``== None`` is IS NULL)
        if client_id is not None:
            earlier = (
                select(MESSAGES.c.id)
                .where(MESSAGES.c.room_id == ROOMS.c.id, MESSAGES.c.sender_id == sender_id,
                       MESSAGES.c.client_id == client_id)
                .scalar_subquery()
            )  # fmt: skip
        row = (
            await self.session.execute(
                select(ROOMS, muted.label("muted_until"), earlier.label("earlier_id")).where(
                    ROOMS.c.id == room_id, ROOMS.c.tenant_id == tenant_id
                )
            )
        ).first()
        if row is None:
            return None
        return PostingView(_room(row), row.muted_until, row.earlier_id)

    async def add_room_if_missing(self, room: Room, members: Sequence[UUID] = ()) -> bool:
        inserted = await self.session.execute(
            pg_insert(RoomRecord)
            .values(
                id=room.id, tenant_id=room.tenant_id, kind=room.kind.value, title=room.title,
                course_id=room.course_id, section_id=room.section_id,
                created_by=room.created_by, last_seq=0, body_in_events=room.body_in_events,
                created_at=datetime.now(UTC),
            )
            .on_conflict_do_nothing(index_elements=[RoomRecord.id])
            .returning(RoomRecord.id)
        )  # fmt: skip
        created = inserted.scalar() is not None
        if created and members:
            await self.session.execute(
                pg_insert(RoomMemberRecord).values(
                    [{"room_id": room.id, "user_id": m} for m in members]
                )
            )
        return created

    async def listed_members(self, room_id: UUID) -> set[UUID]:
        rows = await self.session.scalars(
            select(RoomMemberRecord.user_id).where(RoomMemberRecord.room_id == room_id)
        )
        return set(rows)

    async def rooms_listing(self, tenant_id: str, user_id: UUID) -> Sequence[UUID]:
        rows = await self.session.scalars(
            select(RoomRecord.id)
            .join(RoomMemberRecord, RoomMemberRecord.room_id == RoomRecord.id)
            .where(RoomMemberRecord.user_id == user_id, RoomRecord.tenant_id == tenant_id)
            .order_by(RoomRecord.created_at)
        )
        return list(rows)

    async def summaries(
        self, tenant_id: str, rooms: Sequence[UUID], user_id: UUID
    ) -> Sequence[RoomSummary]:
        if not rooms:
            return []
        records = {
            r.id: r
            for r in await self.session.scalars(
                select(RoomRecord).where(
                    RoomRecord.id.in_(rooms), RoomRecord.tenant_id == tenant_id
                )
            )
        }
        markers = dict(
            (await self.session.execute(
                select(ReadMarkerRecord.room_id, ReadMarkerRecord.seq).where(
                    ReadMarkerRecord.user_id == user_id, ReadMarkerRecord.room_id.in_(rooms)
                )
            )).tuples().all()
        )  # fmt: skip
        marker = func.coalesce(
            select(ReadMarkerRecord.seq)
            .where(ReadMarkerRecord.room_id == MessageRecord.room_id,
                   ReadMarkerRecord.user_id == user_id)
            .scalar_subquery(), 0,
        )  # fmt: skip
        # Unread: others' messages after my marker that are not deleted.
        unread = dict(
            (await self.session.execute(
                select(MessageRecord.room_id, func.count())
                .where(MessageRecord.room_id.in_(rooms), MessageRecord.seq > marker,
                       MessageRecord.deleted_at.is_(None), MessageRecord.sender_id != user_id)
                .group_by(MessageRecord.room_id)
            )).tuples().all()
        )  # fmt: skip
        latest = (
            select(MessageRecord.room_id, func.max(MessageRecord.seq).label("seq"))
            .where(MessageRecord.room_id.in_(rooms), MessageRecord.deleted_at.is_(None))
            .group_by(MessageRecord.room_id)
            .subquery()
        )
        last = {
            m.room_id: _message(m)
            for m in await self.session.scalars(
                select(MessageRecord).join(
                    latest,
                    and_(
                        MessageRecord.room_id == latest.c.room_id, MessageRecord.seq == latest.c.seq
                    ),
                )
            )
        }
        return [
            RoomSummary(
                room=_room(records[i]), unread=int(unread.get(i, 0)), last_message=last.get(i),
                read_seq=int(markers.get(i, 0)),
            )
            for i in rooms
            if i in records
        ]  # fmt: skip

    async def message(self, tenant_id: str, message_id: UUID) -> Message | None:
        record = await self.session.get(MessageRecord, message_id)
        if record is None or record.tenant_id != tenant_id:
            return None
        return _message(record)

    async def save_message(self, message: Message) -> None:
        await self.session.execute(
            update(MessageRecord)
            .where(MessageRecord.id == message.id)
            .values(body=message.body, edited_at=message.edited_at, deleted_at=message.deleted_at)
        )

    async def page(self, room_id: UUID, anchor: Anchor) -> HistoryPage:
        of_room = MessageRecord.room_id == room_id
        last = int(
            await self.session.scalar(select(RoomRecord.last_seq).where(RoomRecord.id == room_id))
            or 0
        )

        async def older(below: int, count: int) -> list[MessageRecord]:
            rows = await self.session.scalars(
                select(MessageRecord).where(of_room, MessageRecord.seq < below)
                .order_by(MessageRecord.seq.desc()).limit(count)
            )  # fmt: skip
            return list(reversed(list(rows)))

        async def newer(above: int, count: int) -> list[MessageRecord]:
            rows = await self.session.scalars(
                select(MessageRecord).where(of_room, MessageRecord.seq > above)
                .order_by(MessageRecord.seq).limit(count)
            )  # fmt: skip
            return list(rows)

        limit = anchor.limit
        if anchor.direction is Direction.LATEST:
            found = await older(last + 1, limit)
        elif anchor.direction is Direction.BEFORE:
            found = await older(anchor.seq, limit)
        elif anchor.direction is Direction.AFTER:
            found = await newer(anchor.seq, limit)
        else:  # around: the anchor itself, then half before and half after
            half = (limit - 1) // 2
            found = await older(anchor.seq, half) + await newer(anchor.seq - 1, limit - half)
        first_seq = found[0].seq if found else None
        last_seq = found[-1].seq if found else None
        if anchor.direction is Direction.AFTER and not found:
            first_seq = last_seq = anchor.seq + 1
        if anchor.direction is Direction.BEFORE and not found:
            first_seq = last_seq = min(anchor.seq, last + 1)
        return HistoryPage(
            messages=[_message(r) for r in found],
            reached_start=first_seq is None or first_seq <= 1,
            reached_end=last_seq is None or last_seq >= last,
        )

    async def since(
        self, room_id: UUID, after_seq: int, up_to: int, limit: int
    ) -> Sequence[Message]:
        rows = await self.session.scalars(
            select(MessageRecord)
            .where(MessageRecord.room_id == room_id, MessageRecord.seq > after_seq,
                   MessageRecord.seq <= up_to)
            .order_by(MessageRecord.seq).limit(limit)
        )  # fmt: skip
        return [_message(r) for r in rows]

    async def move_read_marker(self, room_id: UUID, user_id: UUID, seq: int) -> int:
        insert = pg_insert(ReadMarkerRecord).values(room_id=room_id, user_id=user_id, seq=seq)
        upsert = insert.on_conflict_do_update(
            index_elements=[ReadMarkerRecord.room_id, ReadMarkerRecord.user_id],
            set_={"seq": func.greatest(ReadMarkerRecord.seq, insert.excluded.seq)},
        ).returning(ReadMarkerRecord.seq)
        return int((await self.session.execute(upsert)).scalar_one())

    async def mute(self, room_id: UUID, user_id: UUID, until: datetime, by: UUID) -> None:
        statement = pg_insert(MuteRecord).values(
            room_id=room_id, user_id=user_id, until=until, muted_by=by
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[MuteRecord.room_id, MuteRecord.user_id],
                set_={"until": statement.excluded.until, "muted_by": statement.excluded.muted_by},
            )
        )

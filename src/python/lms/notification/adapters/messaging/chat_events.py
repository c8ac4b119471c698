"""The chat service's ``chat.mentioned`` (topic ``chat``): one ``chat_mention`` per mentioned
member, linking to the room. Chat has already kept only members who read the room and left
out the sender; ids only come in (the body, when a room's policy lets it into the event, is
not read here). Other ``chat.*`` types are skipped by the subscriber.

No ``from __future__ import annotations`` here: FastStream and dishka read the handler's
annotations at runtime.
"""

from typing import Annotated
from uuid import UUID

import msgspec
from dishka_faststream import FromDishka

from lms.notification.application.mentions import Mention, NotifyMention
from lms.notification.config import NotificationSettings
from lms_platform.messaging import Envelope

CHAT_MENTIONED = "chat.mentioned"
CHAT_EVENTS = frozenset({CHAT_MENTIONED})
MAX_MENTIONED = 100  # chat sends at most 20; anything far over is not chat's event

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class MentionedData(msgspec.Struct, kw_only=True):
    room_id: UUID
    message_id: UUID
    seq: int
    sender_id: Id
    mentioned_user_ids: Annotated[list[Id], msgspec.Meta(max_length=MAX_MENTIONED)]


def mention_of(envelope: Envelope, settings: NotificationSettings) -> Mention:
    tenant = envelope.required_tenant()
    data = envelope.data_as(MentionedData)
    room_id = str(data.room_id)
    return Mention(
        source_event_id=UUID(envelope.id),
        college_id=tenant,
        room_id=room_id,
        sender_id=data.sender_id,
        mentioned_user_ids=data.mentioned_user_ids,
        url=settings.chat_room_url_template.replace("{room_id}", room_id),
    )


async def on_chat_event(
    envelope: Envelope,
    notify: FromDishka[NotifyMention],
    settings: FromDishka[NotificationSettings],
) -> None:
    await notify(mention_of(envelope, settings))

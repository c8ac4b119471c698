"""A chat mention (``chat.mentioned``): one ``chat_mention`` notification per mentioned member,
through the normal intake (preferences, quiet hours, digests, the inbox and its event), in one
transaction. Only ids reach here: the message's text never goes into a notification."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from lms.notification.application.intake import AcceptNotification, NotificationRequest
from lms.notification.application.ports import IntakeUnitOfWork
from lms.notification.domain.deliveries import Recipient
from lms.notification.domain.kinds import NotificationType

# The event carries no room title (a group's title is its members' words): the messages say
# "a chat room" and link to it.
ROOM_LABEL = "a chat room"
UNKNOWN_AUTHOR = "Someone"


@dataclass(frozen=True, slots=True, kw_only=True)
class Mention:
    source_event_id: UUID
    college_id: str
    room_id: str
    sender_id: str
    mentioned_user_ids: Sequence[str]
    url: str


class NotifyMention:
    def __init__(self, uow: IntakeUnitOfWork, accept: AcceptNotification) -> None:
        self._uow, self._accept = uow, accept

    async def __call__(self, mention: Mention) -> int:
        """How many notifications were new (0 for a replay)."""
        users = [u for u in dict.fromkeys(mention.mentioned_user_ids) if u != mention.sender_id]
        if not users:
            return 0
        known = await self._uow.recipients.get_many(mention.college_id, [*users, mention.sender_id])
        sender = known.get(mention.sender_id)
        author = (sender.display_name if sender else None) or UNKNOWN_AUTHOR
        requests = []
        for account_id in users:
            recipient = known.get(account_id)
            requests.append(
                NotificationRequest(
                    source_event_id=mention.source_event_id,
                    college_id=mention.college_id,
                    type=NotificationType.CHAT_MENTION,
                    recipient=recipient or Recipient(account_id=account_id, email=None),
                    variables={
                        "display_name": recipient.display_name if recipient else "",
                        "room": ROOM_LABEL,
                        "room_id": mention.room_id,
                        "author": author,
                        "sender_id": mention.sender_id,
                        "url": mention.url,
                    },
                    recipient_resolved=True,
                )
            )
        return await self._accept.accept_many(requests)

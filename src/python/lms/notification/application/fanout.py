"""Course events for many people: an assignment published to its sections' students."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from lms.notification.application.intake import AcceptNotification, NotificationRequest
from lms.notification.application.ports import Audience, IntakeUnitOfWork
from lms.notification.domain.deliveries import Recipient
from lms.notification.domain.kinds import NotificationType


@dataclass(frozen=True, slots=True, kw_only=True)
class AudienceEvent:
    source_event_id: UUID
    college_id: str
    type: NotificationType
    course_id: str
    section_ids: Sequence[str]
    variables: Mapping[str, Any]


class NotifyAudience:
    def __init__(
        self, uow: IntakeUnitOfWork, audience: Audience, accept: AcceptNotification
    ) -> None:
        self._uow, self._audience, self._accept = uow, audience, accept

    async def __call__(self, event: AudienceEvent) -> int:
        students = await self._audience.active_students(
            event.college_id, event.course_id, event.section_ids
        )
        known_ones = await self._uow.recipients.get_many(event.college_id, students)
        requests = []
        for account_id in students:
            known = known_ones.get(account_id)
            requests.append(
                NotificationRequest(
                    source_event_id=event.source_event_id,
                    college_id=event.college_id,
                    type=event.type,
                    recipient=known or Recipient(account_id=account_id, email=None),
                    variables=dict(event.variables)
                    | {"display_name": known.display_name if known else ""},
                    recipient_resolved=True,
                )
            )
        return await self._accept.accept_many(requests)

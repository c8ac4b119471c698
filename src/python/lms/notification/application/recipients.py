"""Contact details follow auth's ``account.*`` events, for notifications whose source event
does not carry an address (assignment, grade, chat)."""

from __future__ import annotations

from typing import Protocol

from lms.notification.application.ports import RecipientStore
from lms.notification.domain.deliveries import Recipient


class RecipientUnitOfWork(Protocol):
    recipients: RecipientStore

    async def commit(self) -> None: ...


class RememberRecipient:
    def __init__(self, uow: RecipientUnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self,
        college_id: str,
        account_id: str,
        *,
        email: str | None = None,
        display_name: str | None = None,
        timezone: str | None = None,
        commit: bool = True,
    ) -> None:
        known = await self._uow.recipients.get(college_id, account_id)
        merged = Recipient(
            account_id=account_id,
            email=email if email is not None else (known.email if known else None),
            display_name=(
                display_name
                if display_name is not None
                else (known.display_name if known else None)
            ),
            phone=known.phone if known else None,
            timezone=timezone if timezone is not None else (known.timezone if known else None),
        )
        await self._uow.recipients.upsert(college_id, merged)
        if commit:
            await self._uow.commit()

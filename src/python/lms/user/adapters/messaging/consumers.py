"""Kafka consumers of the user service: the profile follows its account (``account.*``).

No ``from __future__ import annotations`` here: FastStream and dishka read the handler's
annotations at runtime.
"""

from uuid import UUID

import msgspec
from dishka_faststream import FromDishka
from faststream.kafka import KafkaBroker
from msgspec import UNSET, UnsetType

from lms.user.application.account_sync import (
    AccountDeleted,
    AccountRegistered,
    AccountStatusChanged,
    AccountUpdated,
    ChangeProfileStatusFromAccount,
    CreateProfileFromAccount,
    DeleteProfileFromAccount,
    UpdateProfileFromAccount,
)
from lms.user.config import UserSettings
from lms_platform.kernel.errors import InvalidInput, NotFound
from lms_platform.messaging import (
    Backoff,
    Envelope,
    EnvelopeDecodeError,
    RetryPolicy,
    envelope_subscriber,
    topic_name,
)

ACCOUNT_REGISTERED = "account.registered"
ACCOUNT_UPDATED = "account.updated"
ACCOUNT_DEACTIVATED = "account.deactivated"
ACCOUNT_REACTIVATED = "account.reactivated"
ACCOUNT_DELETED = "account.deleted"
ACCOUNT_EVENTS = frozenset(
    {ACCOUNT_REGISTERED, ACCOUNT_UPDATED, ACCOUNT_DEACTIVATED, ACCOUNT_REACTIVATED, ACCOUNT_DELETED}
)


# The parts of auth's payloads this service needs; other fields are ignored.
class AccountRegisteredData(msgspec.Struct, kw_only=True):
    account_id: UUID
    email: str
    roles: list[str]
    display_name: str | None = None
    account_version: int | None = None  # absent from events auth staged before it sent one


class AccountChangesData(msgspec.Struct, kw_only=True):
    email: str | UnsetType = UNSET
    display_name: str | None | UnsetType = UNSET  # null: the account's name was cleared
    roles: list[str] | UnsetType = UNSET


class AccountUpdatedData(msgspec.Struct, kw_only=True):
    account_id: UUID
    changes: AccountChangesData
    account_version: int | None = None


class AccountData(msgspec.Struct, kw_only=True):
    """``account.deactivated``, ``account.reactivated`` and ``account.deleted``."""

    account_id: UUID
    account_version: int | None = None


async def on_account_event(
    envelope: Envelope,
    create: FromDishka[CreateProfileFromAccount],
    update: FromDishka[UpdateProfileFromAccount],
    change_status: FromDishka[ChangeProfileStatusFromAccount],
    delete: FromDishka[DeleteProfileFromAccount],
) -> None:
    """Applies auth's account events to profiles; ordered by ``account_version`` when the payload
    has one, else by the envelope's ``time``."""
    tenant = envelope.required_tenant()
    at = envelope.time
    if envelope.type == ACCOUNT_REGISTERED:
        registered = envelope.data_as(AccountRegisteredData)
        await create(
            AccountRegistered(
                account_id=registered.account_id,
                tenant_id=tenant,
                email=registered.email,
                roles=tuple(registered.roles),
                display_name=registered.display_name,
                occurred_at=at,
                account_version=registered.account_version,
            )
        )
    elif envelope.type == ACCOUNT_UPDATED:
        updated = envelope.data_as(AccountUpdatedData)
        changes = {
            name: value
            for name in AccountChangesData.__struct_fields__
            if (value := getattr(updated.changes, name)) is not UNSET
        }
        await update(
            AccountUpdated(
                account_id=updated.account_id,
                tenant_id=tenant,
                occurred_at=at,
                changes=changes,
                account_version=updated.account_version,
            )
        )
    elif envelope.type in (ACCOUNT_DEACTIVATED, ACCOUNT_REACTIVATED):
        status = envelope.data_as(AccountData)
        await change_status(
            AccountStatusChanged(
                account_id=status.account_id,
                tenant_id=tenant,
                occurred_at=at,
                active=envelope.type == ACCOUNT_REACTIVATED,
                account_version=status.account_version,
            )
        )
    elif envelope.type == ACCOUNT_DELETED:
        await delete(
            AccountDeleted(
                account_id=envelope.data_as(AccountData).account_id,
                tenant_id=tenant,
                occurred_at=at,
            )
        )


def subscribe(broker: KafkaBroker, settings: UserSettings) -> None:
    """Registers this service's consumers on the runtime's broker."""
    policy = RetryPolicy(
        max_attempts=5,
        backoff=Backoff(initial=0.2, maximum=5.0),
        # What no retry can fix: a payload that breaks a rule, or an account never registered
        # here (to be replayed after its registration). A Conflict (a user's own edit committed
        # meanwhile) is retried: the next attempt reloads the profile.
        dead_letter_immediately=(EnvelopeDecodeError, InvalidInput, NotFound),
    )
    envelope_subscriber(
        broker,
        topic_name("account", settings.kafka_topic_prefix),
        group_id=settings.consumer_group_id,
        service=settings.service_name,
        consumer="user.account-events",
        # Other account.* events (logins, password changes) are acknowledged without touching
        # the database, counted as outcome="ignored".
        event_types=ACCOUNT_EVENTS,
        retry=policy,
        session_timeout_ms=settings.consumer_session_timeout_ms,
        heartbeat_interval_ms=max(settings.consumer_session_timeout_ms // 3, 100),
    )(on_account_event)

"""Facts the auth service tells other services, keyed by account id: on the ``account`` topic,
and on ``credential`` for the few that carry a one-time secret.

The envelope's ``tenant`` is the college id; ``data`` is the event's payload below. Every
``account.*`` payload carries ``account_version``: the account's version after the change, which
its row lock orders, so consumers can order one account's events without trusting clocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from lms.auth.domain.model import Account
from lms_platform.kernel.events import DomainEvent

ACCOUNT_TOPIC = "account"
# Events that carry a live one-time secret (reset, verification and invitation tokens) go to
# their own short-retention topic, readable only by the notification service, so that every
# consumer of ``account`` does not hold them.
CREDENTIAL_TOPIC = "credential"


@dataclass(frozen=True, kw_only=True)
class AccountRegistered(DomainEvent):
    """Consumed by the user service to create the profile: keep this shape stable."""

    event_type: ClassVar[str] = "account.registered"
    topic: ClassVar[str] = ACCOUNT_TOPIC
    account_id: str
    account_version: int
    email: str
    roles: list[str]
    display_name: str | None


@dataclass(frozen=True, kw_only=True)
class AccountDeactivated(DomainEvent):
    event_type: ClassVar[str] = "account.deactivated"
    topic: ClassVar[str] = ACCOUNT_TOPIC
    account_id: str
    account_version: int
    deactivated_at: str


@dataclass(frozen=True, kw_only=True)
class AccountReactivated(DomainEvent):
    event_type: ClassVar[str] = "account.reactivated"
    topic: ClassVar[str] = ACCOUNT_TOPIC
    account_id: str
    account_version: int
    reactivated_at: str


@dataclass(frozen=True, kw_only=True)
class AccountUpdated(DomainEvent):
    """``changes`` holds only the fields that changed, with their new values (``email``,
    ``display_name``, ``roles``)."""

    event_type: ClassVar[str] = "account.updated"
    topic: ClassVar[str] = ACCOUNT_TOPIC
    account_id: str
    account_version: int
    changes: dict[str, Any]
    updated_at: str


@dataclass(frozen=True, kw_only=True)
class AccountDeleted(DomainEvent):
    event_type: ClassVar[str] = "account.deleted"
    topic: ClassVar[str] = ACCOUNT_TOPIC
    account_id: str
    account_version: int
    deleted_at: str


@dataclass(frozen=True, kw_only=True)
class AccountPasswordResetRequested(DomainEvent):
    """For the notification service: send ``reset_url`` (or a link built from ``reset_token``)
    to ``email`` with the college's ``password_reset`` template. The token is a live secret
    until ``expires_at`` or first use: consumers must not log or store it."""

    event_type: ClassVar[str] = "account.password_reset_requested"
    topic: ClassVar[str] = CREDENTIAL_TOPIC
    account_id: str
    email: str
    display_name: str | None
    college_id: str
    college_slug: str
    college_name: str
    reset_token: str
    reset_url: str | None
    expires_at: str


@dataclass(frozen=True, kw_only=True)
class AccountEmailVerificationRequested(DomainEvent):
    """Send ``verification_url`` (or a link from ``verification_token``) to ``email``."""

    event_type: ClassVar[str] = "account.email_verification_requested"
    topic: ClassVar[str] = CREDENTIAL_TOPIC
    account_id: str
    email: str
    display_name: str | None
    college_id: str
    college_slug: str
    college_name: str
    verification_token: str
    verification_url: str | None
    expires_at: str


@dataclass(frozen=True, kw_only=True)
class AccountInvited(DomainEvent):
    """Send the college's ``invitation`` template; accepting sets the first password. The
    account itself was announced by ``account.registered`` in the same transaction."""

    event_type: ClassVar[str] = "account.invited"
    topic: ClassVar[str] = CREDENTIAL_TOPIC
    account_id: str
    email: str
    display_name: str | None
    roles: list[str]
    college_id: str
    college_slug: str
    college_name: str
    invited_by: str | None
    invitation_token: str
    invitation_url: str | None
    expires_at: str


def account_updated(account: Account, changes: dict[str, Any], now: datetime) -> AccountUpdated:
    return AccountUpdated(
        aggregate_id=str(account.id),
        tenant_id=str(account.college_id),
        account_id=str(account.id),
        account_version=account.version,
        changes=changes,
        updated_at=now.isoformat(),
    )


def account_deleted(account: Account, now: datetime) -> AccountDeleted:
    return AccountDeleted(
        aggregate_id=str(account.id),
        tenant_id=str(account.college_id),
        account_id=str(account.id),
        account_version=account.version,
        deleted_at=now.isoformat(),
    )


def account_registered(account: Account) -> AccountRegistered:
    return AccountRegistered(
        aggregate_id=str(account.id),
        tenant_id=str(account.college_id),
        account_id=str(account.id),
        account_version=account.version,
        email=account.email,
        roles=list(account.roles),
        display_name=account.display_name,
    )


def account_deactivated(account: Account, now: datetime) -> AccountDeactivated:
    return AccountDeactivated(
        aggregate_id=str(account.id),
        tenant_id=str(account.college_id),
        account_id=str(account.id),
        account_version=account.version,
        deactivated_at=now.isoformat(),
    )


def account_reactivated(account: Account, now: datetime) -> AccountReactivated:
    return AccountReactivated(
        aggregate_id=str(account.id),
        tenant_id=str(account.college_id),
        account_id=str(account.id),
        account_version=account.version,
        reactivated_at=now.isoformat(),
    )

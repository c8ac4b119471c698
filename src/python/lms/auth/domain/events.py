"""Facts the auth service tells other services, on the ``account`` topic keyed by account id.

The envelope's ``tenant`` is the college id; ``data`` is the event's payload below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from lms.auth.domain.model import Account
from lms_platform.kernel.events import DomainEvent

ACCOUNT_TOPIC = "account"


@dataclass(frozen=True, kw_only=True)
class AccountRegistered(DomainEvent):
    """Consumed by the user service to create the profile: keep this shape stable."""

    event_type: ClassVar[str] = "account.registered"
    topic: ClassVar[str] = ACCOUNT_TOPIC
    account_id: str
    email: str
    roles: list[str]
    display_name: str | None


@dataclass(frozen=True, kw_only=True)
class AccountDeactivated(DomainEvent):
    event_type: ClassVar[str] = "account.deactivated"
    topic: ClassVar[str] = ACCOUNT_TOPIC
    account_id: str
    deactivated_at: str


@dataclass(frozen=True, kw_only=True)
class AccountReactivated(DomainEvent):
    event_type: ClassVar[str] = "account.reactivated"
    topic: ClassVar[str] = ACCOUNT_TOPIC
    account_id: str
    reactivated_at: str


def account_registered(account: Account) -> AccountRegistered:
    return AccountRegistered(
        aggregate_id=str(account.id),
        tenant_id=str(account.college_id),
        account_id=str(account.id),
        email=account.email,
        roles=list(account.roles),
        display_name=account.display_name,
    )


def account_deactivated(account: Account, now: datetime) -> AccountDeactivated:
    return AccountDeactivated(
        aggregate_id=str(account.id),
        tenant_id=str(account.college_id),
        account_id=str(account.id),
        deactivated_at=now.isoformat(),
    )


def account_reactivated(account: Account, now: datetime) -> AccountReactivated:
    return AccountReactivated(
        aggregate_id=str(account.id),
        tenant_id=str(account.college_id),
        account_id=str(account.id),
        reactivated_at=now.isoformat(),
    )

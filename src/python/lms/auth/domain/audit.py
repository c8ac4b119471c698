"""The append-only audit trail: who did what to which thing in which college, and how it ended.

Each entry is also published as an ``audit.<action>`` event, so that a security team can keep
its own copy outside this service's database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from lms_platform.kernel.events import DomainEvent

AUDIT_TOPIC = "audit"


class AuditAction(StrEnum):
    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_FAILED = "login.failed"
    ACCOUNT_LOCKED = "account.locked"
    COLLEGE_CREATED = "college.created"
    COLLEGE_SETTINGS_CHANGED = "college.settings_changed"
    ACCOUNT_REGISTERED = "account.registered"
    ACCOUNT_UPDATED = "account.updated"
    ACCOUNT_DELETED = "account.deleted"
    ACCOUNT_DEACTIVATED = "account.deactivated"
    ACCOUNT_REACTIVATED = "account.reactivated"
    ROLES_ASSIGNED = "account.roles_assigned"
    ROLE_PERMISSIONS_CHANGED = "role.permissions_changed"
    PASSWORD_CHANGED = "password.changed"
    PASSWORD_RESET_REQUESTED = "password.reset_requested"
    PASSWORD_RESET_COMPLETED = "password.reset_completed"
    EMAIL_VERIFIED = "email.verified"
    INVITATION_ACCEPTED = "account.invitation_accepted"
    INVITATION_RESENT = "account.invitation_resent"
    # No longer written (templates moved to the notification service); old entries still read.
    EMAIL_TEMPLATE_CHANGED = "email_template.changed"
    API_KEY_CREATED = "api_key.created"
    API_KEY_ROTATED = "api_key.rotated"
    API_KEY_REVOKED = "api_key.revoked"
    SIGNING_KEY_ROTATED = "signing_key.rotated"
    SIGNING_KEY_REVOKED = "signing_key.revoked"
    BULK_IMPORT_STARTED = "bulk.import_started"
    BULK_IMPORT_FINISHED = "bulk.import_finished"
    BULK_EXPORTED = "bulk.exported"
    BULK_UPDATED = "bulk.updated"
    BULK_DELETED = "bulk.deleted"


class AuditOutcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    id: UUID
    occurred_at: datetime
    action: AuditAction
    outcome: AuditOutcome = AuditOutcome.SUCCESS
    college_id: UUID | None  # None only when the college itself is unknown (a failed login)
    actor_id: UUID | None  # None for anonymous callers and the command line
    target_type: str | None = None
    target_id: str | None = None
    client_ip: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class AuditRecorded(DomainEvent):
    """``event_type`` is per action (``audit.login.failed``...) so consumers can filter by type."""

    topic = AUDIT_TOPIC
    entry_id: str
    action: str
    outcome: str
    college_id: str | None
    actor_id: str | None
    target_type: str | None
    target_id: str | None
    client_ip: str | None
    occurred_at: str
    details: dict[str, Any]

    @property
    def event_type(self) -> str:  # type: ignore[override]  # per instance, not per class
        return f"audit.{self.action}"


def audit_recorded(entry: AuditEntry) -> AuditRecorded:
    return AuditRecorded(
        aggregate_id=str(entry.target_id or entry.id),
        tenant_id=str(entry.college_id) if entry.college_id else "",
        entry_id=str(entry.id),
        action=entry.action.value,
        outcome=entry.outcome.value,
        college_id=str(entry.college_id) if entry.college_id else None,
        actor_id=str(entry.actor_id) if entry.actor_id else None,
        target_type=entry.target_type,
        target_id=entry.target_id,
        client_ip=entry.client_ip,
        occurred_at=entry.occurred_at.isoformat(),
        details=dict(entry.details),
    )

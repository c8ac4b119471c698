"""Writing and reading the audit log. Every privileged use case records exactly one entry, in
the same transaction as the change it describes, so the log and the state never disagree."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from lms.auth.application.authorization import ensure_permission
from lms.auth.application.ports import AuditQuery, AuditUnitOfWork
from lms.auth.domain.audit import AuditAction, AuditEntry, AuditOutcome, audit_recorded
from lms_platform.kernel.errors import PermissionDenied
from lms_platform.kernel.pagination import Page, PageRequest
from lms_platform.kernel.permissions import Permission
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal


def _as_uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:  # an API-key or service principal: its id is not an account
        return None


def account_id_of(principal: Principal | None) -> UUID | None:
    """The caller's account id; None for API-key or service principals."""
    return _as_uuid(principal.user_id) if principal is not None else None


def college_of(principal: Principal) -> UUID | None:
    return _as_uuid(principal.tenant_id)


class AuditRecorder:
    """Stages an entry and its ``audit.*`` event on the unit of work; the caller commits."""

    def __init__(self, uow: AuditUnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    def record(
        self,
        action: AuditAction,
        *,
        college_id: UUID | None,
        actor: Principal | None = None,
        actor_id: UUID | None = None,
        target_type: str | None = None,
        target_id: UUID | str | None = None,
        outcome: AuditOutcome = AuditOutcome.SUCCESS,
        client_ip: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> AuditEntry:
        entry = AuditEntry(
            id=self._ids.new_id(),
            occurred_at=self._clock.now(),
            action=action,
            outcome=outcome,
            college_id=college_id,
            actor_id=actor_id if actor_id is not None else account_id_of(actor),
            target_type=target_type,
            target_id=str(target_id) if target_id is not None else None,
            client_ip=client_ip,
            details=details or {},
        )
        self._uow.audit_log.add(entry)
        self._uow.record(audit_recorded(entry))
        return entry


class SearchAuditLog:
    """College admins read their own college's log; super admins read any, or all."""

    def __init__(self, uow: AuditUnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self, principal: Principal, query: AuditQuery, page: PageRequest
    ) -> Page[AuditEntry]:
        ensure_permission(principal, Permission.AUDIT_READ)
        if not principal.is_super_admin:
            own = college_of(principal)
            if own is None or query.college_id not in (None, own):
                raise PermissionDenied("you may read only your own college's audit log")
            # Never None past this point: a college admin's search is always scoped.
            query = AuditQuery(**{**_fields(query), "college_id": own})
        return await self._uow.audit_log.search(query, page)


def _fields(query: AuditQuery) -> dict[str, Any]:
    return {name: getattr(query, name) for name in AuditQuery.__dataclass_fields__}

"""What this service knows of users: a read model built from the user service's events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(slots=True, kw_only=True)
class KnownUser:
    id: UUID
    tenant_id: str
    email: str
    display_name: str
    status: str  # the user service's profile status
    version: int  # the profile version last applied; older events are ignored
    deleted_at: datetime | None = None

    @property
    def can_enroll(self) -> bool:
        return self.deleted_at is None and self.status == "active"

"""Who the caller is to the notes: a user of one college with their live memberships. Every
use case starts here; access to one note is then the note's own rule (``Note.can_read`` ...)."""

from __future__ import annotations

from uuid import UUID

from lms.notes.application.ports import Memberships
from lms.notes.domain.notes import Viewer
from lms_platform.kernel.errors import PermissionDenied
from lms_platform.kernel.permissions import Permission
from lms_platform.kernel.principal import Principal


def user_id_of(principal: Principal) -> UUID:
    try:
        return UUID(principal.user_id)
    except ValueError as exc:  # an API key or a service: notes belong to people
        raise PermissionDenied("notes belong to users; this caller is not one") from exc


def require_writer(principal: Principal) -> None:
    if not principal.has_permission(Permission.NOTE_WRITE):
        raise PermissionDenied(f"writing notes needs the {Permission.NOTE_WRITE} permission")


async def viewer_of(principal: Principal, memberships: Memberships) -> Viewer:
    user_id = user_id_of(principal)
    live = [m for m in await memberships.of_user(principal.tenant_id, user_id) if m.is_active]
    return Viewer(
        user_id=user_id,
        tenant_id=principal.tenant_id,
        sections=frozenset(m.section_id for m in live),
        courses=frozenset(m.course_id for m in live),
    )


def plain_viewer(principal: Principal) -> Viewer:
    """The caller without memberships: enough for what only the owner or a named user may do."""
    return Viewer(user_id=user_id_of(principal), tenant_id=principal.tenant_id)

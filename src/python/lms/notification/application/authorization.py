"""Who may do what here. Every principal reads and changes only their own preferences and
inbox; the delivery history of a college is for its admins (and super admins)."""

from __future__ import annotations

from lms_platform.kernel.errors import PermissionDenied
from lms_platform.kernel.principal import Principal


def ensure_account(principal: Principal) -> None:
    """API keys act for a college, not a person: they have no inbox or preferences."""
    if principal.user_id.startswith("apikey:"):
        raise PermissionDenied("an API key has no notifications of its own")


def ensure_college_admin(principal: Principal, college_id: str) -> None:
    if not principal.is_admin_of(college_id):
        raise PermissionDenied("only the college's admins read its delivery history")

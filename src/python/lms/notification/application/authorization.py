"""Who may do what here. Every principal reads and changes only their own preferences and
inbox; the delivery history of a college is for its admins (and super admins); its templates
and default channel sets are for its admins whose token carries ``college:configure`` (a college that takes that
permission from its admins is obeyed, as auth did while it kept the templates)."""

from __future__ import annotations

from lms_platform.kernel.errors import PermissionDenied
from lms_platform.kernel.permissions import Permission
from lms_platform.kernel.principal import Principal


def ensure_account(principal: Principal) -> None:
    """API keys act for a college, not a person: they have no inbox or preferences."""
    if principal.user_id.startswith("apikey:"):
        raise PermissionDenied("an API key has no notifications of its own")


def ensure_college_admin(principal: Principal, college_id: str) -> None:
    if not principal.is_admin_of(college_id):
        raise PermissionDenied("only the college's admins read its delivery history")


def ensure_template_manager(principal: Principal) -> None:
    """The templates of the caller's own college: its admins with ``college:configure``."""
    ensure_college_configurer(principal, "its templates")


def ensure_college_configurer(principal: Principal, what: str = "its settings") -> None:
    """The caller's own college's settings (templates, default channels): its admins with
    ``college:configure``."""
    if not principal.is_admin_of(principal.tenant_id):
        raise PermissionDenied(f"only the college's admins manage {what}")
    if not principal.has_permission(Permission.COLLEGE_CONFIGURE):
        raise PermissionDenied(f"missing permission {Permission.COLLEGE_CONFIGURE}")

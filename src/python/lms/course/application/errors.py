"""Errors the course use cases raise; each is a kernel error kind, which the HTTP edge maps
to one status (NotFound 404, PermissionDenied 403, Conflict 409, InvalidInput 422, ...)."""

from __future__ import annotations

from lms.course.domain.errors import IllegalTransition, SectionFull, StillEnrolled
from lms_platform.kernel.errors import DomainError

__all__ = ["BundleTooLarge", "IllegalTransition", "SectionFull", "StillEnrolled"]


class BundleTooLarge(DomainError):
    """The upload is over the size limit (413 at the edge)."""

    code = "bundle_too_large"

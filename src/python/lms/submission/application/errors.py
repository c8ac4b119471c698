"""Errors the submission use cases raise beyond the domain's; each is a kernel error kind, which
the HTTP edge maps to one status (NotFound 404, PermissionDenied 403, Conflict 409, ...)."""

from __future__ import annotations

from lms_platform.kernel.errors import Conflict, InvalidInput


class NothingUploaded(InvalidInput):
    code = "nothing_uploaded"


class UploadNotReady(Conflict):
    code = "upload_not_ready"


class AssignmentNotPublished(Conflict):
    code = "assignment_not_published"

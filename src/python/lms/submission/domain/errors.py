"""The domain's refusals, each a kernel error kind; the HTTP edge maps a few to their own status
(``UploadTooLarge`` 413, ``UnsupportedFileType`` 415) by ``code``."""

from __future__ import annotations

from lms_platform.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied


class UploadTooLarge(InvalidInput):
    code = "upload_too_large"


class UnsupportedFileType(InvalidInput):
    code = "unsupported_file_type"


class ChecksumMismatch(InvalidInput):
    code = "checksum_mismatch"


class SubmissionClosed(PermissionDenied):
    """Outside the student's window (before unlock_at, after lock_at) or the course locked."""

    code = "submission_closed"


class AttemptLimitReached(Conflict):
    code = "attempt_limit_reached"


class SubmissionNotFound(NotFound):
    code = "submission_not_found"

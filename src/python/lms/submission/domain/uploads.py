"""An upload slot: the service names the object (never the client), the client puts the bytes
straight into storage, and the confirmation checks them before they can be handed in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from lms.submission.domain.assignments import AssignmentRules
from lms.submission.domain.errors import UnsupportedFileType, UploadTooLarge
from lms.submission.domain.files import extension_of, sanitise_filename
from lms_platform.kernel.errors import InvalidInput

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class UploadStatus(StrEnum):
    PENDING = "pending"  # slot given, bytes not confirmed
    READY = "ready"  # confirmed and checked, not yet handed in
    SUBMITTED = "submitted"  # part of an attempt
    EXPIRED = "expired"  # never confirmed; the object is gone


def object_key(tenant_id: str, assignment_id: UUID, student_id: UUID, upload_id: UUID) -> str:
    """Keys are per college, then assignment and student; the client's name is not in it."""
    return f"{tenant_id}/{assignment_id}/{student_id}/{upload_id}"


def check_file(
    rules: AssignmentRules, filename: str, size: int, service_limit: int
) -> tuple[str, str]:
    """The sanitised name and its extension, if the assignment takes such a file."""
    name = sanitise_filename(filename)
    extension = extension_of(name)
    allowed = rules.file_rules.allowed_extensions
    if allowed and extension not in allowed:
        raise UnsupportedFileType(
            f"this assignment takes {', '.join(allowed)} files",
            extra={"allowed_extensions": list(allowed)},
        )
    limit = min(rules.file_rules.max_file_bytes or service_limit, service_limit)
    if size > limit:
        raise UploadTooLarge(f"the file is larger than {limit} bytes", extra={"max_bytes": limit})
    if size < 1:
        raise InvalidInput("the file is empty", field="size")
    return name, extension


def size_limit(rules: AssignmentRules, service_limit: int) -> int:
    return min(rules.file_rules.max_file_bytes or service_limit, service_limit)


@dataclass(slots=True, kw_only=True)
class Upload:
    id: UUID
    tenant_id: str
    assignment_id: UUID
    student_id: UUID
    filename: str
    extension: str
    size: int
    content_type: str
    sha256: str
    key: str
    multipart_id: str | None
    part_bytes: int | None
    status: UploadStatus
    created_at: datetime
    expires_at: datetime
    submission_id: UUID | None = None

    @classmethod
    def slot(
        cls, *, id: UUID, rules: AssignmentRules, student_id: UUID, filename: str, extension: str,
        size: int, content_type: str, sha256: str, now: datetime, ttl: timedelta,
        multipart_id: str | None = None, part_bytes: int | None = None,
    ) -> Upload:  # fmt: skip
        if not SHA256_HEX.match(sha256):
            raise InvalidInput(
                "sha256 is the file's SHA-256 in 64 lowercase hex digits", field="sha256"
            )
        return cls(
            id=id, tenant_id=rules.tenant_id, assignment_id=rules.id, student_id=student_id,
            filename=filename, extension=extension, size=size, content_type=content_type,
            sha256=sha256, key=object_key(rules.tenant_id, rules.id, student_id, id),
            multipart_id=multipart_id, part_bytes=part_bytes, status=UploadStatus.PENDING,
            created_at=now, expires_at=now + ttl,
        )  # fmt: skip

    def expired(self, now: datetime) -> bool:
        return self.status is UploadStatus.PENDING and now > self.expires_at

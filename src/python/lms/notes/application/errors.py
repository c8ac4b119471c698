"""Errors the notes use cases raise; each is a kernel error kind, which the HTTP edge maps
to one status (NotFound 404, PermissionDenied 403, Conflict 409, InvalidInput 422, ...)."""

from __future__ import annotations

from uuid import UUID

from lms_platform.kernel.errors import Conflict, NotFound, PreconditionFailed


class NoteNotFound(NotFound):
    """No note of that id the caller may see (another college's note is not found either)."""

    def __init__(self, note_id: UUID) -> None:
        super().__init__(f"note {note_id} not found")


class ShareNotFound(NotFound):
    def __init__(self, share_id: UUID) -> None:
        super().__init__(f"share {share_id} not found")


class StaleVersion(Conflict):
    """The edit was based on an older version: nothing was written; reload and merge."""

    def __init__(self, based_on: int, current: int) -> None:
        super().__init__(
            f"the note is at version {current}, the edit was based on {based_on}",
            extra={"current_version": current},
        )
        self.current = current


class StaleIfMatch(PreconditionFailed):
    """``If-Match`` named an older version (412): nothing was written."""

    def __init__(self, based_on: int, current: int) -> None:
        super().__init__(
            f"If-Match names version {based_on}, the note is at {current}",
            extra={"current_version": current},
        )
        self.current = current

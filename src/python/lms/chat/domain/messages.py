"""Messages: numbered per room (``seq`` 1, 2, 3 ... with no gaps), edited and deleted softly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lms_platform.kernel.errors import InvalidInput

MAX_BODY_CHARS = 4000
MAX_CLIENT_ID_LENGTH = 64


@dataclass(frozen=True, slots=True)
class Message:
    id: UUID
    room_id: UUID
    tenant_id: str
    seq: int
    sender_id: UUID
    body: str
    created_at: datetime
    client_id: str | None = None
    edited_at: datetime | None = None
    deleted_at: datetime | None = None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


def checked_body(body: str) -> str:
    """A body with something to say and within the limit (counted in characters)."""
    text = body.strip()
    if not text:
        raise InvalidInput("the message is empty", field="body")
    if len(text) > MAX_BODY_CHARS:
        raise InvalidInput(
            f"the message is longer than {MAX_BODY_CHARS} characters",
            field="body",
            extra={"max_chars": MAX_BODY_CHARS},
        )
    return text


def checked_client_id(client_id: str | None) -> str | None:
    if client_id is None:
        return None
    if not client_id or len(client_id) > MAX_CLIENT_ID_LENGTH:
        raise InvalidInput(
            f"client_id must have 1 to {MAX_CLIENT_ID_LENGTH} characters", field="client_id"
        )
    return client_id

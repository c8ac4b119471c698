"""The frames of the socket protocol (version 1): what clients send, checked with msgspec, and
what the server sends back, the same over Socket.IO and the native WebSocket. Documented in
docs/services/chat.md ("Socket protocol") and docs/services/chat-asyncapi.yaml; the registries
at the end are what both transports handle and what the AsyncAPI test checks against."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec

from lms.chat.domain.live import LiveNotice
from lms.chat.domain.messages import Message

PROTOCOL_VERSION = 1


class JoinFrame(msgspec.Struct, forbid_unknown_fields=True):
    room_id: UUID
    # The last sequence number the client has; the server sends every later one first.
    after_seq: int | None = None


class LeaveFrame(msgspec.Struct, forbid_unknown_fields=True):
    room_id: UUID


class SendFrame(msgspec.Struct, forbid_unknown_fields=True):
    room_id: UUID
    body: str
    client_id: str | None = None


class EditFrame(msgspec.Struct, forbid_unknown_fields=True):
    message_id: UUID
    body: str


class DeleteFrame(msgspec.Struct, forbid_unknown_fields=True):
    message_id: UUID


class MuteFrame(msgspec.Struct, forbid_unknown_fields=True):
    room_id: UUID
    user_id: UUID
    minutes: int


class ReadFrame(msgspec.Struct, forbid_unknown_fields=True):
    room_id: UUID
    seq: int


class ReauthFrame(msgspec.Struct, forbid_unknown_fields=True):
    token: str


class AuthFrame(msgspec.Struct, forbid_unknown_fields=True):
    """The native WebSocket's first frame (Socket.IO carries the token in its ``auth`` payload)."""

    token: str


# Client frames both transports handle, by event (Socket.IO) or ``type`` (native).
CLIENT_FRAMES: dict[str, type[msgspec.Struct]] = {
    "join": JoinFrame,
    "leave": LeaveFrame,
    "send": SendFrame,
    "edit": EditFrame,
    "delete": DeleteFrame,
    "mute": MuteFrame,
    "read": ReadFrame,
    "reauth": ReauthFrame,
}
# What the server pushes on both transports (``live``: the user's live channel, whatever room
# they joined or none; its kinds and their data are ``lms.chat.domain.live.LIVE_BODIES``).
SERVER_EVENTS = frozenset(
    {"message", "message_changed", "member_muted", "removed", "live", "error"}
)
# The native WebSocket's own: its first frame, and the answer to every client frame.
NATIVE_CLIENT_FRAMES: dict[str, type[msgspec.Struct]] = {"auth": AuthFrame}
NATIVE_SERVER_FRAMES = frozenset({"ack"})


def message_frame(message: Message) -> dict[str, Any]:
    """A message as clients see it; a deleted one keeps its place with no body."""
    return {
        "id": str(message.id),
        "room_id": str(message.room_id),
        "seq": message.seq,
        "sender_id": str(message.sender_id),
        "body": None if message.is_deleted else message.body,
        "client_id": message.client_id,
        "created_at": message.created_at.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "deleted": message.is_deleted,
    }


def live_frame(notice: LiveNotice) -> dict[str, Any]:
    """``{id, kind, occurred_at, data}``: ``id`` is the platform event's, the same on every
    socket and process."""
    return {
        "id": notice.event_id,
        "kind": notice.kind.value,
        "occurred_at": msgspec.to_builtins(notice.occurred_at),
        "data": msgspec.to_builtins(notice.body),
    }


def error_frame(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "detail": detail, **extra}

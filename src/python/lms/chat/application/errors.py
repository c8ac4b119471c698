"""Errors the chat use cases raise; each is a kernel error kind, which the HTTP edge maps to one
status (NotFound 404, PermissionDenied 403, Conflict 409, InvalidInput 422) and the socket edge
to an error frame with the same ``code``."""

from __future__ import annotations

from lms_platform.kernel.errors import DomainError, NotFound, PermissionDenied


class RoomNotFound(NotFound):
    code = "room_not_found"

    def __init__(self) -> None:
        super().__init__("no such room")


class MessageNotFound(NotFound):
    code = "message_not_found"

    def __init__(self) -> None:
        super().__init__("no such message")


class NotAllowed(PermissionDenied):
    code = "not_allowed"


class Muted(PermissionDenied):
    code = "muted"


class RateLimited(DomainError):
    code = "rate_limited"

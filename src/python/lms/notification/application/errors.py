"""Errors the notification use cases raise; each is a kernel error kind, which the HTTP edge maps
to one status (NotFound 404, PermissionDenied 403, Conflict 409, InvalidInput 422, ...)."""

from __future__ import annotations

from lms_platform.kernel.errors import NotFound


class NotificationNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("notification not found")


class PushSubscriptionNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("push subscription not found")

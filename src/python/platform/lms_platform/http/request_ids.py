"""The id of a request: the client's ``X-Request-ID`` (cut to a sane length) or a new one.

Established once per request in its ASGI scope, by the observability middleware for routed
requests and by the problem handlers for those Litestar refuses before any middleware runs
(unknown route, wrong method), so that every answer names its request the same way.
"""

from __future__ import annotations

import uuid
from typing import Any

REQUEST_ID_HEADER = b"x-request-id"
MAX_REQUEST_ID_LENGTH = 128


def request_id_from(header_value: bytes | None) -> str:
    """The id for a request that sent ``header_value`` as its X-Request-ID (``None``: none)."""
    if header_value:
        request_id = header_value.decode("latin-1")[:MAX_REQUEST_ID_LENGTH]
        if request_id:
            return request_id
    return uuid.uuid4().hex


def establish_request_id(scope: Any) -> str:
    """The request's id, set in its scope now if nothing has set it yet."""
    request_id: str | None = scope.get("request_id")
    if request_id is None:
        sent = next((value for name, value in scope["headers"] if name == REQUEST_ID_HEADER), None)
        request_id = scope["request_id"] = request_id_from(sent)
    return request_id

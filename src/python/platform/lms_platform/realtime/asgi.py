"""socketify's ASGI adapter, made to behave as the ASGI spec says (../shared/servers-here.md):

- it puts ``method: "GET"`` into websocket scopes, and Litestar then answers 4500 "Method Not
  Allowed" to every WebSocket route: the key is dropped;
- it passes ``query_string`` with its leading ``?``, which breaks Socket.IO's websocket-only
  transport (``?EIO=4`` is not ``EIO``): the ``?`` is stripped.
"""

from __future__ import annotations

from typing import Any


def socketify_compatible(app: Any) -> Any:
    """``app`` wrapped; plain ASGI types (Any): socketify passes plain dicts."""

    async def compatible(scope: Any, receive: Any, send: Any) -> None:
        query = scope.get("query_string")
        if scope["type"] == "websocket" or (query and query[:1] == b"?"):
            fixed: dict[str, Any] = dict(scope)
            if scope["type"] == "websocket":
                fixed.pop("method", None)
            if query and query[:1] == b"?":
                fixed["query_string"] = query[1:]
            scope = fixed
        await app(scope, receive, send)

    return compatible

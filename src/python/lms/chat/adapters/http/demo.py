"""The demo page (development only): ``/chat/demo`` and its script, plain browser JavaScript on
the native WebSocket protocol (``/ws``), with which two tabs of two people of one room chat.

``with_demo_page`` registers both routes on the app only when ``LMS_CHAT_DEMO_PAGE`` is on
(which the settings refuse outside development); otherwise the paths are unknown (404) like any
other. The routes are outside the OpenAPI and need no bearer token: the page is static, and its
script reads the access token from the address fragment (which browsers never send) or a field,
and sends it in the native first frame. Kong routes neither path."""

from __future__ import annotations

from functools import cache
from importlib import resources

from litestar import Litestar, Response, get

from lms.chat.config import ChatSettings

DEMO_PATH = "/chat/demo"
DEMO_SCRIPT_PATH = "/chat/demo.js"
# The page loads its own script and talks to its own origin (REST and /ws), nothing else.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


@cache
def _asset(name: str) -> bytes:
    return (resources.files(__package__) / name).read_bytes()


@get(DEMO_PATH, include_in_schema=False, exclude_from_auth=True, sync_to_thread=False)
def demo_page() -> Response[bytes]:
    return Response(_asset("demo.html"), media_type="text/html; charset=utf-8", headers=_HEADERS)


@get(DEMO_SCRIPT_PATH, include_in_schema=False, exclude_from_auth=True, sync_to_thread=False)
def demo_script() -> Response[bytes]:
    return Response(
        _asset("demo.js"), media_type="text/javascript; charset=utf-8", headers=_HEADERS
    )


def with_demo_page(app: Litestar, settings: ChatSettings) -> Litestar:
    """``app``, with the demo page's routes when ``settings.demo_page`` is on."""
    if settings.demo_page:
        app.register(demo_page)
        app.register(demo_script)
    return app

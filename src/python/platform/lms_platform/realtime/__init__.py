"""Real-time edges of a service: serving an ASGI app and native WebSocket routes on socketify
in the service's own event loop, the two ASGI quirks of socketify, authenticating a socket with
the platform's ``TokenVerifier``, and a dishka REQUEST scope per socket message."""

from lms_platform.realtime.asgi import socketify_compatible
from lms_platform.realtime.auth import SocketAuthenticator, SocketAuthError, SocketIdentity
from lms_platform.realtime.scope import in_request_scope
from lms_platform.realtime.server import NativeRoute, SocketHandler, SocketifyServer

__all__ = [
    "NativeRoute",
    "SocketAuthError",
    "SocketAuthenticator",
    "SocketHandler",
    "SocketIdentity",
    "SocketifyServer",
    "in_request_scope",
    "socketify_compatible",
]

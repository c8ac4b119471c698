"""Authenticating a socket with the platform's ``TokenVerifier``.

The token comes from the Socket.IO ``auth`` payload or the first native frame, never from the
query string (which proxies and access logs keep). The identity carries the token's expiry so
the connection can ask for a fresh token, or be closed, when it runs out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

from lms_platform.kernel.principal import Principal
from lms_platform.security.verifier import InvalidToken, TokenVerifier

# Close codes in the private range (4000-4999) of RFC 6455, chosen to read like HTTP statuses.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_TOKEN_EXPIRED = 4401
CLOSE_FORBIDDEN = 4403


class SocketAuthError(Exception):
    """``code`` is stable and safe to show (``token_missing``, ``token_invalid``,
    ``token_expired``); ``reason`` is the verifier's, for the log."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SocketIdentity:
    principal: Principal
    expires_at: float  # Unix time

    def seconds_left(self, now: float | None = None) -> float:
        return self.expires_at - (time.time() if now is None else now)


class SocketAuthenticator:
    def __init__(self, verifier: TokenVerifier) -> None:
        self._verifier = verifier

    async def authenticate(self, token: object) -> SocketIdentity:
        if not isinstance(token, str) or not token.strip():
            raise SocketAuthError("token_missing", "no token given")
        token = token.strip()
        try:
            principal = await self._verifier.verify(token)
        except InvalidToken as exc:
            code = "token_expired" if exc.reason == "token expired" else "token_invalid"
            raise SocketAuthError(code, exc.reason) from exc
        # Verified above; this only reads the expiry the verifier checked.
        claims = jwt.decode(token, options={"verify_signature": False})
        return SocketIdentity(principal=principal, expires_at=float(claims["exp"]))

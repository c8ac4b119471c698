"""A device's Web Push subscription (RFC 8030 endpoint, RFC 8291 keys), checked before it is
stored: an https endpoint, a P-256 public key that is a point on the curve, a 16-byte secret."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
from uuid import UUID

from lms_platform.kernel.errors import InvalidInput

MAX_ENDPOINT = 2048
# base64url of 65 bytes (an uncompressed P-256 point) and of 16 bytes: the last character
# carries only the bits left over, so its set is smaller. The API documents these patterns.
P256DH_PATTERN = "^[A-Za-z0-9_-]{86}[AEIMQUYcgkosw048]=?$"
AUTH_PATTERN = "^[A-Za-z0-9_-]{21}[AQgw](==)?$"
ENDPOINT_PATTERN = "^https?://[^ ]+$"
# NIST P-256 (secp256r1): y^2 = x^3 - 3x + b (mod p)
_P = 2**256 - 2**224 + 2**192 + 2**96 - 1
_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True, slots=True, kw_only=True)
class PushSubscription:
    id: UUID
    college_id: str
    account_id: str
    endpoint: str
    p256dh: str
    auth: str
    created_at: datetime


def _decode(value: str, field: str, pattern: str) -> bytes:
    if not re.fullmatch(pattern, value):
        raise InvalidInput(f"{field} is not base64url of the right length", field=field)
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(f"{field} is not base64url", field=field) from exc


def _on_curve(point: bytes) -> bool:
    x = int.from_bytes(point[1:33], "big")
    y = int.from_bytes(point[33:65], "big")
    if not (0 <= x < _P and 0 <= y < _P):
        return False
    return (y * y - (x * x * x - 3 * x + _B)) % _P == 0


def check_subscription(endpoint: str, p256dh: str, auth: str, *, allow_loopback_http: bool) -> None:
    if len(endpoint) > MAX_ENDPOINT or not re.fullmatch(ENDPOINT_PATTERN, endpoint):
        raise InvalidInput("endpoint must be an https URL of a push service", field="endpoint")
    parts = urlsplit(endpoint)
    loopback_http = parts.scheme == "http" and parts.hostname in _LOOPBACK and allow_loopback_http
    if not (parts.scheme == "https" or loopback_http) or not parts.hostname:
        raise InvalidInput("endpoint must be an https URL of a push service", field="endpoint")
    key = _decode(p256dh, "keys.p256dh", P256DH_PATTERN)
    if len(key) != 65 or key[0] != 4 or not _on_curve(key):
        raise InvalidInput(
            "keys.p256dh must be an uncompressed P-256 public key (65 bytes, on the curve)",
            field="keys.p256dh",
        )
    if len(_decode(auth, "keys.auth", AUTH_PATTERN)) != 16:
        raise InvalidInput("keys.auth must be 16 bytes", field="keys.auth")

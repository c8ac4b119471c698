"""What the reference servers share: their settings from the environment and the rules of
``GET /users/{id}`` that every implementation must apply, stated once so they do the same work.

The rules mirror the project's use case (``lms.user.application``): the token must be a valid
RS256 JWT of our issuer and audience; a profile of another college, or a deleted one, is 404;
the user themself, a college admin of that college or staff (instructor, TA) may read it, anyone
else gets 403. The response carries the same fields and ETag as the project's.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import jwt

SELECT_PROFILE = (
    "SELECT id, tenant_id, email, display_name, avatar_url, bio, timezone, locale, roles, status, "
    "created_at, updated_at, version FROM profiles WHERE id = $1 AND deleted_at IS NULL"
)
STAFF_READERS = frozenset({"instructor", "teaching_assistant"})
REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud"]


@dataclass(frozen=True)
class ReferenceConfig:
    port: int
    dsn: str  # postgresql://user@host:port/db
    public_jwk: dict[str, Any]
    issuer: str
    audience: str
    pool_size: int

    @classmethod
    def from_env(cls) -> ReferenceConfig:
        return cls(
            port=int(os.environ["BENCH_PORT"]),
            dsn=os.environ.get("BENCH_DSN", ""),
            public_jwk=json.loads(os.environ.get("BENCH_PUBLIC_JWK", "{}")),
            issuer=os.environ.get("BENCH_JWT_ISSUER", "lms-auth"),
            audience=os.environ.get("BENCH_JWT_AUDIENCE", "lms"),
            pool_size=int(os.environ.get("BENCH_POOL_SIZE", "10")),
        )

    def verification_key(self) -> Any:
        """The RSA public key object, parsed once at start-up (as the project caches its JWKS)."""
        return jwt.PyJWK(self.public_jwk).key


def may_read(subject: str, college: str, roles: list[str], profile_id: str, profile_college: str) -> bool:
    if subject == profile_id:
        return True
    if "super_admin" in roles or ("college_admin" in roles and college == profile_college):
        return True
    return any(role in STAFF_READERS for role in roles)

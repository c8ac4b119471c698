"""Mint real signed tokens with a throwaway key, for tests and the local devstack."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from lms_platform.security.jwks import StaticKeySource


class TokenFactory:
    """Holds an RSA key generated in memory (never written to disk or the repo)."""

    def __init__(
        self, *, issuer: str = "lms-auth", audience: str = "lms", kid: str | None = None
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.kid = kid or f"test-{uuid.uuid4().hex[:8]}"
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @property
    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return jwk

    @property
    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk]}

    def key_source(self) -> StaticKeySource:
        return StaticKeySource(self.jwks)

    def claims(
        self,
        user_id: str,
        tenant_id: str,
        *,
        roles: Iterable[str] = ("student",),
        permissions: Iterable[str] = (),
        expires_in: int = 900,
    ) -> dict[str, Any]:
        now = int(time.time())
        return {
            "sub": user_id,
            "college": tenant_id,
            "roles": list(roles),
            "perms": list(permissions),
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + expires_in,
            "jti": uuid.uuid4().hex,
        }

    def mint(
        self,
        user_id: str,
        tenant_id: str,
        *,
        roles: Iterable[str] = ("student",),
        permissions: Iterable[str] = (),
        expires_in: int = 900,
        **extra_claims: Any,
    ) -> str:
        claims = self.claims(
            user_id, tenant_id, roles=roles, permissions=permissions, expires_in=expires_in
        )
        claims.update(extra_claims)
        return self.sign(claims)

    def sign(self, claims: dict[str, Any], *, headers: dict[str, Any] | None = None) -> str:
        return jwt.encode(
            claims,
            self.private_key,
            algorithm="RS256",
            headers={"kid": self.kid, **(headers or {})},
        )

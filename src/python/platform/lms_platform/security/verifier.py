"""Token verification: signature, algorithm, expiry, issuer and audience, then the principal."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterable

import jwt

from lms_platform.kernel.principal import Principal
from lms_platform.security.jwks import KeySource

# Only asymmetric algorithms: "none" and HMAC (which a forger could key with our public key)
# are refused before any key is looked up.
ALLOWED_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "ES256", "EdDSA"})
_KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}


class InvalidToken(Exception):
    """The token cannot be trusted; ``reason`` is safe to log, not to show in detail."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TokenVerifier:
    def __init__(
        self,
        keys: KeySource,
        *,
        issuer: str,
        audience: str,
        algorithms: Iterable[str] = ("RS256", "EdDSA"),
        leeway_seconds: float = 0.0,
        cache_size: int = 10_000,
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._algorithms = frozenset(algorithms) & ALLOWED_ALGORITHMS
        self._leeway = leeway_seconds
        # A verified token is immutable until it expires, so its principal can be reused: this
        # spares a signature check on every request of a busy client.
        self._cache: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._cache_size = cache_size

    async def verify(self, token: str) -> Principal:
        cached = self._cache.get(token)
        if cached is not None:
            principal, expires_at = cached
            if time.time() < expires_at:
                return principal
            del self._cache[token]

        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise InvalidToken("malformed token") from exc
        algorithm = header.get("alg")
        kid = header.get("kid")
        if algorithm not in self._algorithms:
            raise InvalidToken(f"algorithm {algorithm!r} not allowed")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("token has no kid")
        key = await self._keys.get_key(kid)
        if key is None:
            raise InvalidToken("unknown signing key")
        if key.key_type != _KEY_TYPES[algorithm[:2]] or (
            key.algorithm_name and key.algorithm_name != algorithm
        ):
            raise InvalidToken("key does not match the token's algorithm")

        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("token expired") from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(f"invalid token: {exc}") from exc

        principal = _principal_from_claims(claims)
        self._remember(token, principal, float(claims["exp"]))
        return principal

    def _remember(self, token: str, principal: Principal, expires_at: float) -> None:
        self._cache[token] = (principal, expires_at)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


def _principal_from_claims(claims: dict[str, object]) -> Principal:
    college = claims.get("college")
    roles = claims.get("roles", [])
    permissions = claims.get("perms", [])
    if not isinstance(college, str) or not college:
        raise InvalidToken("token has no college claim")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise InvalidToken("roles claim must be a list of strings")
    if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
        raise InvalidToken("perms claim must be a list of strings")
    jti = claims.get("jti")
    return Principal(
        user_id=str(claims["sub"]),
        tenant_id=college,
        roles=frozenset(roles),
        permissions=frozenset(permissions),
        token_id=jti if isinstance(jti, str) else None,
    )

"""Token verification: signature, algorithm, expiry, lifetime, issuer and audience, then the
principal; a verified token is remembered while its key is still published."""

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
    """Verifies access tokens against a ``KeySource``.

    ``leeway_seconds`` absorbs clock skew with the issuer on ``exp``, ``nbf`` and ``iat`` (an
    ``iat`` further in the future is refused). ``max_token_lifetime_seconds`` is the issuer's
    access-token lifetime: a token whose ``exp - iat`` exceeds it plus the leeway is refused, so a
    leaked signing key cannot mint tokens that outlive its revocation by more than that.
    """

    def __init__(
        self,
        keys: KeySource,
        *,
        issuer: str,
        audience: str,
        algorithms: Iterable[str] = ("RS256", "EdDSA"),
        leeway_seconds: float = 30.0,
        max_token_lifetime_seconds: float = 900.0,
        cache_size: int = 10_000,
    ) -> None:
        if leeway_seconds < 0 or max_token_lifetime_seconds <= 0:
            raise ValueError("leeway must be >= 0 and the maximum token lifetime > 0")
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._algorithms = frozenset(algorithms) & ALLOWED_ALGORITHMS
        self._leeway = leeway_seconds
        self._max_lifetime = max_token_lifetime_seconds
        # A verified token's principal is reused while the token is valid and the key set that
        # vouched for its kid is trusted: this spares a signature check on every request of a
        # busy client, at the cost of one time comparison. Each entry is (principal, serve
        # without asking until, valid until, kid), in wall-clock seconds.
        self._cache: OrderedDict[str, tuple[Principal, float, float, str]] = OrderedDict()
        self._cache_size = cache_size

    async def verify(self, token: str) -> Principal:
        cached = self._cache.get(token)
        if cached is not None:
            if time.time() < cached[1]:  # the hot path: one comparison
                return cached[0]
            if (principal := await self._still_valid(token, *cached)) is not None:
                return principal
        return await self._verify(token)

    async def _still_valid(
        self, token: str, principal: Principal, _: float, valid_until: float, kid: str
    ) -> Principal | None:
        """A cached token whose key set's trust ran out: served again if its kid is still
        published (``get_key`` refreshes the set), else forgotten."""
        if time.time() < valid_until and await self._keys.get_key(kid) is not None:
            self._cache[token] = (principal, self._serve_until(valid_until), valid_until, kid)
            return principal
        self._cache.pop(token, None)  # expired, or its key is gone: verify it afresh
        return None

    async def _verify(self, token: str) -> Principal:
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
        except jwt.ImmatureSignatureError as exc:
            raise InvalidToken(f"token not yet valid: {exc}") from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(f"invalid token: {exc}") from exc

        # decode() has checked that both are integers.
        expires_at, issued_at = int(claims["exp"]), int(claims["iat"])
        if not 0 < expires_at - issued_at <= self._max_lifetime + self._leeway:
            raise InvalidToken("token lifetime (exp - iat) out of bounds")
        principal = _principal_from_claims(claims)
        valid_until = expires_at + self._leeway
        self._cache[token] = (principal, self._serve_until(valid_until), valid_until, kid)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return principal

    def _serve_until(self, valid_until: float) -> float:
        return min(valid_until, self._keys.trusted_until())


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

"""Where verification keys come from: the auth service's JWKS URL, or a fixed set in tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any, Protocol

import httpx
import jwt


class KeySource(Protocol):
    async def get_key(self, kid: str) -> jwt.PyJWK | None: ...


def _parse_jwks(document: Mapping[str, Any]) -> dict[str, jwt.PyJWK]:
    keys: dict[str, jwt.PyJWK] = {}
    for entry in document.get("keys", []):
        kid = entry.get("kid")
        if not kid or entry.get("use", "sig") != "sig":
            continue
        try:
            keys[kid] = jwt.PyJWK(dict(entry))
        except jwt.PyJWKError:
            continue  # one unusable key must not make the others unusable
    return keys


class StaticKeySource:
    """A fixed JWKS document (tests, and the devstack before the auth service exists)."""

    def __init__(self, jwks: Mapping[str, Any]) -> None:
        self._keys = _parse_jwks(jwks)

    async def get_key(self, kid: str) -> jwt.PyJWK | None:
        return self._keys.get(kid)


class JWKSKeySource:
    """Fetches and caches a JWKS document.

    Keys are cached for ``ttl`` seconds. An unknown ``kid`` triggers a refresh (key rotation:
    the auth service publishes a new key before it signs with it), at most once per
    ``min_refresh_interval`` so a flood of forged kids cannot hammer the auth service.
    """

    def __init__(
        self,
        url: str,
        *,
        ttl: float = 300.0,
        min_refresh_interval: float = 5.0,
        timeout: float = 2.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._url = url
        self._ttl = ttl
        self._min_refresh_interval = min_refresh_interval
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def get_key(self, kid: str) -> jwt.PyJWK | None:
        now = time.monotonic()
        expired = now - self._fetched_at > self._ttl
        unknown_and_may_refresh = (
            kid not in self._keys and now - self._fetched_at > self._min_refresh_interval
        )
        if expired or unknown_and_may_refresh:
            await self._refresh()
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        async with self._lock:
            started = time.monotonic()
            if started - self._fetched_at <= self._min_refresh_interval and self._keys:
                return  # another task refreshed while we waited
            try:
                response = await self._client.get(self._url)
                response.raise_for_status()
                self._keys = _parse_jwks(response.json())
            except (httpx.HTTPError, ValueError):
                # Keep serving the keys we have: the auth service being briefly down must not
                # log everybody out. The next request after the interval tries again.
                if not self._keys:
                    self._fetched_at = started
                    return
            self._fetched_at = started

    async def aclose(self) -> None:
        await self._client.aclose()

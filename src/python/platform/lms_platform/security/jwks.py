"""Where verification keys come from: the auth service's JWKS URL, or a fixed set in tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any, Protocol

import httpx
import jwt
import structlog

_log = structlog.get_logger("lms_platform.security.jwks")


class KeySource(Protocol):
    async def get_key(self, kid: str) -> jwt.PyJWK | None:
        """The published key ``kid`` (None if it is not published), from a key set that is
        trusted now: a set past ``trusted_until`` is refreshed first."""
        ...

    def trusted_until(self) -> float:
        """Wall-clock time until which the key set ``get_key`` answered from may be trusted
        without asking again; a verifier serves its cached tokens until then at most."""
        ...


def _parse_jwks(document: Mapping[str, Any]) -> dict[str, jwt.PyJWK]:
    if not isinstance(document, Mapping) or not isinstance(document.get("keys", []), list):
        raise ValueError("not a JWKS document")
    keys: dict[str, jwt.PyJWK] = {}
    for entry in document.get("keys", []):
        if not isinstance(entry, Mapping):
            continue
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

    def trusted_until(self) -> float:
        return float("inf")


class JWKSKeySource:
    """Fetches a JWKS document and trusts it for ``refresh_seconds``.

    A key removed from the JWKS (revoked) is therefore refused by every lookup that starts
    ``refresh_seconds`` after the JWKS stopped listing it: the first lookup past the interval
    waits for a fresh document, and so does every lookup made while that fetch runs.

    An unknown ``kid`` triggers a fetch too (key rotation: the auth service publishes a new key
    before it signs with it), at most once per ``min_refresh_interval`` (capped at
    ``refresh_seconds``), so a flood of forged kids cannot hammer the auth service. A failed
    fetch (an error status, or a body that is not a JWKS) keeps the last key set, because an auth
    outage must not log everybody out, and is retried after ``min_refresh_interval``: while
    fetches fail, a removed key keeps verifying until one succeeds.
    """

    def __init__(
        self,
        url: str,
        *,
        refresh_seconds: float = 30.0,
        min_refresh_interval: float = 5.0,
        timeout: float = 2.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._url = url
        self._refresh_seconds = refresh_seconds
        # Never longer than the refresh interval, which would stretch the revocation bound.
        self._min_refresh_interval = min(min_refresh_interval, refresh_seconds)
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fresh_until = float("-inf")  # monotonic; the key set is trusted until then
        self._next_fetch_at = float("-inf")  # monotonic; earliest next fetch
        self._lock = asyncio.Lock()

    def trusted_until(self) -> float:
        return time.time() + (self._fresh_until - time.monotonic())

    async def get_key(self, kid: str) -> jwt.PyJWK | None:
        now = time.monotonic()
        if (now >= self._fresh_until or kid not in self._keys) and now >= self._next_fetch_at:
            await self._refresh()
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        async with self._lock:
            started = time.monotonic()
            if started < self._next_fetch_at:
                return  # fetched while we waited for the lock
            try:
                response = await self._client.get(self._url)
                response.raise_for_status()
                keys = _parse_jwks(response.json())
            except (httpx.HTTPError, ValueError) as exc:
                _log.warning(
                    "jwks_fetch_failed", url=self._url, error=str(exc), keys_kept=len(self._keys)
                )
            else:
                self._keys = keys
                # From the start of the fetch: the answer may describe any moment after it.
                self._fresh_until = started + self._refresh_seconds
            # Set only now, so lookups made during the fetch wait for it instead of skipping it.
            self._next_fetch_at = time.monotonic() + self._min_refresh_interval

    async def aclose(self) -> None:
        await self._client.aclose()

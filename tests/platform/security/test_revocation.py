"""Revocation reaches tokens a verifier has already cached: once a kid leaves the JWKS served
over HTTP, no verification that starts ``refresh_seconds`` later accepts its tokens."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from lms_platform.security import InvalidToken, JWKSKeySource, TokenVerifier
from lms_platform.security.testing import TokenFactory
from tests.platform.security.conftest import MutableJWKS

REFRESH_SECONDS = 1.0
POLL_SECONDS = 0.05
# What a verification may take beyond the bound on a busy 2-core machine (one JWKS fetch).
REQUEST_TIME = 0.5


def _verifier(keys: JWKSKeySource) -> TokenVerifier:
    return TokenVerifier(keys, issuer="lms-auth", audience="lms")


async def test_a_cached_token_of_a_removed_kid_fails_within_the_refresh_interval(
    jwks_endpoint: MutableJWKS,
) -> None:
    leaked, successor = TokenFactory(kid="k-leaked"), TokenFactory(kid="k-successor")
    jwks_endpoint.document = {"keys": [leaked.public_jwk, successor.public_jwk]}
    keys = JWKSKeySource(jwks_endpoint.url, refresh_seconds=REFRESH_SECONDS)
    verifier = _verifier(keys)
    token = leaked.mint("u1", "college-a")
    principal = await verifier.verify(token)
    fetches = jwks_endpoint.requests
    assert await verifier.verify(token) is principal  # cached: no signature check, no fetch
    assert jwks_endpoint.requests == fetches

    jwks_endpoint.document = successor.jwks  # POST /signing-keys/k-leaked/revoke
    removed_at = time.monotonic()

    async def outcome() -> str:
        try:
            return "cached" if await verifier.verify(token) is principal else "verified again"
        except InvalidToken as refused:
            return refused.reason

    accepted_at: list[float] = []  # when each accepted verification started, after removal
    while True:
        started = time.monotonic() - removed_at
        assert started < REFRESH_SECONDS + REQUEST_TIME, "the revoked key's token still verifies"
        result = await outcome()
        if result != "cached":
            break
        accepted_at.append(started)
        await asyncio.sleep(POLL_SECONDS)
    assert result == "unknown signing key"
    refused_at = started

    assert accepted_at, "the token was refused at once: the cached path was never exercised"
    assert max(accepted_at) < REFRESH_SECONDS  # the bound: nothing accepted after it
    assert refused_at < REFRESH_SECONDS + POLL_SECONDS + REQUEST_TIME
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await verifier.verify(token)  # and it stays refused
    assert (await verifier.verify(successor.mint("u1", "college-a"))).user_id == "u1"
    await keys.aclose()


async def test_a_kid_still_published_keeps_its_cached_principal_across_refreshes(
    jwks_endpoint: MutableJWKS,
) -> None:
    factory = TokenFactory()
    jwks_endpoint.document = factory.jwks
    keys = JWKSKeySource(jwks_endpoint.url, refresh_seconds=0.2)
    verifier = _verifier(keys)
    token = factory.mint("u1", "c")
    principal = await verifier.verify(token)
    fetches = jwks_endpoint.requests

    await asyncio.sleep(0.3)
    assert await verifier.verify(token) is principal  # the same object: not verified again
    assert jwks_endpoint.requests == fetches + 1  # but the key set was fetched again
    await keys.aclose()


async def test_lookups_during_a_refresh_wait_for_it_and_share_one_fetch(
    jwks_endpoint: MutableJWKS,
) -> None:
    leaked, successor = TokenFactory(kid="k-leaked"), TokenFactory(kid="k-successor")
    jwks_endpoint.document = leaked.jwks
    keys = JWKSKeySource(jwks_endpoint.url, refresh_seconds=0.2)
    verifier = _verifier(keys)
    token = leaked.mint("u1", "c")
    await verifier.verify(token)

    jwks_endpoint.document, jwks_endpoint.delay = successor.jwks, 0.3  # a slow JWKS
    await asyncio.sleep(0.25)
    fetches = jwks_endpoint.requests
    results = await asyncio.gather(
        *(verifier.verify(token) for _ in range(20)), return_exceptions=True
    )
    assert all(isinstance(result, InvalidToken) for result in results), results
    assert jwks_endpoint.requests == fetches + 1
    await keys.aclose()


@pytest.mark.parametrize(
    "failure", [{"status": 503}, {"document": ["not", "a", "jwks"]}], ids=["503", "not-a-jwks"]
)
async def test_a_failing_jwks_keeps_the_last_keys_and_is_retried_sparingly(
    jwks_endpoint: MutableJWKS, failure: dict[str, Any]
) -> None:
    leaked, successor = TokenFactory(kid="k-leaked"), TokenFactory(kid="k-successor")
    jwks_endpoint.document = leaked.jwks
    keys = JWKSKeySource(jwks_endpoint.url, refresh_seconds=0.4, min_refresh_interval=0.3)
    verifier = _verifier(keys)
    token = leaked.mint("u1", "c")
    principal = await verifier.verify(token)

    for name, value in failure.items():  # auth is down or confused: nobody is logged out
        setattr(jwks_endpoint, name, value)
    began, fetches = time.monotonic(), jwks_endpoint.requests
    while time.monotonic() - began < 1.2:
        assert await verifier.verify(token) is principal
        await asyncio.sleep(0.02)
    # One fetch when the set went stale (0.4 s), then one per min_refresh_interval (0.3 s),
    # not one per verification: about 3 in 1.2 s.
    assert 2 <= jwks_endpoint.requests - fetches <= 4

    jwks_endpoint.status, jwks_endpoint.document = 200, successor.jwks  # back, key revoked
    await asyncio.sleep(0.5)
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await verifier.verify(token)
    await keys.aclose()

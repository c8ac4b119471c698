"""The time rules of ``TokenVerifier``: clock-skew leeway on exp, nbf and iat, and a bounded
lifetime (exp - iat), each at its edge; and the cached principal follows the key set."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import jwt
import pytest

from lms_platform.security import InvalidToken, StaticKeySource, TokenVerifier
from lms_platform.security.testing import TokenFactory

LEEWAY = 30
MAX_LIFETIME = 900


@pytest.fixture
def factory() -> TokenFactory:
    return TokenFactory()


def _verifier(factory: TokenFactory, **options: Any) -> TokenVerifier:
    return TokenVerifier(
        StaticKeySource(factory.jwks),
        issuer="lms-auth",
        audience="lms",
        leeway_seconds=options.pop("leeway_seconds", LEEWAY),
        max_token_lifetime_seconds=options.pop("max_token_lifetime_seconds", MAX_LIFETIME),
        **options,
    )


def _token(factory: TokenFactory, *, iat: int, exp: int, **claims: Any) -> str:
    return factory.sign({**factory.claims("u1", "c"), "iat": iat, "exp": exp, **claims})


async def test_the_defaults_are_thirty_seconds_of_leeway_and_auths_access_lifetime(
    factory: TokenFactory,
) -> None:
    verifier = TokenVerifier(StaticKeySource(factory.jwks), issuer="lms-auth", audience="lms")
    now = int(time.time())
    assert await verifier.verify(_token(factory, iat=now - 600, exp=now - 25))
    with pytest.raises(InvalidToken, match="expired"):
        await verifier.verify(_token(factory, iat=now - 600, exp=now - 35))
    assert await verifier.verify(_token(factory, iat=now, exp=now + 930))
    with pytest.raises(InvalidToken, match="lifetime"):
        await verifier.verify(_token(factory, iat=now, exp=now + 931))


@pytest.mark.parametrize(
    ("options", "message"),
    [({"leeway_seconds": -1}, "leeway"), ({"max_token_lifetime_seconds": 0}, "lifetime")],
)
def test_nonsense_settings_are_refused(
    factory: TokenFactory, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _verifier(factory, **options)


async def test_a_token_expired_within_the_leeway_still_verifies(factory: TokenFactory) -> None:
    now = int(time.time())
    token = _token(factory, iat=now - 600, exp=now - (LEEWAY - 5))
    assert (await _verifier(factory).verify(token)).user_id == "u1"


async def test_a_token_expired_beyond_the_leeway_is_refused(factory: TokenFactory) -> None:
    now = int(time.time())
    token = _token(factory, iat=now - 600, exp=now - (LEEWAY + 5))
    with pytest.raises(InvalidToken, match="expired"):
        await _verifier(factory).verify(token)


async def test_without_leeway_a_just_expired_token_is_refused(factory: TokenFactory) -> None:
    now = int(time.time())
    token = _token(factory, iat=now - 600, exp=now - 5)
    with pytest.raises(InvalidToken, match="expired"):
        await _verifier(factory, leeway_seconds=0).verify(token)


async def test_an_issuer_clock_ahead_within_the_leeway_is_accepted(factory: TokenFactory) -> None:
    # Our clock runs behind auth's: iat and nbf are a little in our future.
    now = int(time.time())
    iat = now + LEEWAY - 10
    token = _token(factory, iat=iat, exp=iat + MAX_LIFETIME, nbf=iat)
    assert (await _verifier(factory).verify(token)).user_id == "u1"


@pytest.mark.parametrize("claim", ["iat", "nbf"])
async def test_a_future_iat_or_nbf_beyond_the_leeway_is_refused(
    factory: TokenFactory, claim: str
) -> None:
    now = int(time.time())
    future = now + LEEWAY + 10
    times = {"iat": now, "nbf": now, claim: future}
    token = _token(factory, iat=times["iat"], exp=future + 60, nbf=times["nbf"])
    with pytest.raises(InvalidToken, match=rf"not yet valid.*{claim}"):
        await _verifier(factory).verify(token)


async def test_a_lifetime_up_to_the_maximum_plus_leeway_is_accepted(
    factory: TokenFactory,
) -> None:
    now = int(time.time())
    token = _token(factory, iat=now, exp=now + MAX_LIFETIME + LEEWAY)
    assert (await _verifier(factory).verify(token)).user_id == "u1"


@pytest.mark.parametrize(
    "lifetime",
    [MAX_LIFETIME + LEEWAY + 1, 365 * 24 * 3600, 0, -40],
    ids=["one-second-too-long", "a-year", "zero", "negative"],
)
async def test_a_lifetime_out_of_bounds_is_refused(factory: TokenFactory, lifetime: int) -> None:
    """A leaked key's holder cannot mint a token that outlives the key's revocation."""
    # iat and exp stay within the leeway of now, so only the lifetime can refuse them.
    iat = int(time.time()) + (20 if lifetime < 0 else 0)
    token = _token(factory, iat=iat, exp=iat + lifetime)
    with pytest.raises(InvalidToken, match=r"lifetime \(exp - iat\) out of bounds"):
        await _verifier(factory).verify(token)


async def test_the_maximum_lifetime_is_a_setting(factory: TokenFactory) -> None:
    now = int(time.time())
    token = _token(factory, iat=now, exp=now + 3600)
    with pytest.raises(InvalidToken, match="lifetime"):
        await _verifier(factory).verify(token)
    verifier = _verifier(factory, max_token_lifetime_seconds=3600)
    assert (await verifier.verify(token)).user_id == "u1"


async def test_a_cached_principal_is_served_until_exp_plus_leeway(factory: TokenFactory) -> None:
    now = int(time.time())
    token = _token(factory, iat=now - 600, exp=now - LEEWAY + 2)  # past exp, 2 s of leeway left
    verifier = _verifier(factory)
    principal = await verifier.verify(token)
    assert await verifier.verify(token) is principal  # served from the cache

    await asyncio.sleep(3)
    with pytest.raises(InvalidToken, match="expired"):
        await verifier.verify(token)


class SwitchableKeys:
    """A key source whose published set, and how long it is trusted, a test changes."""

    def __init__(self, factory: TokenFactory) -> None:
        self.keys = {factory.kid: jwt.PyJWK(factory.public_jwk)}
        self.trusted_for = 3600.0
        self.lookups = 0

    async def get_key(self, kid: str) -> jwt.PyJWK | None:
        self.lookups += 1
        return self.keys.get(kid)

    def trusted_until(self) -> float:
        return time.time() + self.trusted_for


async def test_a_cached_principal_is_served_only_while_its_key_set_is_trusted(
    factory: TokenFactory,
) -> None:
    keys = SwitchableKeys(factory)
    verifier = TokenVerifier(keys, issuer="lms-auth", audience="lms")
    token = factory.mint("u1", "c")
    keys.trusted_for = 0.2
    principal = await verifier.verify(token)
    lookups = keys.lookups
    assert await verifier.verify(token) is principal
    assert keys.lookups == lookups  # the hot path asked the key source nothing

    await asyncio.sleep(0.25)  # the key set's trust ran out: the kid is looked up again
    assert await verifier.verify(token) is principal
    assert keys.lookups == lookups + 1

    keys.keys.clear()  # the key is revoked; the next refresh says so
    await asyncio.sleep(0.25)
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await verifier.verify(token)
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await verifier.verify(token)  # and it is not cached again

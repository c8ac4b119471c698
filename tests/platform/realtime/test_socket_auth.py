"""Authenticating a socket with the platform verifier: the principal and the token's expiry."""

from __future__ import annotations

import time

import pytest

from lms_platform.realtime import SocketAuthenticator, SocketAuthError
from lms_platform.security import TokenVerifier
from lms_platform.security.testing import TokenFactory


@pytest.fixture
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest.fixture
def authenticator(tokens: TokenFactory) -> SocketAuthenticator:
    verifier = TokenVerifier(tokens.key_source(), issuer=tokens.issuer, audience=tokens.audience)
    return SocketAuthenticator(verifier)


async def test_a_good_token_gives_the_principal_and_its_expiry(
    tokens: TokenFactory, authenticator: SocketAuthenticator
) -> None:
    identity = await authenticator.authenticate(tokens.mint("u-1", "college-a", expires_in=300))
    assert identity.principal.user_id == "u-1" and identity.principal.tenant_id == "college-a"
    assert 290 < identity.seconds_left() <= 300


@pytest.mark.parametrize("token", [None, "", "   ", 42, {"token": "x"}])
async def test_no_token_is_token_missing(authenticator: SocketAuthenticator, token: object) -> None:
    with pytest.raises(SocketAuthError) as refused:
        await authenticator.authenticate(token)
    assert refused.value.code == "token_missing"


async def test_an_expired_token_is_token_expired(
    tokens: TokenFactory, authenticator: SocketAuthenticator
) -> None:
    claims = tokens.claims("u-1", "college-a")
    claims.update(iat=int(time.time()) - 1000, exp=int(time.time()) - 100)
    with pytest.raises(SocketAuthError) as refused:
        await authenticator.authenticate(tokens.sign(claims))
    assert refused.value.code == "token_expired"


async def test_a_foreign_token_is_token_invalid(authenticator: SocketAuthenticator) -> None:
    with pytest.raises(SocketAuthError) as refused:
        await authenticator.authenticate(TokenFactory().mint("u-1", "college-a"))
    assert refused.value.code == "token_invalid"

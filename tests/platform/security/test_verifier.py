"""Token verification against a real JWKS endpoint on loopback: rotation, tampering, claims."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from lms_platform.security import InvalidToken, JWKSKeySource, StaticKeySource, TokenVerifier
from lms_platform.security.testing import TokenFactory
from tests.platform.security.conftest import MutableJWKS


def _verifier(keys: Any) -> TokenVerifier:
    return TokenVerifier(keys, issuer="lms-auth", audience="lms")


async def test_a_genuine_token_yields_the_principal(jwks_endpoint: MutableJWKS) -> None:
    state, url = jwks_endpoint, jwks_endpoint.url
    factory = TokenFactory()
    state.document = factory.jwks
    verifier = _verifier(JWKSKeySource(url))
    principal = await verifier.verify(
        factory.mint("u1", "college-a", roles=["instructor"], permissions=["course:create"])
    )
    assert principal.user_id == "u1"
    assert principal.tenant_id == "college-a"
    assert principal.roles == frozenset({"instructor"})
    assert principal.permissions == frozenset({"course:create"})
    assert principal.token_id


async def test_key_rotation_new_keys_sign_old_keys_verify_until_removed(
    jwks_endpoint: MutableJWKS,
) -> None:
    state, url = jwks_endpoint, jwks_endpoint.url
    old, new = TokenFactory(kid="k-old"), TokenFactory(kid="k-new")
    state.document = old.jwks
    keys = JWKSKeySource(url, min_refresh_interval=0.0)
    verifier = _verifier(keys)
    old_token = old.mint("u1", "c")
    assert (await verifier.verify(old_token)).user_id == "u1"

    # The auth service publishes the new key beside the old one, then signs with the new key.
    state.document = {"keys": [old.public_jwk, new.public_jwk]}
    fresh_verifier = _verifier(keys)  # no verified-token cache: the key set decides
    assert (
        await fresh_verifier.verify(new.mint("u2", "c"))
    ).user_id == "u2"  # unknown kid → refresh
    assert (await fresh_verifier.verify(old.mint("u3", "c"))).user_id == "u3"  # old still verifies


async def test_unknown_kid_refreshes_are_rate_limited(
    jwks_endpoint: MutableJWKS,
) -> None:
    state, url = jwks_endpoint, jwks_endpoint.url
    factory = TokenFactory()
    state.document = factory.jwks
    verifier = _verifier(JWKSKeySource(url, min_refresh_interval=60.0))
    await verifier.verify(factory.mint("u1", "c"))
    fetched = state.requests
    forged_kids = [
        factory.sign(factory.claims("u", "c"), headers={"kid": f"forged-{n}"}) for n in range(20)
    ]
    for token in forged_kids:
        with pytest.raises(InvalidToken, match="unknown signing key"):
            await verifier.verify(token)
    assert state.requests == fetched  # twenty forged kids did not hammer the JWKS endpoint


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def factory() -> TokenFactory:
    return TokenFactory()


@pytest.fixture
def verifier(factory: TokenFactory) -> TokenVerifier:
    return _verifier(StaticKeySource(factory.jwks))


async def test_alg_none_is_refused(factory: TokenFactory, verifier: TokenVerifier) -> None:
    header = _b64(json.dumps({"alg": "none", "kid": factory.kid, "typ": "JWT"}).encode())
    payload = _b64(json.dumps(factory.claims("u1", "c")).encode())
    with pytest.raises(InvalidToken, match="not allowed"):
        await verifier.verify(f"{header}.{payload}.")


async def test_hs256_signed_with_the_public_key_is_refused(
    factory: TokenFactory, verifier: TokenVerifier
) -> None:
    public_pem = factory.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "kid": factory.kid}
    signing_input = (
        _b64(json.dumps(header).encode())
        + "."
        + _b64(json.dumps(factory.claims("u1", "c")).encode())
    )
    import hashlib
    import hmac

    signature = _b64(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())
    with pytest.raises(InvalidToken, match="not allowed"):
        await verifier.verify(f"{signing_input}.{signature}")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"exp": int(time.time()) - 60}, "expired"),  # beyond the default 30 s leeway
        ({"iss": "someone-else"}, "invalid token"),
        ({"aud": "another-audience"}, "invalid token"),
        ({"college": ""}, "college"),
        ({"roles": "admin"}, "roles"),
        ({"perms": [1, 2]}, "perms"),
    ],
)
async def test_bad_claims_are_refused(
    factory: TokenFactory, verifier: TokenVerifier, change: dict[str, Any], reason: str
) -> None:
    with pytest.raises(InvalidToken, match=reason):
        await verifier.verify(factory.sign({**factory.claims("u1", "c"), **change}))


async def test_missing_required_claims_are_refused(
    factory: TokenFactory, verifier: TokenVerifier
) -> None:
    claims = factory.claims("u1", "c")
    del claims["exp"]
    with pytest.raises(InvalidToken):
        await verifier.verify(factory.sign(claims))


async def test_altered_claims_break_the_signature(
    factory: TokenFactory, verifier: TokenVerifier
) -> None:
    token = factory.mint("u1", "college-a")
    header, _, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["college"] = "college-b"
    with pytest.raises(InvalidToken, match="invalid token"):
        await verifier.verify(f"{header}.{_b64(json.dumps(claims).encode())}.{signature}")


async def test_a_key_of_another_type_for_the_kid_is_refused(factory: TokenFactory) -> None:
    # The JWKS says the kid is an EC key while the token claims RS256.
    from cryptography.hazmat.primitives.asymmetric import ec
    from jwt.algorithms import ECAlgorithm

    ec_jwk = json.loads(ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key()))
    ec_jwk.update({"kid": factory.kid, "use": "sig"})
    verifier = _verifier(StaticKeySource({"keys": [ec_jwk]}))
    with pytest.raises(InvalidToken, match="does not match"):
        await verifier.verify(factory.mint("u1", "c"))

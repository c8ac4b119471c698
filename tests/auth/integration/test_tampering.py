"""Forged and altered tokens are refused by the auth service's own routes (401), while the
same request with a genuine token gets past authentication."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lms.auth.adapters.security.jwt_tokens import JwtAccessTokenSigner
from lms.auth.application.ports import SigningKeyStore
from tests.auth.integration.conftest import RunningAuthService


class _PastClock:
    def now(self) -> datetime:
        return datetime.now(UTC) - timedelta(hours=2)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _claims(token: str) -> dict[str, object]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def _with_payload(token: str, changes: dict[str, object]) -> str:
    """Same header and signature, altered claims."""
    header, payload, signature = token.split(".")
    claims = {**json.loads(_unb64(payload)), **changes}
    return ".".join([header, _b64(json.dumps(claims).encode()), signature])


def _alg_none(token: str) -> str:
    header = jwt.get_unverified_header(token)
    forged_header = _b64(json.dumps({**header, "alg": "none"}).encode())
    return f"{forged_header}.{token.split('.')[1]}."


async def _public_key_pem(service: RunningAuthService, kid: str) -> bytes:
    jwks = (await service.client.get("/.well-known/jwks.json")).json()
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    public_key = jwt.PyJWK(jwk).key
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _hs256_with(secret: bytes, claims: dict[str, object], kid: str) -> str:
    # PyJWT refuses an asymmetric key as an HMAC secret; a forger would not.
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = _b64(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


@pytest.mark.parametrize(
    "forgery",
    [
        "alg_none",
        "hs256_with_public_key",
        "unknown_kid",
        "foreign_key_same_kid",
        "expired",
        "altered_roles",
        "altered_college",
        "wrong_audience",
    ],
)
async def test_forged_tokens_are_refused(auth_service: RunningAuthService, forgery: str) -> None:
    genuine = auth_service.root["Authorization"].removeprefix("Bearer ")
    kid = jwt.get_unverified_header(genuine)["kid"]
    claims = _claims(genuine)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = {
        "alg_none": lambda: _alg_none(genuine),
        "hs256_with_public_key": None,
        "unknown_kid": lambda: jwt.encode(claims, other_key, "RS256", headers={"kid": "nope"}),
        "foreign_key_same_kid": lambda: jwt.encode(
            claims, other_key, "RS256", headers={"kid": kid}
        ),
        "expired": None,
        "altered_roles": lambda: _with_payload(genuine, {"roles": ["super_admin", "x"]}),
        "altered_college": lambda: _with_payload(genuine, {"college": str(uuid.uuid4())}),
        "wrong_audience": lambda: jwt.encode(
            {**claims, "aud": "elsewhere"}, other_key, "RS256", headers={"kid": kid}
        ),
    }[forgery]
    if forgery == "hs256_with_public_key":
        token = _hs256_with(await _public_key_pem(auth_service, kid), claims, kid)
    elif forgery == "expired":
        # Genuinely signed with the service's key, two hours ago, for fifteen minutes. The key
        # signs only from its creation on, so it has to be older than that.
        await auth_service.scalar(
            "UPDATE signing_keys SET created_at = created_at - interval '3 hours' WHERE kid = $1",
            kid,
        )
        service = auth_service.service
        past_signer = JwtAccessTokenSigner(
            await service.container.get(SigningKeyStore),
            _PastClock(),
            passphrase=service.settings.key_encryption_key,
            issuer="lms-auth",
            audience="lms",
            access_ttl=timedelta(minutes=15),
        )
        token = (
            await past_signer.sign({k: claims[k] for k in ("sub", "college", "roles", "perms")})
        ).token
    else:
        assert forged is not None
        token = forged()

    target = f"/accounts/{uuid.uuid4()}/deactivate"
    refused = await auth_service.client.post(target, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401, (forgery, refused.text)
    # The control: the genuine token passes authentication and meets the use case (404).
    assert (await auth_service.client.post(target, headers=auth_service.root)).status_code == 404

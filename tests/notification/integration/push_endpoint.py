"""A local Web Push endpoint, as a browser vendor's push service would be: it checks the
VAPID signature (RFC 8292) of each request and decrypts its payload (RFC 8291, aes128gcm)
with the device's private key and auth secret, which it generated as a browser would."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import http_ece  # type: ignore[import-untyped]  # pants: no-infer-dep (with pywebpush)
from aiohttp import web  # pants: no-infer-dep (installed with pywebpush)
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from lms_platform.testing.services import free_port


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_vapid_key() -> tuple[str, str]:
    """(private key as base64url raw 32 bytes, public key as base64url uncompressed point)."""
    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(raw), b64url(public)


@dataclass
class Device:
    """A browser's subscription keys: it keeps the private half."""

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    claims: dict[str, Any]
    vapid_public_key: str
    payload: dict[str, Any]


class PushEndpoint:
    def __init__(self) -> None:
        self.port = free_port()
        self.devices: dict[str, Device] = {}  # path -> device
        self.received: list[Received] = []
        self.refusals: list[str] = []
        self.gone: set[str] = set()  # paths answered 410

    def subscribe(self, name: str) -> tuple[str, Device]:
        device = Device()
        path = f"/push/{name}"
        self.devices[path] = device
        return f"http://127.0.0.1:{self.port}{path}", device

    async def _handle(self, request: web.Request) -> web.Response:
        if request.path in self.gone:
            return web.Response(status=410)
        device = self.devices.get(request.path)
        if device is None:
            return web.Response(status=404)
        body = await request.read()
        try:
            claims, key = _check_vapid(request.headers.get("Authorization", ""), self.port)
            if request.headers.get("Content-Encoding") != "aes128gcm":
                raise ValueError("not aes128gcm")
            plain = http_ece.decrypt(
                body, private_key=device.private_key, auth_secret=device.auth_secret,
                version="aes128gcm",
            )  # fmt: skip
        except (ValueError, InvalidSignature, KeyError) as exc:
            self.refusals.append(f"{type(exc).__name__}: {exc}")
            return web.Response(status=400, text=str(exc))
        self.received.append(
            Received(request.path, dict(request.headers), claims, key, json.loads(plain))
        )
        return web.Response(status=201)

    async def run(self) -> AsyncIterator[PushEndpoint]:
        app = web.Application()
        app.router.add_post("/push/{name}", self._handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self.port)
        await site.start()
        try:
            yield self
        finally:
            await runner.cleanup()


def _check_vapid(header: str, port: int) -> tuple[dict[str, Any], str]:
    """``vapid t=<JWT>, k=<public key>``: an ES256 JWT for this origin, not expired."""
    scheme, _, params = header.partition(" ")
    if scheme.lower() != "vapid":
        raise ValueError(f"not a vapid authorization: {header!r}")
    values = dict(part.strip().split("=", 1) for part in params.split(","))
    token, public = values["t"], values["k"]
    head, claims_part, signature = token.split(".")
    if json.loads(unb64url(head)) != {"typ": "JWT", "alg": "ES256"}:
        raise ValueError("not an ES256 JWT")
    raw = unb64url(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public))
    key.verify(der, f"{head}.{claims_part}".encode(), ec.ECDSA(hashes.SHA256()))
    claims = json.loads(unb64url(claims_part))
    if claims["aud"] != f"http://127.0.0.1:{port}" or claims["exp"] < time.time():
        raise ValueError(f"claims {claims}")
    return claims, public

"""Signing keys: one signs, every key whose tokens may still be alive stays published.

A rotated-in key is published before it signs (``activates_at``), so that verifiers that poll
the JWKS (the gateway, other services) know it before the first token it signs reaches them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(slots=True, kw_only=True)
class SigningKey:
    kid: str
    algorithm: str = "RS256"
    public_jwk: dict[str, Any]
    # PKCS#8 PEM, encrypted with the deployment's key-encryption key when one is configured.
    private_key_pem: bytes
    created_at: datetime
    activates_at: datetime | None = None  # None: signs from creation
    retired_at: datetime | None = None  # may lie in the future: the successor's activation
    # Set when the private key may have leaked: unpublished at once, tokens or not.
    revoked_at: datetime | None = None

    @property
    def starts_signing_at(self) -> datetime:
        return self.activates_at or self.created_at

    def signs_at(self, now: datetime) -> bool:
        return (
            self.revoked_at is None
            and self.starts_signing_at <= now
            and (self.retired_at is None or now < self.retired_at)
        )

    def will_sign(self, now: datetime) -> bool:
        """Signs now or is published ahead of signing; not yet on its way out."""
        return self.revoked_at is None and (self.retired_at is None or now < self.retired_at)

    def is_published(self, now: datetime, token_lifetime: timedelta) -> bool:
        """Published from creation (ahead of signing); a retired key until the last token it
        signed has expired; a revoked one never again."""
        if self.revoked_at is not None:
            return False
        return self.retired_at is None or now < self.retired_at + token_lifetime

    def retire(self, at: datetime) -> bool:
        if self.retired_at is not None and self.retired_at <= at:
            return False
        self.retired_at = at
        return True

    def revoke(self, now: datetime) -> bool:
        if self.revoked_at is not None:
            return False
        self.retire(now)
        self.revoked_at = now
        return True


def signing_key(keys: Iterable[SigningKey], now: datetime) -> SigningKey | None:
    """The newest key that signs at ``now``; several only happen when two processes created
    the first key at once, and then any of them is valid."""
    signing = [key for key in keys if key.signs_at(now)]
    return max(signing, key=lambda key: (key.starts_signing_at, key.kid)) if signing else None

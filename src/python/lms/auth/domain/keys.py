"""Signing keys: one signs, every key whose tokens may still be alive stays published."""

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
    retired_at: datetime | None = None
    # Set when the private key may have leaked: unpublished at once, tokens or not.
    revoked_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        return self.retired_at is None

    def is_published(self, now: datetime, token_lifetime: timedelta) -> bool:
        """A retired key verifies until the last token it signed has expired; a revoked one
        never again."""
        if self.revoked_at is not None:
            return False
        return self.retired_at is None or now < self.retired_at + token_lifetime

    def retire(self, now: datetime) -> bool:
        if self.retired_at is not None:
            return False
        self.retired_at = now
        return True

    def revoke(self, now: datetime) -> bool:
        if self.revoked_at is not None:
            return False
        self.retire(now)
        self.revoked_at = now
        return True


def signing_key(keys: Iterable[SigningKey]) -> SigningKey | None:
    """The newest active key signs; several active keys only happen when two processes
    created the first key at once, and then any of them is valid."""
    active = [key for key in keys if key.is_active]
    return max(active, key=lambda key: (key.created_at, key.kid)) if active else None

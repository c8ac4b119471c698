"""A VAPID key for the devstack (production gets its key from the orchestrator's secrets)."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric import ec


def new_vapid_private_key() -> str:
    """base64url of the raw 32-byte P-256 private value, as ``VAPID_PRIVATE_KEY`` reads it."""
    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")

"""Settings the auth service refuses to start with."""

from __future__ import annotations

import pytest

from lms.auth.config import AuthSettings
from lms_platform.config import SettingsError


def test_production_without_a_key_encryption_key_is_refused() -> None:
    with pytest.raises(SettingsError, match="KEY_ENCRYPTION_KEY"):
        AuthSettings(environment="production", api_key_pepper="p")


def test_an_access_token_longer_than_the_verifiers_accept_is_refused() -> None:
    with pytest.raises(SettingsError, match="JWT_MAX_TOKEN_LIFETIME_SECONDS"):
        AuthSettings(access_token_ttl_seconds=3600)
    accepted = AuthSettings(access_token_ttl_seconds=3600, jwt_max_token_lifetime_seconds=3600)
    assert accepted.access_token_ttl_seconds == 3600

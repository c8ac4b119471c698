"""The auth service's settings: every field is read from ``LMS_AUTH_<FIELD>``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lms_platform.config import ServiceSettings, SettingsError, load_settings

ENV_PREFIX = "LMS_AUTH_"
# Where secrets may be left empty (never in staging or production).
INSECURE_ENVIRONMENTS = frozenset({"development", "test"})


class AuthSettings(ServiceSettings, kw_only=True, frozen=True):
    service_name: str = "auth"
    http_port: int = 8000
    # Encrypts signing keys at rest (from Vault or the orchestrator's secrets). Empty is only
    # accepted when ``environment`` is "development" or "test".
    key_encryption_key: str = ""
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_seconds: int = 14 * 24 * 3600
    lockout_threshold: int = 5
    lockout_base_seconds: int = 30
    lockout_max_seconds: int = 3600
    # A rotated-in key is in the JWKS this long before it signs; longer than the slowest JWKS
    # poller (Kong's sync sidecar: 5 s).
    signing_key_publish_ahead_seconds: int = 30
    login_ip_limit: int = 100  # failed logins per address per window
    login_ip_window_seconds: int = 300
    scrypt_n: int = 2**15
    # argon2id for new password hashes (OWASP's first configuration: 19 MiB, t=2, p=1); hashes
    # made with other parameters, or with scrypt, are replaced at the owner's next login.
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19 * 1024
    argon2_parallelism: int = 1
    # Single-use links sent by email (stored hashed), and where they point.
    password_reset_ttl_seconds: int = 3600
    email_verification_ttl_seconds: int = 3 * 24 * 3600
    invitation_ttl_seconds: int = 7 * 24 * 3600
    # "{token}" is replaced; empty: events carry only the token and the notification service
    # builds the link.
    password_reset_url_template: str = ""
    email_verification_url_template: str = ""
    invitation_url_template: str = ""
    # Public, unauthenticated writes: per client address per window, and resets per account.
    signup_ip_limit: int = 10
    signup_ip_window_seconds: int = 3600
    password_reset_ip_limit: int = 20
    password_reset_email_limit: int = 3
    password_reset_window_seconds: int = 3600
    # Keys the HMAC of API-key secrets (from the secret store): a copy of the api_keys table
    # is useless without it. Changing it invalidates every API key. Empty is only accepted
    # when ``environment`` is "development" or "test".
    api_key_pepper: str = ""
    # Behind Kong, the client address is the last X-Forwarded-For entry (the one Kong added);
    # without a proxy in front, that header is the client's own word and must be ignored.
    trust_forwarded_for: bool = False
    # Bulk operations: ids per bulk update/delete request; CSV imports (size, rows, batches).
    bulk_max_items: int = 500
    import_max_bytes: int = 5 * 1024 * 1024
    import_max_rows: int = 10_000
    import_batch_size: int = 200  # default; an upload may ask for another up to the maximum
    import_max_batch_size: int = 1_000
    import_max_errors: int = 1_000  # errors kept on a job; the counts stay exact
    run_import_worker: bool = True
    import_poll_seconds: float = 2.0  # how soon another process's upload is picked up
    # Password-reset requests are queued and handled by this worker (equal work per request).
    run_reset_worker: bool = True
    reset_poll_seconds: float = 1.0  # how soon another process's request is picked up

    def __post_init__(self) -> None:
        if self.access_token_ttl_seconds > self.jwt_max_token_lifetime_seconds:
            # Every verifier (this one and every other service's) refuses longer tokens.
            raise SettingsError(
                "LMS_AUTH_ACCESS_TOKEN_TTL_SECONDS exceeds the tokens' maximum lifetime; raise "
                "<PREFIX>JWT_MAX_TOKEN_LIFETIME_SECONDS on every service first"
            )
        if self.environment in INSECURE_ENVIRONMENTS:
            return
        if not self.key_encryption_key.strip():
            raise SettingsError(
                "LMS_AUTH_KEY_ENCRYPTION_KEY is required outside development: signing keys "
                "are stored encrypted with it"
            )
        if not self.api_key_pepper.strip():
            raise SettingsError(
                "LMS_AUTH_API_KEY_PEPPER is required outside development: without it a copy "
                "of the api_keys table is enough to check guessed API-key secrets"
            )


def load_auth_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> AuthSettings:
    return load_settings(AuthSettings, ENV_PREFIX, environ, **overrides)

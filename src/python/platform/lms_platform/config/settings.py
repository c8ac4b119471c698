"""Settings are msgspec structs; each field is read from ``<PREFIX><FIELD_NAME_UPPER>``.

Secrets (database passwords, signing keys) only ever arrive through the environment,
which in production is filled from Vault or the orchestrator's secret store.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec


class SettingsError(RuntimeError):
    """Raised at start-up when the environment does not describe a valid configuration."""


class ServiceSettings(msgspec.Struct, kw_only=True, frozen=True):
    """What every service needs; a service subclasses it to add its own fields."""

    service_name: str
    environment: str = "development"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    database_url: str = ""
    database_pool_size: int = 10
    redis_url: str = ""
    kafka_bootstrap_servers: str = ""
    kafka_topic_prefix: str = ""
    kafka_enable_idempotence: bool = False
    jwks_url: str = ""
    jwt_issuer: str = "lms-auth"
    jwt_audience: str = "lms"
    otlp_endpoint: str = ""
    trace_sample_ratio: float = 1.0
    log_level: str = "INFO"
    log_json: bool = True
    access_log: bool = True
    max_request_body_bytes: int = 1_048_576
    cache_ttl_seconds: int = 300


S = TypeVar("S", bound=msgspec.Struct)


def load_settings(
    settings_type: type[S],
    prefix: str,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> S:
    """Build ``settings_type`` from variables named ``prefix + FIELD``; ``overrides`` win."""
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    for field_name in settings_type.__struct_fields__:
        key = f"{prefix}{field_name.upper()}"
        if key in env:
            raw[field_name] = env[key]
    raw.update(overrides)
    try:
        # strict=False lets "8001" become an int and "true" a bool, as env values are strings.
        return msgspec.convert(raw, settings_type, strict=False)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"invalid settings for prefix {prefix!r}: {exc}") from exc

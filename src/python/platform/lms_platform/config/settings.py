"""Settings are msgspec structs; each field is read from ``<PREFIX><FIELD_NAME_UPPER>``.

Secrets (database passwords, signing keys) only ever arrive through the environment,
which in production is filled from Vault or the orchestrator's secret store.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

import msgspec


class SettingsError(RuntimeError):
    """Raised at start-up when the environment does not describe a valid configuration."""


# Observability defaults, measured on the user service's hot path (docs/benchmarks/user.md).
DEFAULT_TRACE_SAMPLE_RATIO = 0.1
DEFAULT_ACCESS_LOG_SAMPLE_RATIO = 0.01
DEFAULT_ACCESS_LOG_SLOW_MS = 1000.0

Ratio = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]


class ServiceSettings(msgspec.Struct, kw_only=True, frozen=True):
    """What every service needs; a service subclasses it to add its own fields."""

    service_name: str
    environment: str = "development"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    database_url: str = ""
    database_pool_size: int = 10
    # Connections beyond the pool size opened under load (closed when returned); None: as many
    # again as the pool size.
    database_max_overflow: int | None = None
    # Connections are handed out in arrival order (lms_platform.persistence.admission). An HTTP
    # request waits this long for one, then gets 503 with Retry-After: well below a client's or
    # the gateway's patience. Background work (relay, consumers, jobs) waits up to the pool
    # timeout.
    database_acquire_timeout_seconds: Annotated[float, msgspec.Meta(ge=0)] = 5.0
    database_pool_timeout_seconds: Annotated[float, msgspec.Meta(gt=0)] = 30.0
    # Retry-After of those 503s, and of the in-flight limit's.
    overload_retry_after_seconds: Annotated[int, msgspec.Meta(ge=1)] = 2
    # Requests one process works on at once; the next gets 503 with Retry-After at once (load
    # shedding; health, readiness and metrics never). 0: no limit.
    max_requests_in_flight: Annotated[int, msgspec.Meta(ge=0)] = 0
    # `<service> migrate` gives up on a lock it waits for longer than this (docs/migrations.md).
    migration_lock_timeout_ms: int = 5_000
    redis_url: str = ""
    kafka_bootstrap_servers: str = ""
    kafka_topic_prefix: str = ""
    kafka_enable_idempotence: bool = False
    # Outbox relay: a row the broker keeps refusing is parked after this many attempts, spaced
    # by a per-row backoff up to outbox_retry_max_seconds; a record over outbox_max_record_bytes
    # (the broker's max.message.bytes) is parked at once.
    outbox_max_attempts: int = 12
    outbox_retry_max_seconds: float = 300.0
    outbox_max_record_bytes: int = 1_048_576
    # Consumer dedup records are kept this long: at least the retention of every topic the
    # service consumes (and of its dead-letter topics, if their messages get replayed).
    processed_messages_retention_seconds: int = 30 * 24 * 3600
    processed_messages_purge_interval_seconds: float = 3600.0
    jwks_url: str = ""
    jwt_issuer: str = "lms-auth"
    jwt_audience: str = "lms"
    # A key revoked in auth stops verifying here within this many seconds (JWKS refresh).
    jwks_refresh_seconds: float = 30.0
    # Clock skew allowed with auth on exp, nbf and iat.
    jwt_leeway_seconds: float = 30.0
    # Auth's access-token lifetime (LMS_AUTH_ACCESS_TOKEN_TTL_SECONDS): a longer exp - iat is
    # refused, so a leaked key's tokens cannot outlive the key's revocation.
    jwt_max_token_lifetime_seconds: float = 900.0
    otlp_endpoint: str = ""
    # Share of new traces recorded (a request that arrives with a traceparent follows its
    # sampled flag). A recorded server span costs ~150 µs of CPU; see docs/benchmarks/user.md.
    trace_sample_ratio: Ratio = DEFAULT_TRACE_SAMPLE_RATIO
    log_level: str = "INFO"
    log_json: bool = True
    # The access log: every error (status >= 400) and every request slower than
    # ``access_log_slow_ms``, plus this share of the others. 1.0 logs every request, which
    # costs ~15 % of a small endpoint's throughput; ``access_log = false`` logs none.
    access_log: bool = True
    access_log_sample_ratio: Ratio = DEFAULT_ACCESS_LOG_SAMPLE_RATIO
    access_log_slow_ms: float = DEFAULT_ACCESS_LOG_SLOW_MS
    max_request_body_bytes: int = 1_048_576
    cache_ttl_seconds: int = 300
    # What one process runs beside HTTP (``worker`` mode runs them without HTTP).
    run_relay: bool = True
    run_consumers: bool = True
    consumer_group: str = ""  # empty: "<service_name>-service"
    # Against Tansu a group join takes about half of this; tests use ~2 s.
    consumer_session_timeout_ms: int = 10_000

    @property
    def consumer_group_id(self) -> str:
        return self.consumer_group or f"{self.service_name}-service"


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

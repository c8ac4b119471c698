"""Metric definitions. Names are part of the contract with observability/ (alerts, dashboards)."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

# Buckets tuned for an API whose p99 target is tens of milliseconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

# --- HTTP (RED) ---
HTTP_REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests handled, by route template and status code.",
    ["service", "method", "route", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency, by route template.",
    ["service", "method", "route"],
    buckets=LATENCY_BUCKETS,
)
HTTP_REQUESTS_SHED = Counter(
    "http_requests_shed_total",
    "HTTP requests answered 503 at once because the process had max_requests_in_flight already.",
    ["service"],
)
HTTP_REQUESTS_IN_PROGRESS = Gauge(
    "http_requests_in_progress",
    "HTTP requests being handled right now.",
    ["service"],
    multiprocess_mode="livesum",
)

# --- Database ---
DB_QUERY_DURATION = Histogram(
    "db_query_duration_seconds",
    "Database statement latency.",
    ["service", "operation"],
    buckets=LATENCY_BUCKETS,
)

# --- Database admission (lms_platform.persistence.admission) ---
# Waits are for one pooled connection; an HTTP request gives up after
# database_acquire_timeout_seconds (a 503 with Retry-After), background work after the pool timeout.
ADMISSION_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
DB_ADMISSION_WAIT = Histogram(
    "db_admission_wait_seconds",
    "Time a checkout waited in line for a database connection before it got one.",
    ["service"],
    buckets=ADMISSION_BUCKETS,
)
DB_ADMISSION_REJECTED = Counter(
    "db_admission_rejected_total",
    "Checkouts refused for want of a database connection within the allowed wait, by reason:"
    " timeout (the admission bound) or pool_timeout (the pool's own).",
    ["service", "reason"],
)
DB_ADMISSION_WAITING = Gauge(
    "db_admission_waiting",
    "Checkouts waiting in line for a database connection right now.",
    ["service"],
    multiprocess_mode="livesum",
)
DB_POOL_CONNECTIONS_IN_USE = Gauge(
    "db_pool_connections_in_use",
    "Database connections checked out of the pool right now.",
    ["service"],
    multiprocess_mode="livesum",
)
DB_POOL_CONNECTIONS_MAX = Gauge(
    "db_pool_connections_max",
    "The most database connections the pool hands out at once (size plus overflow).",
    ["service"],
    multiprocess_mode="livesum",
)

# --- Cache ---
CACHE_REQUESTS = Counter(
    "cache_requests_total",
    "Cache lookups, by result (hit or miss).",
    ["service", "cache", "result"],
)

# --- Kafka: outbox relay (producer side) ---
OUTBOX_PENDING = Gauge(
    "outbox_pending_messages",
    "Outbox rows waiting to be published to Kafka (parked rows are not counted).",
    ["service"],
)
OUTBOX_PARKED = Gauge(
    "outbox_parked_messages",
    "Outbox rows parked because the broker would not take them; they wait for an operator.",
    ["service", "topic"],
)
OUTBOX_PARKED_TOTAL = Counter(
    "outbox_parked_total",
    "Outbox rows parked, by reason: rejected (cannot succeed) or max_attempts.",
    ["service", "topic", "reason"],
)
OUTBOX_PUBLISHED = Counter(
    "outbox_published_total",
    "Outbox messages published to Kafka.",
    ["service", "topic"],
)
OUTBOX_PUBLISH_FAILURES = Counter(
    "outbox_publish_failures_total",
    "Failed attempts to publish an outbox batch (the rows stay and are retried).",
    ["service"],
)

# --- Kafka: consumers ---
KAFKA_MESSAGES_CONSUMED = Counter(
    "kafka_messages_consumed_total",
    "Kafka messages consumed, by outcome: processed, duplicate, ignored, retried or dead_lettered.",
    ["service", "topic", "consumer", "outcome"],
)
KAFKA_CONSUME_DURATION = Histogram(
    "kafka_consume_duration_seconds",
    "Time to handle one Kafka message, retries included.",
    ["service", "topic", "consumer"],
    buckets=LATENCY_BUCKETS,
)
DLQ_MESSAGES = Counter(
    "dlq_messages_total",
    "Messages sent to a dead-letter topic.",
    ["service", "topic", "consumer"],
)


# --- Business ---
DOMAIN_EVENTS = Counter(
    "domain_events_total",
    "Domain events committed (user.created, course.published, ...): the business activity.",
    ["service", "type"],
)


class BusinessCounter:
    """A domain-level counter, e.g. ``lms_user_profiles_created_total``."""

    def __init__(self, name: str, documentation: str, labels: tuple[str, ...] = ()) -> None:
        self._counter = Counter(name, documentation, ["service", *labels])

    def inc(self, service: str, amount: float = 1.0, **labels: str) -> None:
        self._counter.labels(service=service, **labels).inc(amount)


def render_latest(registry: CollectorRegistry = REGISTRY) -> tuple[bytes, str]:
    """The exposition body and its content type, for a ``/metrics`` endpoint."""
    return generate_latest(registry), CONTENT_TYPE_LATEST

"""Prometheus metrics shared by every service.

Every metric carries a ``service`` label, so one Prometheus can scrape all
services and the dashboards in ``observability/`` can slice by it.
"""

from lms_platform.metrics.registry import (
    CACHE_REQUESTS,
    DB_ADMISSION_REJECTED,
    DB_ADMISSION_WAIT,
    DB_ADMISSION_WAITING,
    DB_POOL_CONNECTIONS_IN_USE,
    DB_POOL_CONNECTIONS_MAX,
    DB_QUERY_DURATION,
    DLQ_MESSAGES,
    DOMAIN_EVENTS,
    HTTP_REQUEST_DURATION,
    HTTP_REQUESTS,
    HTTP_REQUESTS_IN_PROGRESS,
    HTTP_REQUESTS_SHED,
    KAFKA_CONSUME_DURATION,
    KAFKA_MESSAGES_CONSUMED,
    OUTBOX_PARKED,
    OUTBOX_PARKED_TOTAL,
    OUTBOX_PENDING,
    OUTBOX_PUBLISH_FAILURES,
    OUTBOX_PUBLISHED,
    BusinessCounter,
    render_latest,
)

__all__ = [
    "CACHE_REQUESTS",
    "DB_ADMISSION_REJECTED",
    "DB_ADMISSION_WAIT",
    "DB_ADMISSION_WAITING",
    "DB_POOL_CONNECTIONS_IN_USE",
    "DB_POOL_CONNECTIONS_MAX",
    "DB_QUERY_DURATION",
    "DLQ_MESSAGES",
    "DOMAIN_EVENTS",
    "HTTP_REQUESTS",
    "HTTP_REQUESTS_IN_PROGRESS",
    "HTTP_REQUESTS_SHED",
    "HTTP_REQUEST_DURATION",
    "KAFKA_CONSUME_DURATION",
    "KAFKA_MESSAGES_CONSUMED",
    "OUTBOX_PARKED",
    "OUTBOX_PARKED_TOTAL",
    "OUTBOX_PENDING",
    "OUTBOX_PUBLISHED",
    "OUTBOX_PUBLISH_FAILURES",
    "BusinessCounter",
    "render_latest",
]

"""``notification_deliveries_total{service, channel, outcome}`` for dashboards and alerts."""

from __future__ import annotations

from lms.notification.domain.kinds import Channel
from lms_platform.metrics import BusinessCounter

DELIVERIES = BusinessCounter(
    "notification_deliveries_total",
    "Delivery outcomes per channel: sent, delivered, failed, bounced, suppressed, retried.",
    ("channel", "outcome"),
)


class PrometheusDeliveryMetrics:
    def __init__(self, service: str) -> None:
        self._service = service

    def outcome(self, channel: Channel, outcome: str) -> None:
        DELIVERIES.inc(self._service, channel=channel.value, outcome=outcome)

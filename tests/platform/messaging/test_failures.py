"""What each publish failure means for an outbox row (``classify_failure``)."""

from __future__ import annotations

import pytest
from aiokafka import errors

from lms_platform.config import ServiceSettings
from lms_platform.messaging import FailureKind, OutboxRelay, classify_failure

OUTAGE, RETRYABLE, UNACCEPTABLE = (
    FailureKind.OUTAGE,
    FailureKind.RETRYABLE,
    FailureKind.UNACCEPTABLE,
)


@pytest.mark.parametrize(
    ("error", "records_in_batch", "kind"),
    [
        # The broker is not there: wait, never park.
        (errors.KafkaConnectionError(), 1, OUTAGE),
        (errors.NodeNotReadyError(), 1, OUTAGE),
        (errors.KafkaTimeoutError(), 5, OUTAGE),
        (errors.RequestTimedOutError(), 1, OUTAGE),
        (errors.NotLeaderForPartitionError(), 1, OUTAGE),
        (errors.NotEnoughReplicasError(), 1, OUTAGE),
        (TimeoutError(), 1, OUTAGE),
        (ConnectionRefusedError(), 1, OUTAGE),
        # It answered, but not yes: try again, park after max_attempts.
        (errors.UnknownTopicOrPartitionError(), 1, RETRYABLE),
        (errors.UnknownError(), 1, RETRYABLE),
        (errors.CorruptRecordException(), 1, RETRYABLE),
        (RuntimeError("anything else"), 1, RETRYABLE),
        # It never will: park now.
        (errors.MessageSizeTooLargeError(), 1, UNACCEPTABLE),
        (errors.RecordListTooLargeError(), 1, UNACCEPTABLE),
        (errors.InvalidTopicError(), 1, UNACCEPTABLE),
        (errors.TopicAuthorizationFailedError(), 3, UNACCEPTABLE),
        (errors.PolicyViolationError(), 1, UNACCEPTABLE),
        # Several records refused together for their size: none of them is proven too large.
        (errors.MessageSizeTooLargeError(), 2, RETRYABLE),
    ],
)
def test_classify_failure(error: BaseException, records_in_batch: int, kind: FailureKind) -> None:
    assert classify_failure(error, records_in_batch=records_in_batch) is kind


def test_the_relay_takes_its_limits_from_the_settings() -> None:
    settings = ServiceSettings(
        service_name="user",
        kafka_bootstrap_servers="127.0.0.1:9",
        outbox_max_attempts=3,
        outbox_retry_max_seconds=42.0,
        outbox_max_record_bytes=5000,
    )
    relay = OutboxRelay.from_settings(None, settings, batch_size=7)
    assert relay.limits == {
        "batch_size": 7,
        "max_attempts": 3,
        "max_record_bytes": 5000,
        "retry_backoff_maximum": 42.0,
    }

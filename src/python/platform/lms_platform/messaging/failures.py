"""What a failed publish means for the outbox row: wait for the broker, try again, or give up.

* ``OUTAGE``: the broker or the network is not there (connection refused, timeouts, no leader).
  The row waits with the relay's outage backoff; it is the broker's fault, not the row's, so
  it never parks however long the outage lasts.
* ``RETRYABLE``: the broker answered, but not with success (an unknown topic, an unknown error).
  The row backs off exponentially on its own ``attempts`` and parks once ``max_attempts`` is
  reached: a topic that is still missing after that long is not coming back by itself.
* ``UNACCEPTABLE``: the broker will refuse this row every time (too large, invalid topic name,
  no permission). It parks at once; retrying it would only block its key.
"""

from __future__ import annotations

import enum

from aiokafka import errors

__all__ = ["FailureKind", "classify_failure"]


class FailureKind(enum.Enum):
    OUTAGE = "outage"
    RETRYABLE = "retryable"
    UNACCEPTABLE = "unacceptable"


# Refused for the record itself: only a single-record batch proves that record is the culprit.
_RECORD_REFUSED: tuple[type[BaseException], ...] = (
    errors.MessageSizeTooLargeError,
    errors.RecordListTooLargeError,
    errors.RecordTooLargeError,
    errors.UnsupportedForMessageFormatError,
)
# Refused for the topic: every record bound there is refused the same way.
_TOPIC_REFUSED: tuple[type[BaseException], ...] = (
    errors.InvalidTopicError,
    errors.TopicAuthorizationFailedError,
    errors.PolicyViolationError,
)
_OUTAGE: tuple[type[BaseException], ...] = (
    errors.KafkaConnectionError,
    errors.NodeNotReadyError,
    errors.NoBrokersAvailable,
    errors.KafkaTimeoutError,
    errors.RequestTimedOutError,
    errors.NotLeaderForPartitionError,
    errors.LeaderNotAvailableError,
    errors.BrokerNotAvailableError,
    errors.NotEnoughReplicasError,
    errors.NotEnoughReplicasAfterAppendError,
    errors.KafkaStorageError,
    errors.NotControllerError,
    errors.ProducerClosed,
    OSError,  # ConnectionError and TimeoutError (asyncio's too) among them
)


def classify_failure(exc: BaseException, *, records_in_batch: int = 1) -> FailureKind:
    """How to treat rows that failed with ``exc``, sent together in a batch of
    ``records_in_batch`` records (a topic-level failure counts as a batch of one)."""
    if isinstance(exc, _TOPIC_REFUSED):
        return FailureKind.UNACCEPTABLE
    if isinstance(exc, _RECORD_REFUSED):
        # Several small records refused together: retrying them in smaller batches can work.
        return FailureKind.UNACCEPTABLE if records_in_batch == 1 else FailureKind.RETRYABLE
    if isinstance(exc, _OUTAGE):
        return FailureKind.OUTAGE
    return FailureKind.RETRYABLE

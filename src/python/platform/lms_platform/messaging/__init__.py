"""Events between services: the envelope, the topic catalogue, the transactional outbox and its
relay, and idempotent consumers with bounded retry and a dead-letter topic."""

from lms_platform.messaging.backoff import Backoff, retry_until_ready
from lms_platform.messaging.broker import build_broker, create_stream_app, setup_dishka
from lms_platform.messaging.consumer import (
    CONTAINER_CONTEXT_KEY,
    ConsumerSetupError,
    DeadLetterPublishError,
    RetryPolicy,
    envelope_subscriber,
    is_infrastructure_error,
)
from lms_platform.messaging.envelope import (
    ENVELOPE_CONTENT_TYPE,
    Envelope,
    EnvelopeDecodeError,
    decode_envelope,
    encode_envelope,
    new_envelope,
)
from lms_platform.messaging.models import OutboxMessage, ProcessedMessage, purge_processed_messages
from lms_platform.messaging.outbox import DEFAULT_NOTIFY_CHANNEL, OutboxWriter
from lms_platform.messaging.relay import OutboxPublishError, OutboxRelay
from lms_platform.messaging.topics import (
    CATALOGUE,
    DLQ_SUFFIX,
    DOMAIN_TOPICS,
    TopicSetupError,
    TopicSpec,
    all_topic_specs,
    dlq_topic_name,
    ensure_topics,
    topic_name,
)

__all__ = [
    "CATALOGUE",
    "CONTAINER_CONTEXT_KEY",
    "DEFAULT_NOTIFY_CHANNEL",
    "DLQ_SUFFIX",
    "DOMAIN_TOPICS",
    "ENVELOPE_CONTENT_TYPE",
    "Backoff",
    "ConsumerSetupError",
    "DeadLetterPublishError",
    "Envelope",
    "EnvelopeDecodeError",
    "OutboxMessage",
    "OutboxPublishError",
    "OutboxRelay",
    "OutboxWriter",
    "ProcessedMessage",
    "RetryPolicy",
    "TopicSetupError",
    "TopicSpec",
    "all_topic_specs",
    "build_broker",
    "create_stream_app",
    "decode_envelope",
    "dlq_topic_name",
    "encode_envelope",
    "ensure_topics",
    "envelope_subscriber",
    "is_infrastructure_error",
    "new_envelope",
    "purge_processed_messages",
    "retry_until_ready",
    "setup_dishka",
    "topic_name",
]

"""Events between services: the envelope, the topic catalogue, the transactional outbox and its
relay (with parked rows and their admin), and idempotent consumers with bounded retry and a
dead-letter topic."""

from lms_platform.messaging.admin import OutboxAdmin, ParkedRow
from lms_platform.messaging.admin_cli import outbox_command_parser, run_outbox_command
from lms_platform.messaging.backoff import Backoff, retry_until_ready
from lms_platform.messaging.batch_consumer import envelope_batch_subscriber
from lms_platform.messaging.broker import build_broker, setup_dishka
from lms_platform.messaging.consumer import (
    CONTAINER_CONTEXT_KEY,
    CommitPolicy,
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
from lms_platform.messaging.failures import FailureKind, classify_failure
from lms_platform.messaging.models import (
    PARKED,
    PENDING,
    OutboxMessage,
    ProcessedMessage,
    purge_processed_messages,
)
from lms_platform.messaging.outbox import DEFAULT_NOTIFY_CHANNEL, OutboxWriter
from lms_platform.messaging.purger import ProcessedMessagePurger
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
    "PARKED",
    "PENDING",
    "Backoff",
    "CommitPolicy",
    "ConsumerSetupError",
    "DeadLetterPublishError",
    "Envelope",
    "EnvelopeDecodeError",
    "FailureKind",
    "OutboxAdmin",
    "OutboxMessage",
    "OutboxPublishError",
    "OutboxRelay",
    "OutboxWriter",
    "ParkedRow",
    "ProcessedMessage",
    "ProcessedMessagePurger",
    "RetryPolicy",
    "TopicSetupError",
    "TopicSpec",
    "all_topic_specs",
    "build_broker",
    "classify_failure",
    "decode_envelope",
    "dlq_topic_name",
    "encode_envelope",
    "ensure_topics",
    "envelope_batch_subscriber",
    "envelope_subscriber",
    "is_infrastructure_error",
    "new_envelope",
    "outbox_command_parser",
    "purge_processed_messages",
    "retry_until_ready",
    "run_outbox_command",
    "setup_dishka",
    "topic_name",
]

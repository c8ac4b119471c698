"""The topic catalogue: one topic per aggregate stream, each with a ``<name>.dlq`` companion.

Partitions bound a consumer group's parallelism and cannot be lowered later (and Tansu cannot
raise them), so streams with per-student fan-out get more. Names here are logical; a deployment
or a test prefixes them with a namespace (``settings.kafka_topic_prefix``, e.g. ``"t1a2b3c4."``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Literal

import msgspec

__all__ = [
    "CATALOGUE",
    "DLQ_SUFFIX",
    "DOMAIN_TOPICS",
    "TopicSpec",
    "TopicSetupError",
    "all_topic_specs",
    "dlq_topic_name",
    "ensure_topics",
    "topic_name",
]

logger = logging.getLogger(__name__)

DLQ_SUFFIX = ".dlq"

_DAY_MS = 24 * 60 * 60 * 1000
_TOPIC_ALREADY_EXISTS = 36


class TopicSetupError(RuntimeError):
    """The broker refused to create a topic for a reason other than "it already exists"."""


class TopicSpec(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    partitions: int
    retention_ms: int
    cleanup_policy: Literal["delete", "compact", "compact,delete"] = "delete"
    description: str = ""
    # Carries live secrets (one-time tokens): its dead letters expire as fast as it does,
    # instead of being kept 30 days for inspection.
    secret_bearing: bool = False

    def configs(self) -> dict[str, str]:
        return {"retention.ms": str(self.retention_ms), "cleanup.policy": self.cleanup_policy}

    def dead_letter(self) -> TopicSpec:
        # One partition keeps failures in arrival order for inspection and replay; they are rare.
        return TopicSpec(
            name=dlq_topic_name(self.name),
            partitions=1,
            retention_ms=(
                self.retention_ms if self.secret_bearing else max(self.retention_ms, 30 * _DAY_MS)
            ),
            description=f"Messages from {self.name} that failed every retry.",
            secret_bearing=self.secret_bearing,
        )


def topic_name(base: str, namespace: str = "") -> str:
    """The physical topic name: ``namespace`` is a plain prefix that carries its own separator."""
    return f"{namespace}{base}"


def dlq_topic_name(topic: str) -> str:
    return f"{topic}{DLQ_SUFFIX}"


DOMAIN_TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(name="user", partitions=6, retention_ms=7 * _DAY_MS, description="user.* profile events"),
    TopicSpec(name="account", partitions=6, retention_ms=7 * _DAY_MS, description="account.* from auth"),
    TopicSpec(name="course", partitions=6, retention_ms=7 * _DAY_MS, description="course.* events"),
    TopicSpec(name="enrollment", partitions=12, retention_ms=7 * _DAY_MS, description="enrollment.* events"),
    TopicSpec(name="assignment", partitions=6, retention_ms=7 * _DAY_MS, description="assignment.* events"),
    TopicSpec(name="submission", partitions=12, retention_ms=7 * _DAY_MS, description="submission.* events"),
    TopicSpec(name="grade", partitions=12, retention_ms=7 * _DAY_MS, description="grade.* events"),
    TopicSpec(name="note", partitions=6, retention_ms=7 * _DAY_MS, description="note.* events"),
    TopicSpec(name="chat", partitions=12, retention_ms=3 * _DAY_MS, description="chat.* events"),
    # Audit events feed compliance exports; keep them long.
    TopicSpec(name="audit", partitions=6, retention_ms=90 * _DAY_MS, description="audit.* events"),
    TopicSpec(
        name="credential",
        partitions=3,
        retention_ms=1 * _DAY_MS,
        description="secret-bearing account.* events (reset, verification, invitation tokens) for the notification service only",
        secret_bearing=True,  # docs/auth/credential-topics.md: who may read it, Kafka ACLs
    ),
    TopicSpec(name="notification", partitions=6, retention_ms=7 * _DAY_MS, description="notification.* events"),
    # Low volume; one partition gives a single total order of configuration changes.
    TopicSpec(name="config", partitions=1, retention_ms=30 * _DAY_MS, description="config.* events"),
)  # fmt: skip


def all_topic_specs(domain_topics: Iterable[TopicSpec] = DOMAIN_TOPICS) -> tuple[TopicSpec, ...]:
    """Every domain topic followed by its dead-letter companion."""
    return tuple(spec for topic in domain_topics for spec in (topic, topic.dead_letter()))


CATALOGUE: Mapping[str, TopicSpec] = {spec.name: spec for spec in all_topic_specs()}


async def ensure_topics(
    bootstrap_servers: str,
    specs: Iterable[TopicSpec] = CATALOGUE.values(),
    namespace: str = "",
    *,
    replication_factor: int = 1,
    request_timeout_ms: int = 10_000,
) -> list[str]:
    """Create the missing topics (with their partitions and retention); existing ones are kept.

    Idempotent, safe to run from every service at start-up. Returns the names it created.
    """
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    new_topics = [
        NewTopic(
            topic_name(spec.name, namespace),
            num_partitions=spec.partitions,
            replication_factor=replication_factor,
            topic_configs=spec.configs(),
        )
        for spec in specs
    ]
    if not new_topics:
        return []
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, request_timeout_ms=request_timeout_ms
    )
    await admin.start()
    try:
        # Per-topic errors come back in the response; "already exists" is success for us.
        response = await admin.create_topics(new_topics, timeout_ms=request_timeout_ms)
    finally:
        await admin.close()

    created: list[str] = []
    failures: list[str] = []
    for topic, code, message in (error[:3] for error in response.topic_errors):
        if code == 0:
            created.append(topic)
        elif code != _TOPIC_ALREADY_EXISTS:
            failures.append(f"{topic}: error {code} {message or ''}".strip())
    if failures:
        raise TopicSetupError("could not create topics: " + "; ".join(failures))
    if created:
        logger.info("created Kafka topics: %s", ", ".join(created))
    return created

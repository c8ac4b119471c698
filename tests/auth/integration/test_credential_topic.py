"""Issue 8, smaller defects: ``credential.dlq`` kept live reset tokens for 30 days.

Dead letters of a topic that carries live secrets keep that topic's own short retention; the
topics are created on the real broker with it."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from lms_platform.messaging.topics import CATALOGUE, dlq_topic_name, ensure_topics, topic_name

DAY_MS = 24 * 3600 * 1000


def test_credential_dead_letters_keep_the_credential_topics_short_retention() -> None:
    credential = CATALOGUE["credential"]
    assert credential.retention_ms <= DAY_MS
    assert CATALOGUE[dlq_topic_name("credential")].retention_ms == credential.retention_ms
    # Topics without secrets keep their dead letters at least 30 days, for inspection.
    assert CATALOGUE[dlq_topic_name("account")].retention_ms >= 30 * DAY_MS


async def test_the_broker_creates_credential_dlq_with_the_short_retention(
    kafka_bootstrap: str, kafka_namespace: str
) -> None:
    specs = [CATALOGUE["credential"], CATALOGUE[dlq_topic_name("credential")]]
    await ensure_topics(kafka_bootstrap, specs, kafka_namespace)
    dlq = topic_name(dlq_topic_name("credential"), kafka_namespace)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        assert dlq in await admin.list_topics()
        (described,) = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, dlq, configs=None)]
        )
    finally:
        await admin.close()
    configs = {entry[0]: entry[1] for resource in described.resources for entry in resource[4]}
    assert int(configs["retention.ms"]) == CATALOGUE["credential"].retention_ms, configs

"""Real servers for tests (PostgreSQL, Redis, a Kafka-API broker) and the helpers around them.

Fixtures live in ``lms_platform.testing.fixtures``; this package exposes the building blocks.
"""

from lms_platform.testing.dsn import to_asyncpg_dsn, to_asyncpg_sqlalchemy_url
from lms_platform.testing.kafka import consume_all, create_topics, fetch_topic_names
from lms_platform.testing.servers import (
    KafkaServer,
    ManagedProcess,
    PostgresServer,
    RedisServer,
    ServerBinaryNotFoundError,
    ServerStartError,
    find_free_port,
)

__all__ = [
    "KafkaServer",
    "ManagedProcess",
    "PostgresServer",
    "RedisServer",
    "ServerBinaryNotFoundError",
    "ServerStartError",
    "consume_all",
    "create_topics",
    "fetch_topic_names",
    "find_free_port",
    "to_asyncpg_dsn",
    "to_asyncpg_sqlalchemy_url",
]

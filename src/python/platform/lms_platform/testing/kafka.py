"""Kafka helpers for tests: topic admin and a plain consumer that reads a topic from the start."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiokafka import ConsumerRecord

_TOPIC_ALREADY_EXISTS = 36


async def fetch_topic_names(bootstrap: str, *, request_timeout_ms: int = 5000) -> set[str]:
    """A metadata round trip; raises if the broker does not answer."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=request_timeout_ms)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def broker_topic_partitions(host: str, port: int) -> dict[str, int]:
    """Topic -> partition count, asked of one broker address directly.

    A direct connection ignores the advertised listener, so this works while the public port of
    a ``KafkaServer`` is closed.
    """
    from aiokafka.cluster import ClusterMetadata
    from aiokafka.conn import create_conn
    from aiokafka.protocol.metadata import MetadataRequest

    connection = await create_conn(host, port, request_timeout_ms=2000)
    try:
        response = await connection.send(MetadataRequest(None))
    finally:
        connection.close()
    cluster = ClusterMetadata()
    cluster.update_metadata(response)
    return {topic: len(cluster.partitions_for_topic(topic) or ()) for topic in cluster.topics()}


async def create_topics_directly(host: str, port: int, partitions_by_topic: dict[str, int]) -> None:
    """Create topics over a direct connection to one broker address (see above)."""
    from aiokafka.conn import create_conn
    from aiokafka.protocol.admin import CreateTopicsRequest

    if not partitions_by_topic:
        return
    connection = await create_conn(host, port, request_timeout_ms=5000)
    try:
        response = await connection.send(
            CreateTopicsRequest(
                create_topic_requests=[
                    (topic, partitions, 1, [], [])
                    for topic, partitions in partitions_by_topic.items()
                ],
                timeout=5000,
                validate_only=False,
            )
        )
    finally:
        connection.close()
    _raise_for_topic_errors(response)


async def create_topics(bootstrap: str, names: Iterable[str], *, partitions: int = 1) -> None:
    """Create topics with ``partitions`` partitions; topics that already exist are left as they are.

    Tansu would auto-create a missing topic on first use, but with its own partition count.
    """
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    new_topics = [NewTopic(name, num_partitions=partitions, replication_factor=1) for name in names]
    if not new_topics:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        response = await admin.create_topics(new_topics)
    finally:
        await admin.close()
    _raise_for_topic_errors(response)


def _raise_for_topic_errors(response: object) -> None:
    failures = [
        f"{error[0]}: error {error[1]} {error[2] if len(error) > 2 else ''}".strip()
        for error in getattr(response, "topic_errors", getattr(response, "topic_error_codes", []))
        if error[1] not in (0, _TOPIC_ALREADY_EXISTS)
    ]
    if failures:
        raise RuntimeError(f"could not create topics: {'; '.join(failures)}")


async def consume_all(
    bootstrap: str,
    topic: str,
    *,
    expected: int,
    timeout: float = 10.0,
    linger: float = 0.0,
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read ``topic`` from the earliest offset until ``expected`` records arrived, in arrival order.

    Uses a plain consumer without a group (no join delay, no committed offsets). After the count
    is reached it keeps reading for ``linger`` seconds, so a test can prove there are no extras
    (duplicates). Raises ``AssertionError`` on timeout, listing what did arrive.
    """
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        metadata_max_age_ms=1000,
    )
    records: list[ConsumerRecord[bytes, bytes]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    await consumer.start()
    try:
        while len(records) < expected:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(_timeout_message(topic, expected, timeout, records))
            batches = await consumer.getmany(timeout_ms=int(min(remaining, 0.5) * 1000))
            for batch in batches.values():
                records.extend(batch)
        linger_until = loop.time() + linger
        while (remaining := linger_until - loop.time()) > 0:
            batches = await consumer.getmany(timeout_ms=int(min(remaining, 0.5) * 1000) or 1)
            for batch in batches.values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records


def _timeout_message(
    topic: str, expected: int, timeout: float, records: list[ConsumerRecord[bytes, bytes]]
) -> str:
    seen = ", ".join(
        f"p{record.partition}@{record.offset} key={record.key!r}" for record in records[:20]
    )
    return (
        f"expected {expected} record(s) on topic {topic!r} within {timeout:g}s, "
        f"got {len(records)}" + (f": {seen}" if seen else "")
    )

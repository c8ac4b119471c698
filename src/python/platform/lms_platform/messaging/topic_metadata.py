"""Which of the outbox's topics exist, asked of the broker without creating any.

aiokafka's own metadata requests allow auto-creation, and brokers with
``auto.create.topics.enable`` (Kafka's default, and Tansu always) then create a topic that was
deleted, with the broker's default partition count instead of the catalogue's: the relay would
publish into it and key order and retention would silently change. So the relay asks first,
with ``allow_auto_topic_creation=False``, and keeps its producer refreshing the metadata of all
topics, a request that names none and so creates none (a refresh naming a deleted topic would
recreate it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka import AIOKafkaProducer, errors
from aiokafka.protocol.metadata import MetadataRequest

__all__ = ["fetch_topic_partitions", "track_all_topics"]


async def fetch_topic_partitions(
    producer: AIOKafkaProducer, topics: Iterable[str], *, timeout: float
) -> dict[str, list[int] | errors.KafkaError]:
    """Each topic's sorted partition ids, or the broker's error for it (``UnknownTopicOrPartition``
    for a missing topic). Raises if the broker cannot be asked at all (an outage)."""
    wanted = sorted(set(topics))
    client = producer.client
    node_id = client.get_random_node()
    if node_id is None:
        raise errors.NoBrokersAvailable("the producer knows no broker")
    request = MetadataRequest(wanted, allow_auto_topic_creation=False)
    response = await asyncio.wait_for(client.send(node_id, request), timeout)
    found: dict[str, list[int] | errors.KafkaError] = {}
    for topic_data in response.topics:
        # (error_code, topic, [is_internal,] partitions) in every MetadataResponse version.
        error_code, topic, partitions = topic_data[0], topic_data[1], topic_data[-1]
        error_type = errors.for_code(error_code)
        if error_type is errors.NoError:
            found[topic] = sorted(partition[1] for partition in partitions)
        else:
            found[topic] = error_type(f"topic {topic!r}")
    for topic in wanted:
        found.setdefault(topic, errors.UnknownTopicOrPartitionError(f"topic {topic!r}"))
    return found


def track_all_topics(producer: AIOKafkaProducer) -> None:
    """Make the producer's metadata refreshes ask for all topics again. aiokafka starts that way
    and narrows to the topics it was asked about (``partitions_for`` on a topic it had not seen);
    ``set_topics`` is its client's API for choosing, and an empty set means "all"."""
    client = producer.client
    if getattr(client, "_topics", None):
        client.set_topics([])

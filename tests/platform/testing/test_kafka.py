"""Kafka fixtures against the real Tansu broker: produce/consume, topics, outages."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from lms_platform.testing import KafkaServer, consume_all


async def _producer(bootstrap: str, **overrides: object) -> AIOKafkaProducer:
    # Tansu has no idempotent producer (InitProducerId fails), so idempotence stays off.
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False, **overrides)
    await producer.start()
    return producer


async def test_produce_and_consume_with_key_and_headers(
    kafka_bootstrap: str, kafka_namespace: str
) -> None:
    topic = f"{kafka_namespace}user"
    producer = await _producer(kafka_bootstrap)
    try:
        await producer.send_and_wait(
            topic, b'{"name":"Ada"}', key=b"user-1", headers=[("ce_type", b"user.created")]
        )
    finally:
        await producer.stop()

    [record] = await consume_all(kafka_bootstrap, topic, expected=1, timeout=10)
    assert record.key == b"user-1"
    assert record.value == b'{"name":"Ada"}'
    assert list(record.headers) == [("ce_type", b"user.created")]


def test_namespaces_are_unique_topic_prefixes(kafka_namespace: str) -> None:
    assert kafka_namespace.startswith("t")
    assert kafka_namespace.endswith(".")
    assert len(kafka_namespace) == 10


async def test_create_topics_sets_partitions_and_keys_keep_order(
    kafka_server: KafkaServer, kafka_bootstrap: str, kafka_namespace: str
) -> None:
    topic = f"{kafka_namespace}course"
    kafka_server.create_topics([topic], partitions=3)
    kafka_server.create_topics([topic], partitions=3)  # existing topics are left alone

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        [description] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    assert len(description["partitions"]) == 3

    producer = await _producer(kafka_bootstrap)
    try:
        for sequence in range(6):
            await producer.send(
                topic, str(sequence).encode(), key=f"course-{sequence % 2}".encode()
            )
        await producer.flush()
    finally:
        await producer.stop()
    records = await consume_all(kafka_bootstrap, topic, expected=6, timeout=10)
    by_key: dict[bytes, list[int]] = {}
    for record in records:
        assert record.key is not None
        assert record.value is not None
        by_key.setdefault(record.key, []).append(int(record.value))
    assert by_key == {b"course-0": [0, 2, 4], b"course-1": [1, 3, 5]}


async def test_broker_auto_creates_a_topic_on_first_produce(
    kafka_server: KafkaServer, kafka_bootstrap: str, kafka_namespace: str
) -> None:
    topic = f"{kafka_namespace}never-declared"
    assert topic not in kafka_server.topic_names()
    producer = await _producer(kafka_bootstrap)
    try:
        await producer.send_and_wait(topic, b"x")
    finally:
        await producer.stop()
    assert topic in kafka_server.topic_names()


async def test_consume_all_fails_with_a_clear_message_on_timeout(
    kafka_bootstrap: str, kafka_namespace: str
) -> None:
    topic = f"{kafka_namespace}sparse"
    producer = await _producer(kafka_bootstrap)
    try:
        await producer.send_and_wait(topic, b"only-one", key=b"k")
    finally:
        await producer.stop()
    with pytest.raises(AssertionError, match=r"expected 2 record\(s\) on topic .*sparse.* got 1"):
        await consume_all(kafka_bootstrap, topic, expected=2, timeout=0.5)


async def test_consume_all_linger_reveals_extra_records(
    kafka_bootstrap: str, kafka_namespace: str
) -> None:
    topic = f"{kafka_namespace}dupes"
    producer = await _producer(kafka_bootstrap)
    try:
        for _ in range(3):
            await producer.send_and_wait(topic, b"same", key=b"k")
    finally:
        await producer.stop()
    records = await consume_all(kafka_bootstrap, topic, expected=1, timeout=10, linger=0.3)
    assert len(records) == 3


async def test_broker_stop_then_restart_on_same_port(
    kafka_server: KafkaServer, kafka_bootstrap: str, kafka_namespace: str
) -> None:
    topic = f"{kafka_namespace}outage"
    kafka_server.create_topics([topic], partitions=2)
    port = kafka_server.port
    producer = await _producer(kafka_bootstrap, request_timeout_ms=1500, retry_backoff_ms=100)
    try:
        await producer.send_and_wait(topic, b"before", key=b"k")

        kafka_server.stop()
        with pytest.raises((KafkaError, asyncio.TimeoutError)):
            await asyncio.wait_for(producer.send_and_wait(topic, b"during", key=b"k"), 5)

        kafka_server.start()
        assert kafka_server.port == port
        # The same producer reconnects by itself, as a long-running relay's would.
        await asyncio.wait_for(producer.send_and_wait(topic, b"after", key=b"k"), 15)
    finally:
        await producer.stop()

    records = await consume_all(kafka_bootstrap, topic, expected=1, timeout=10, linger=0.5)
    # Tansu keeps records in memory only: a restart loses them, but the topic is recreated.
    assert [record.value for record in records] == [b"after"]
    assert {record.partition for record in records} <= {0, 1}
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        [description] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    assert len(description["partitions"]) == 2


async def test_disconnect_refuses_clients_and_reconnect_keeps_every_record(
    kafka_server: KafkaServer, kafka_bootstrap: str, kafka_namespace: str
) -> None:
    topic = f"{kafka_namespace}network"
    producer = await _producer(kafka_bootstrap, request_timeout_ms=1500, retry_backoff_ms=100)
    try:
        await producer.send_and_wait(topic, b"before", key=b"k")

        kafka_server.disconnect()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", kafka_server.port), timeout=1).close()
        with pytest.raises((KafkaError, asyncio.TimeoutError)):
            await asyncio.wait_for(producer.send_and_wait(topic, b"during", key=b"k"), 5)

        kafka_server.reconnect()
        await asyncio.wait_for(producer.send_and_wait(topic, b"after", key=b"k"), 15)
    finally:
        await producer.stop()

    records = await consume_all(kafka_bootstrap, topic, expected=2, timeout=10, linger=0.5)
    # Same key, same partition, so order holds; "during" failed or was sent once after reconnect.
    values = [record.value for record in records]
    assert values in ([b"before", b"after"], [b"before", b"during", b"after"])


async def test_paused_broker_times_out_then_resumes_with_its_data(
    kafka_server: KafkaServer, kafka_bootstrap: str, kafka_namespace: str
) -> None:
    topic = f"{kafka_namespace}paused"
    producer = await _producer(kafka_bootstrap, request_timeout_ms=1000, retry_backoff_ms=100)
    try:
        await producer.send_and_wait(topic, b"before", key=b"k")
        kafka_server.pause()
        try:
            with pytest.raises((KafkaError, asyncio.TimeoutError)):
                await asyncio.wait_for(producer.send_and_wait(topic, b"during", key=b"k"), 3)
        finally:
            kafka_server.resume()
        await asyncio.wait_for(producer.send_and_wait(topic, b"after", key=b"k"), 15)
    finally:
        await producer.stop()

    records = await consume_all(kafka_bootstrap, topic, expected=2, timeout=10, linger=0.5)
    values = [record.value for record in records]
    assert values[0] == b"before"
    assert values[-1] == b"after"
    # A request that timed out may still be appended when the broker wakes up (and be retried).
    assert set(values[1:-1]) <= {b"during"}

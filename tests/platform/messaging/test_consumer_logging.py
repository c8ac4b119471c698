"""What a consumed record writes to the log, against real Tansu and PostgreSQL: nothing in
FastStream's own plain-text format; its access lines ("Received", "Processed") go through the
platform's JSON logging, at DEBUG, so that an INFO log holds no line per record.

No ``from __future__ import annotations`` here: dishka reads the handlers' annotations.
"""

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog
from aiokafka import AIOKafkaProducer
from dishka import FromDishka
from sqlalchemy.ext.asyncio import AsyncEngine

from lms_platform.logging import configure_logging
from lms_platform.messaging import Envelope, build_broker, envelope_subscriber
from tests.platform.messaging.support import effect_count, eventually, publish_envelope
from tests.platform.messaging.test_consumer import (
    FAST_RETRY,
    GROUP_OPTIONS,
    RecordEffect,
    account_topics,
    make_container,
    registered,
    running,
)

FASTSTREAM_ACCESS_EVENTS = {"Received", "Processed"}


@pytest.fixture
def platform_log() -> Iterator[io.TextIOWrapper]:
    """The stream the platform's logging writes to; the root logger is restored after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    yield stream
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)


def json_lines(stream: io.TextIOWrapper) -> list[dict[str, object]]:
    raw = stream.buffer.getvalue().decode()  # type: ignore[attr-defined]
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


async def consume_one_record(
    engine: AsyncEngine, bootstrap: str, namespace: str, producer: AIOKafkaProducer, unique: str
) -> str:
    topic, _ = await account_topics(bootstrap, namespace)
    service = f"user-{unique}"
    broker = build_broker(bootstrap, client_id=service)

    @envelope_subscriber(
        broker, topic, group_id=service, service=service, retry=FAST_RETRY, **GROUP_OPTIONS
    )
    async def on_account(envelope: Envelope, record: FromDishka[RecordEffect]) -> None:
        await record(envelope)

    await publish_envelope(producer, topic, registered(f"acc-log-{unique}"))
    async with running(broker, make_container(engine)):
        await eventually(lambda: _applied(engine, 1), message="the record was not applied")
    return topic


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_a_consumed_record_writes_no_plain_text_line(
    engine: AsyncEngine,
    kafka_bootstrap: str,
    kafka_namespace: str,
    producer: AIOKafkaProducer,
    unique: str,
    platform_log: io.TextIOWrapper,
    capfd: pytest.CaptureFixture[str],
    level: str,
) -> None:
    configure_logging("messaging-tests", level, stream=platform_log)
    topic = await consume_one_record(engine, kafka_bootstrap, kafka_namespace, producer, unique)

    around_the_platform = capfd.readouterr()
    for line in (around_the_platform.out + around_the_platform.err).splitlines():
        assert not any(event in line for event in FASTSTREAM_ACCESS_EVENTS), line
    access = [line for line in json_lines(platform_log) if line["event"] in FASTSTREAM_ACCESS_EVENTS]
    if level == "INFO":
        assert access == []  # no line per record at INFO
    else:
        assert [line["event"] for line in access] == ["Received", "Processed"]
        assert all(line["level"] == "debug" and line["topic"] == topic for line in access)
        assert all(line["service"] == "messaging-tests" for line in access)


async def _applied(engine: AsyncEngine, expected: int) -> bool:
    return await effect_count(engine) == expected

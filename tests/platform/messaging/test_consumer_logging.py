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
from lms_platform.messaging import Envelope
from tests.platform.messaging.account_stream import (
    AccountStream,
    RecordEffect,
    applied,
    make_container,
    registered,
    running,
)
from tests.platform.messaging.support import eventually, publish_envelope

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
    engine: AsyncEngine, producer: AIOKafkaProducer, accounts: AccountStream
) -> None:
    @accounts.subscribe()
    async def on_account(envelope: Envelope, record: FromDishka[RecordEffect]) -> None:
        await record(envelope)

    await publish_envelope(producer, accounts.topic, registered("acc-log"))
    async with running(accounts.broker, make_container(engine)):
        await eventually(lambda: applied(engine, 1), message="the record was not applied")


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_a_consumed_record_writes_no_plain_text_line(
    engine: AsyncEngine,
    producer: AIOKafkaProducer,
    accounts: AccountStream,
    platform_log: io.TextIOWrapper,
    capfd: pytest.CaptureFixture[str],
    level: str,
) -> None:
    configure_logging("messaging-tests", level, stream=platform_log)
    await consume_one_record(engine, producer, accounts)

    around_the_platform = capfd.readouterr()
    for line in (around_the_platform.out + around_the_platform.err).splitlines():
        assert not any(event in line for event in FASTSTREAM_ACCESS_EVENTS), line
    access = [
        line for line in json_lines(platform_log) if line["event"] in FASTSTREAM_ACCESS_EVENTS
    ]
    if level == "INFO":
        assert access == []  # no line per record at INFO
    else:
        assert [line["event"] for line in access] == ["Received", "Processed"]
        assert all(line["level"] == "debug" and line["topic"] == accounts.topic for line in access)
        assert all(line["service"] == "messaging-tests" for line in access)

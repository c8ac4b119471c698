"""What ``envelope_subscriber`` asks of the Kafka consumer it registers (no broker needed)."""

from typing import Any

from faststream.kafka import KafkaBroker

from lms_platform.messaging import Envelope, envelope_subscriber
from lms_platform.messaging.consumer import DEFAULT_FETCH_MAX_WAIT_MS


def _consumer_options(**options: Any) -> dict[str, Any]:
    broker = KafkaBroker("127.0.0.1:1")

    @envelope_subscriber(broker, "t", group_id="g", service="s", idempotent=False, **options)
    async def handler(envelope: Envelope) -> None:
        return None

    [subscriber] = broker.subscribers
    # The keyword arguments FastStream hands to AIOKafkaConsumer.
    return dict(getattr(subscriber, "_connection_args"))  # noqa: B009 - private, read-only


def test_the_fetch_wait_is_short_by_default_so_events_arrive_within_milliseconds() -> None:
    # aiokafka's default is 500 ms, and a broker like Tansu answers a waiting fetch only then.
    assert DEFAULT_FETCH_MAX_WAIT_MS == 50
    options = _consumer_options()
    assert options["fetch_max_wait_ms"] == DEFAULT_FETCH_MAX_WAIT_MS
    assert options["auto_offset_reset"] == "earliest"


def test_a_service_may_choose_its_own_fetch_wait() -> None:
    assert _consumer_options(fetch_max_wait_ms=500)["fetch_max_wait_ms"] == 500

"""The search service's own metrics: the indexing lag (index time minus event time, per type;
alert SearchIndexLagHigh at p99 over 1 s) and, beside it, the consumer lag in records."""

from __future__ import annotations

from typing import Any

from prometheus_client import Gauge, Histogram

from lms.search.domain.documents import DocType

INDEX_LAG = Histogram(
    "search_index_lag_seconds",
    "Time from an event (its envelope time, set in the owning service's transaction) to its "
    "document being written to the search index.",
    ["service", "type"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0, 10.0, 30.0),
)
CONSUMER_LAG = Gauge(
    "search_consumer_lag_records",
    "Records on a partition after the one just indexed (the high watermark seen by the "
    "consumer minus its position), per topic and partition.",
    ["service", "topic", "partition"],
)


class PrometheusLagRecorder:
    def observe(self, doc_type: DocType, seconds: float) -> None:
        INDEX_LAG.labels(service="search", type=doc_type.value).observe(seconds)


def observe_consumer_lag(message: Any) -> None:
    """From the Kafka message (a record or a batch) being handled: what its consumer has yet to
    read on each partition after the last record handled there."""
    raw = getattr(message, "raw_message", None)
    consumer = getattr(message, "consumer", None)
    if raw is None or consumer is None:
        return
    from aiokafka import TopicPartition

    last = {(r.topic, r.partition): r.offset for r in (raw if isinstance(raw, tuple) else (raw,))}
    for (topic, partition), offset in last.items():
        highwater = consumer.highwater(TopicPartition(topic, partition))
        if highwater is not None:
            CONSUMER_LAG.labels(service="search", topic=topic, partition=str(partition)).set(
                max(highwater - offset - 1, 0)
            )

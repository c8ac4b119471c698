"""Lazy offset commits for an envelope subscriber: the last settled offset per partition, sent
in one ``OffsetCommit`` every ``CommitPolicy.every`` settled records or ``interval`` seconds after
the first unsent one (which covers a partition that went idle), on partition revocation and on
stop.

Only settled records move an offset (processed, duplicate, ignored or dead-lettered), and one
subscriber handles its records one after another, so a committed offset never passes a record
that was not settled. What a crash loses is at most the records since the last commit: they are
delivered again and ``processed_messages`` turns them into duplicates. A synchronous commit per
record cost a broker round trip per event (docs/benchmarks/messaging.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from prometheus_client import Counter

__all__ = ["OFFSET_COMMITS", "CommitPolicy", "OffsetCommitter"]

logger = logging.getLogger(__name__)

OFFSET_COMMITS = Counter(
    "kafka_offset_commits_total",
    "OffsetCommit requests sent by an envelope subscriber (each covers its settled partitions).",
    ["service", "consumer"],
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitPolicy:
    """``every=1`` commits after each record (a broker round trip per record, as before)."""

    every: int = 100
    interval: float = 0.2

    def __post_init__(self) -> None:
        if self.every < 1 or self.interval <= 0:
            raise ValueError("CommitPolicy needs every >= 1 and interval > 0")


class OffsetCommitter:
    """The settled-but-uncommitted offsets of one subscriber, and when they are sent."""

    def __init__(self, policy: CommitPolicy, *, service: str, consumer: str) -> None:
        self._policy = policy
        self._name = consumer
        self._commits = OFFSET_COMMITS.labels(service=service, consumer=consumer)
        self._pending: dict[TopicPartition, int] = {}
        self._since_commit = 0
        self._client: AIOKafkaConsumer | None = None  # the consumer the pending offsets are of
        self._timer: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # one commit at a time, in order: offsets never go back
        self._stopping = False

    async def settled(
        self, client: AIOKafkaConsumer, partition: TopicPartition, offset: int, *, records: int = 1
    ) -> None:
        """The record at ``offset`` is settled (with ``records`` before it, counted towards
        ``every``): its successor is the next position to commit."""
        if client is not self._client:  # a restarted subscriber: a new client, nothing pending
            self._client, self._pending, self._stopping = client, {}, False
        if partition not in client.assignment():
            return  # revoked while the record was handled: its new owner gets it again
        self._pending[partition] = offset + 1
        self._since_commit += records
        if self._since_commit >= self._policy.every or self._stopping:
            await self.flush()
        elif self._timer is None:
            self._timer = asyncio.create_task(self._flush_later(), name=f"{self._name}-commit")

    async def flush(self, partitions: Iterable[TopicPartition] | None = None) -> None:
        """Commit what is pending (of ``partitions`` only, if given) now."""
        async with self._lock:
            wanted = None if partitions is None else set(partitions)
            offsets = {
                tp: offset for tp, offset in self._pending.items() if wanted is None or tp in wanted
            }
            for tp in offsets:
                del self._pending[tp]
            if not self._pending:
                self._since_commit = 0
                self._cancel_timer()
            if not offsets or self._client is None:
                return
            self._commits.inc()
            try:
                await self._client.commit(offsets)
            except KafkaError as exc:
                # Typically a rebalance took a partition away: its new owner receives the
                # records again and processed_messages turns them into duplicates.
                logger.warning("%s: committing %s failed: %r", self._name, offsets, exc)

    def stopping(self) -> None:
        """From now on a settled record is committed at once (the subscriber is stopping)."""
        self._stopping = True

    def forget(self, partitions: Iterable[TopicPartition]) -> None:
        """Drop what is pending for ``partitions`` (newly assigned: they start from the group's
        committed offset, so an older pending offset must not be sent after it)."""
        for tp in partitions:
            self._pending.pop(tp, None)

    async def close(self) -> None:
        self._cancel_timer()

    def listener(self, chained: ConsumerRebalanceListener | None) -> ConsumerRebalanceListener:
        """A rebalance listener that commits revoked partitions first, then calls ``chained``."""
        return _FlushingListener(self, chained)

    def wrap_stop(
        self, stop: Callable[[], Coroutine[Any, Any, None]]
    ) -> Callable[[], Coroutine[Any, Any, None]]:
        """``stop`` of the subscriber, committing what is settled while its client still runs;
        the record in flight commits itself when it settles (``stopping``)."""

        async def stop_and_commit() -> None:
            self.stopping()
            await self.flush()
            await stop()
            await self.close()

        return stop_and_commit

    async def _flush_later(self) -> None:
        await asyncio.sleep(self._policy.interval)
        self._timer = None  # flush must not cancel the task it runs in
        try:
            await self.flush()
        except Exception:  # a client stopped meanwhile; the next owner redelivers
            logger.warning("%s: committing offsets failed", self._name, exc_info=True)

    def _cancel_timer(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()


class _FlushingListener(ConsumerRebalanceListener):
    def __init__(
        self, committer: OffsetCommitter, chained: ConsumerRebalanceListener | None
    ) -> None:
        self._committer = committer
        self._chained = chained

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        with contextlib.suppress(Exception):  # never break the rebalance; flush logs failures
            await self._committer.flush(revoked)
        self._committer.forget(revoked)
        if self._chained is not None:
            await _call(self._chained.on_partitions_revoked, revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self._committer.forget(assigned)
        if self._chained is not None:
            await _call(self._chained.on_partitions_assigned, assigned)


async def _call(
    callback: Callable[[set[TopicPartition]], Any], partitions: set[TopicPartition]
) -> None:
    result = callback(partitions)
    if inspect.isawaitable(result):
        await result

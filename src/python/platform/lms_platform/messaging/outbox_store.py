"""Where a relay's rows live: the port between the relay's loop (``relay.py``) and a database.

The relay decides what to send, in which order, and what a failure means (retry, park); a store
only claims due rows and records those decisions. ``SqlOutboxStore`` (the ``outbox`` table) and
``lms_platform.mongo.relay.MongoOutboxStore`` (the ``outbox`` collection) implement it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from lms_platform.messaging.outbox_rows import ClaimedRow, Retry

__all__ = ["ClaimedBatch", "OutboxStore"]


class ClaimedBatch(Protocol):
    """Rows claimed for one cycle, oldest first, in order within each key; no earlier row of
    their key is parked or waiting for a retry."""

    @property
    def rows(self) -> Sequence[ClaimedRow]: ...

    async def settle(
        self, published: Sequence[Any], retries: Sequence[Retry], parked: Sequence[Retry]
    ) -> None:
        """Delete the published rows (by id), schedule the retries and park the rest."""
        ...


class OutboxStore(Protocol):
    def claim(self, limit: int) -> AbstractAsyncContextManager[ClaimedBatch | None]:
        """Up to ``limit`` due rows, or ``None`` while another relay holds the outbox. The
        claim ends (commits) when the block exits; an exception undoes what it settled."""
        ...

    async def count_pending(self) -> int: ...

    async def count_parked_by_topic(self) -> dict[str, int]: ...

    async def listen(self, wake: Callable[[], None]) -> None:
        """(Re)arm the wake-up on new rows; never raises (the relay polls meanwhile)."""
        ...

    async def close(self) -> None: ...

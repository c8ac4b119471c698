"""What an operator's tools (``admin_cli.py``) need from a parked-rows admin, whatever the store:
``OutboxAdmin`` (PostgreSQL) and ``MongoOutboxAdmin`` (MongoDB) implement it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from lms_platform.messaging.admin import ParkedRow

__all__ = ["ParkedOutboxAdmin"]


class ParkedOutboxAdmin(Protocol):
    def parse_id(self, text: str) -> Any:
        """A row id as typed by an operator; ``ValueError`` if it cannot be one."""
        ...

    async def list_parked(
        self, *, topic: str | None = None, after_id: Any = ..., limit: int = 100
    ) -> list[ParkedRow]: ...

    async def parked_counts(self) -> dict[str, int]: ...

    async def retry(self, ids: Sequence[Any] | None = None, *, topic: str | None = None) -> int: ...

    async def discard(self, ids: Sequence[Any]) -> int: ...

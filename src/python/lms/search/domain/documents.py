"""What the search service indexes: one document per aggregate of another service, written
with that aggregate's version so that the highest version always wins."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

# A deleted user is final (the user service never revives one) and its event carries no
# version: its tombstone takes this version, above any a profile can reach.
FINAL_VERSION = 2**62


class DocType(StrEnum):
    USER = "user"
    COURSE = "course"
    ASSIGNMENT = "assignment"
    NOTE = "note"


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    """``fields`` are the type's searchable and filterable fields (``mappings`` in the adapter);
    a ``deleted`` document is a tombstone, kept so that an older event cannot bring it back."""

    doc_type: DocType
    id: str
    tenant_id: str
    version: int
    event_time: datetime
    deleted: bool = False
    fields: Mapping[str, Any] = field(default_factory=dict)

    @property
    def sort_key(self) -> str:
        """Unique across types: the tie-breaker that makes ``search_after`` pages exact."""
        return f"{self.doc_type.value}:{self.id}"


def latest_unlock(base: datetime | None, overrides: list[datetime | None]) -> datetime | None:
    """The unlock time search applies to every student: the latest of the assignment's own and
    its overrides', so no student finds an assignment before it has unlocked for them (one whose
    override unlocks earlier finds it at the latest time; docs/services/search.md)."""
    times = [t for t in [base, *overrides] if t is not None]
    return max(times) if times else None

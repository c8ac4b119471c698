"""Paging a room's history around an anchor, as Zulip's ``anchor`` with ``num_before`` and
``num_after``: ``before`` or ``after`` a sequence number, or ``around`` one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lms_platform.kernel.errors import InvalidInput

MAX_PAGE = 200


class Direction(StrEnum):
    BEFORE = "before"
    AFTER = "after"
    AROUND = "around"
    LATEST = "latest"


@dataclass(frozen=True, slots=True)
class Anchor:
    direction: Direction
    seq: int
    limit: int


def anchor_from(direction: Direction, seq: int, limit: int) -> Anchor:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    if seq < 0:
        raise InvalidInput("a sequence number is not negative", field="anchor")
    return Anchor(direction, seq, limit)

"""Live messages of a room are released in sequence order; a gap that stays open is given up
after the hold time (the sockets fill it from PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Any

from lms.chat.adapters.realtime.ordering import RoomOrder


async def released_after(arrivals: list[int], wait: float = 0.0) -> list[int]:
    out: list[int] = []

    async def release(seq: int, frame: dict[str, Any]) -> None:
        out.append(seq)

    order = RoomOrder(release)
    for seq in arrivals:
        await order.arrived(seq, {"seq": seq})
    await asyncio.sleep(wait)
    return out


async def test_out_of_order_publishes_are_released_in_order() -> None:
    assert await released_after([1, 3, 2, 5, 4, 6]) == [1, 2, 3, 4, 5, 6]


async def test_a_late_or_repeated_one_is_released_for_the_sockets_to_skip() -> None:
    assert await released_after([4, 5, 2, 5]) == [4, 5, 2, 5]


async def test_a_gap_that_stays_open_is_given_up_after_the_hold() -> None:
    assert await released_after([1, 3, 4]) == [1]
    assert await released_after([1, 3, 4], wait=RoomOrder.HOLD_SECONDS + 0.2) == [1, 3, 4]

"""Exponential backoff with jitter, shared by the relay (broker outages), consumer retries and
services waiting for their broker at start-up."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from lms_platform.logging import get_logger

__all__ = ["Backoff", "retry_until_ready"]

T = TypeVar("T")
_log = get_logger("lms_platform.messaging")


@dataclass(frozen=True, slots=True, kw_only=True)
class Backoff:
    """``delay(n)`` for the n-th consecutive failure (n >= 1): ``initial * multiplier**(n-1)``,
    capped at ``maximum``, then reduced by a random share of up to ``jitter`` so that many
    clients recovering from the same outage do not retry in lockstep."""

    initial: float = 0.5
    maximum: float = 30.0
    multiplier: float = 2.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if self.initial < 0 or self.maximum < self.initial or self.multiplier < 1:
            raise ValueError(f"invalid backoff {self!r}")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter is a fraction between 0 and 1")

    def delay(self, failures: int) -> float:
        exponent = max(failures, 1) - 1
        # Cap the exponent: past ~60 doublings the float overflows long before the cap matters.
        capped = min(self.maximum, self.initial * self.multiplier ** min(exponent, 60))
        return capped * (1.0 - self.jitter * random.random())  # - not cryptographic

    def total(self, failures: int) -> float:
        """The longest possible sum of the first ``failures`` delays (jitter only shortens)."""
        return sum(
            min(self.maximum, self.initial * self.multiplier ** min(n, 60)) for n in range(failures)
        )


async def retry_until_ready(
    attempt: Callable[[], Awaitable[T]],
    *,
    waiting_event: str,
    after_failure: Callable[[], Awaitable[None]] | None = None,
    backoff: Backoff = Backoff(jitter=0.0),
) -> T:
    """Runs ``attempt`` until it succeeds: a service starts before its broker is reachable and
    must neither crash nor go quiet. Each failure is logged as ``waiting_event`` with the next
    delay; ``after_failure`` tidies up a half-done attempt. Cancel the task to give up."""
    failures = 0
    while True:
        try:
            return await attempt()
        except Exception as exc:  # broker down or not ready: keep trying, say so
            failures += 1
            delay = backoff.delay(failures)
            _log.warning(waiting_event, error=str(exc), retry_in=round(delay, 2))
            if after_failure is not None:
                await after_failure()
            await asyncio.sleep(delay)

"""Exponential backoff with jitter, shared by the relay (broker outages) and consumer retries."""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Backoff"]


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

"""What one render may spend, how big a value would be once turned into text, and the error a
refused template raises.

Sizes are counted before a value is built wherever the sandbox can see the building (see
``environment.py``), so a template that doubles a string is refused at the doubling that crosses
the limit, not after the process has paid for it."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2.sandbox import SecurityError


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateLimits:
    max_output_chars: int = 200_000  # per part, counted while rendering
    max_value_chars: int = 100_000  # any string, list or dict a template builds
    timeout_seconds: float = 2.0  # per render (check: per check), all parts together


class TemplateRefused(Exception):
    """A template that does not parse, uses a refused construct or an unknown variable, or fails
    or goes over a limit while rendering. ``part`` names the template part, ``line`` the line to
    blame (None where none is: output, time, memory)."""

    def __init__(self, detail: str, *, part: str, line: int | None) -> None:
        super().__init__(detail)
        self.detail, self.part, self.line = detail, part, line


class LimitExceeded(SecurityError):
    """A render went over one of its ``TemplateLimits``."""


_MAX_NESTING = 8  # lists in lists: emails need two levels; deeper is a way to hide size
_OTHER_SIZE = 32  # a date, None, a bound method: small once printed

_deadline: ContextVar[float] = ContextVar("template_deadline", default=math.inf)


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Hooks called while this is open refuse to go on after ``seconds``."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def check_deadline(seconds: float) -> None:
    if time.monotonic() > _deadline.get():
        raise LimitExceeded(f"rendering took longer than {seconds:g} s")


def rendered_size(value: Any, limit: int) -> int:
    """About how many characters ``str(value)`` has, without building it; stops counting
    once past ``limit``. Lists may share items (``[l, l]``), so each is counted once per
    place it appears, memoised by identity: a value doubled 30 times costs 30 steps here."""
    memo: dict[int, int] = {}

    def size(item: Any, depth: int) -> int:
        if isinstance(item, str):
            return len(item)
        if isinstance(item, bool) or item is None:
            return 5
        if isinstance(item, int):
            return item.bit_length() // 3 + 2
        if isinstance(item, (list, tuple, dict)):
            key = id(item)
            if key in memo:
                return memo[key]
            if depth >= _MAX_NESTING:
                raise LimitExceeded(f"values nest at most {_MAX_NESTING} deep")
            children = (
                (part for pair in item.items() for part in pair)
                if isinstance(item, dict)
                else iter(item)
            )
            total = 2
            for child in children:
                total += size(child, depth + 1) + 2
                if total > limit:
                    break
            memo[key] = total
            return total
        return _OTHER_SIZE

    return size(value, 0)

"""A grading scheme (Canvas's grading standard): letters, each with the lowest percentage that
earns it, from the highest down to one whose floor is 0, so that every score has exactly one
letter. The one rule the course service enforces when a scheme is set and the submission service
checks again when it reads one from the course events; Canvas's default scheme is here too, for
a course that has none.

- 1 to ``MAX_LEVELS`` letters; each name 1 to ``MAX_NAME_LENGTH`` characters, without
  surrounding spaces or control characters, and distinct whatever the case.
- Each floor between 0 and 100 with at most two decimals, strictly decreasing, the last one 0.
- A percentage earns the first letter whose floor it reaches: exactly on a floor earns it, over
  100 % (extra credit) the top letter, 0 the bottom one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from lms_platform.kernel.errors import InvalidInput

MAX_LEVELS = 20
MAX_NAME_LENGTH = 16  # "Excellent", "Incomplete"; the graders keep grades in 32 characters
FIELD = "grading_scheme"  # as the API and the course events name it
_HUNDRED, _ZERO, _CENT = Decimal(100), Decimal(0), Decimal("0.01")


@dataclass(frozen=True, slots=True)
class GradingLevel:
    name: str
    min_percent: Decimal


@dataclass(frozen=True, slots=True)
class GradingScheme:
    levels: tuple[GradingLevel, ...]

    def __post_init__(self) -> None:
        levels = self.levels
        if not 1 <= len(levels) <= MAX_LEVELS:
            raise InvalidInput(f"a grading scheme has 1 to {MAX_LEVELS} letters", field=FIELD)
        seen: set[str] = set()
        for index, level in enumerate(levels):
            name, floor = level.name, level.min_percent
            where = f"{FIELD}[{index}]"
            if not name or name != name.strip() or len(name) > MAX_NAME_LENGTH:
                raise InvalidInput(
                    f"a letter is 1 to {MAX_NAME_LENGTH} characters, without surrounding spaces",
                    field=f"{where}.name",
                )
            if not name.isprintable():
                raise InvalidInput("a letter has no control characters", field=f"{where}.name")
            if name.casefold() in seen:
                raise InvalidInput(f"the letter {name!r} appears twice", field=f"{where}.name")
            seen.add(name.casefold())
            if not floor.is_finite() or not _ZERO <= floor <= _HUNDRED:
                raise InvalidInput("a floor is between 0 and 100", field=f"{where}.min_percent")
            if floor != floor.quantize(_CENT):
                raise InvalidInput("a floor has at most two decimals", field=f"{where}.min_percent")
            if index and floor >= levels[index - 1].min_percent:
                raise InvalidInput(
                    "floors go strictly down, from the highest letter to the lowest",
                    field=f"{where}.min_percent",
                )
        if levels[-1].min_percent != _ZERO:
            raise InvalidInput(
                "the lowest letter's floor is 0, so every score has a letter",
                field=f"{FIELD}[{len(levels) - 1}].min_percent",
            )

    @classmethod
    def of(cls, levels: Iterable[tuple[object, object]]) -> GradingScheme:
        """A scheme from ``(name, floor)`` pairs, highest first, as a request or an event gives
        them: a name must be a string and a floor a number (``"72.5"`` too, not ``True``)."""
        built: list[GradingLevel] = []
        for index, (name, floor) in enumerate(levels):
            if not isinstance(name, str):
                raise InvalidInput("a letter is text", field=f"{FIELD}[{index}].name")
            if isinstance(floor, bool) or not isinstance(floor, int | float | str | Decimal):
                raise InvalidInput("a floor is a number", field=FIELD)
            try:
                built.append(GradingLevel(name, Decimal(str(floor))))
            except InvalidOperation as error:
                raise InvalidInput("a floor is a number", field=FIELD) from error
        return cls(tuple(built))

    def to_json(self) -> list[dict[str, Any]]:
        """As the API and the events carry it: ``[{"name": "A", "min_percent": 94.0}, …]``."""
        return [{"name": lv.name, "min_percent": float(lv.min_percent)} for lv in self.levels]

    @classmethod
    def from_json(cls, value: list[dict[str, Any]]) -> GradingScheme:
        return cls.of((entry["name"], entry["min_percent"]) for entry in value)

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple(level.name for level in self.levels)

    def letter_for(self, percent: Decimal) -> str:
        """The first letter whose floor ``percent`` reaches (the last floor is 0, so a
        percentage from 0 up always has one)."""
        return next(lv.name for lv in self.levels if percent >= lv.min_percent)


# Canvas's default grading scheme, for a course that has none of its own.
DEFAULT_SCHEME = GradingScheme.of(
    [
        ("A", 94), ("A-", 90), ("B+", 87), ("B", 84), ("B-", 80), ("C+", 77), ("C", 74),
        ("C-", 70), ("D+", 67), ("D", 64), ("D-", 61), ("F", 0),
    ]
)  # fmt: skip


def letter_for(percent: Decimal, scheme: GradingScheme | None = None) -> str:
    """The letter ``percent`` earns under ``scheme`` (None: Canvas's default scheme)."""
    return (scheme or DEFAULT_SCHEME).letter_for(percent)

"""A course's own grading scheme (Canvas's grading standard): letters, each with the lowest
percentage that earns it, from the highest down to one whose floor is 0, so that every score
has exactly one letter. No scheme (``None``) means the default scheme of the graders."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from lms_platform.kernel.errors import InvalidInput

MAX_LEVELS = 20
MAX_NAME_LENGTH = 16  # "Excellent", "Incomplete"; the graders keep grades in 32 characters
_HUNDRED, _ZERO, _CENT = Decimal(100), Decimal(0), Decimal("0.01")
FIELD = "grading_scheme"


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
    def of(cls, levels: Iterable[tuple[str, Decimal | float | int | str]]) -> GradingScheme:
        try:
            built = tuple(GradingLevel(str(name), Decimal(str(floor))) for name, floor in levels)
        except InvalidOperation as error:
            raise InvalidInput("a floor is a number", field=FIELD) from error
        return cls(built)

    def to_json(self) -> list[dict[str, Any]]:
        """As the API and the events carry it: ``[{"name": "A", "min_percent": 94.0}, …]``."""
        return [{"name": lv.name, "min_percent": float(lv.min_percent)} for lv in self.levels]

    @classmethod
    def from_json(cls, value: list[dict[str, Any]]) -> GradingScheme:
        return cls.of((entry["name"], entry["min_percent"]) for entry in value)


def scheme_or_default(
    levels: Iterable[tuple[str, Decimal | float | int | str]] | None,
) -> GradingScheme | None:
    """``None`` (the default scheme) or the validated scheme."""
    return None if levels is None else GradingScheme.of(levels)

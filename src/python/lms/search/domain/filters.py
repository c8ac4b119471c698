"""A small filter algebra: the visibility rules and the caller's filters are written with it,
and the search adapter translates it into the engine's query language (both run inside the
query, so counts, pages and facets only ever see visible documents)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Eq:
    field: str
    value: str | bool


@dataclass(frozen=True, slots=True)
class In:
    """Matches when the field (or one of its values) is one of ``values``; none matches nothing."""

    field: str
    values: frozenset[str]


@dataclass(frozen=True, slots=True)
class NotAfter:
    """The field is set and at or before ``moment``."""

    field: str
    moment: datetime


@dataclass(frozen=True, slots=True)
class MatchesText:
    """``text`` matches the text field ``field`` (as the search matches words: whole words with
    typos tolerated, or word beginnings); an empty text matches every document."""

    field: str
    text: str


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Filter, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Filter, ...]


@dataclass(frozen=True, slots=True)
class Nothing:
    """Matches no document."""


Filter = Eq | In | NotAfter | MatchesText | AllOf | AnyOf | Nothing


def all_of(*parts: Filter) -> Filter:
    if any(isinstance(p, Nothing) for p in parts):
        return Nothing()
    return AllOf(tuple(parts))


def any_of(*parts: Filter) -> Filter:
    alive = tuple(p for p in parts if not isinstance(p, Nothing))
    return AnyOf(alive) if alive else Nothing()


def one_of(field: str, values: Collection[str]) -> Filter:
    return In(field, frozenset(values)) if values else Nothing()

"""A grading scheme: what the rule accepts and what it refuses (naming the entry), Canvas's
default scheme, and the letter a percentage earns."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.grading import (
    DEFAULT_SCHEME,
    MAX_LEVELS,
    MAX_NAME_LENGTH,
    GradingLevel,
    GradingScheme,
    letter_for,
)

D = Decimal
# A course's own scheme: distinctions, with a floor that has decimals.
HONOURS = GradingScheme.of([("Dist", 85), ("Merit", "72.5"), ("Pass", 50), ("Fail", 0)])


def test_a_good_scheme_keeps_its_letters_in_order_and_round_trips_as_json() -> None:
    scheme = GradingScheme.of([("A", "92.5"), ("B", 80), ("C", 65.25), ("F", 0)])
    assert [(lv.name, lv.min_percent) for lv in scheme.levels] == [
        ("A", Decimal("92.5")), ("B", Decimal(80)), ("C", Decimal("65.25")), ("F", Decimal(0)),
    ]  # fmt: skip
    assert scheme.letters == ("A", "B", "C", "F")
    as_json = scheme.to_json()
    assert as_json[0] == {"name": "A", "min_percent": 92.5}
    assert GradingScheme.from_json(as_json) == scheme


def test_one_letter_from_zero_and_a_top_floor_of_100_are_schemes() -> None:
    assert len(GradingScheme.of([("Done", 0)]).levels) == 1
    assert GradingScheme.of([("A+", 100), ("A", 0)]).levels[0].min_percent == 100


def test_the_limits_themselves_are_accepted() -> None:
    most = GradingScheme.of([(f"L{i}", MAX_LEVELS - 1 - i) for i in range(MAX_LEVELS)])
    assert len(most.levels) == MAX_LEVELS
    longest = GradingScheme.of([("x" * MAX_NAME_LENGTH, "99.99"), ("F", 0)])
    assert longest.levels[0] == GradingLevel("x" * MAX_NAME_LENGTH, D("99.99"))


def test_floors_are_read_exactly_from_strings_floats_ints_and_decimals() -> None:
    read = GradingScheme.of([("Dist", D(85)), ("Merit", 72.5), ("Pass", "50"), ("Fail", 0.0)])
    assert read == HONOURS
    assert [lv.min_percent for lv in read.levels] == [D(85), D("72.5"), D(50), D(0)]


@pytest.mark.parametrize(
    ("levels", "field"),
    [
        ([], "grading_scheme"),
        ([(f"L{i}", 100 - i * 5) for i in range(21)], "grading_scheme"),
        ([("A", 90), ("B", 10)], "grading_scheme[1].min_percent"),  # no floor at 0
        ([("A", 80), ("B", 90), ("F", 0)], "grading_scheme[1].min_percent"),  # goes up
        ([("A", 80), ("B", 80), ("F", 0)], "grading_scheme[1].min_percent"),  # not strictly
        ([("A", 101), ("F", 0)], "grading_scheme[0].min_percent"),
        ([("A", -1), ("F", 0)], "grading_scheme[0].min_percent"),
        ([("A", "NaN"), ("F", 0)], "grading_scheme[0].min_percent"),
        ([("A", "Infinity"), ("F", 0)], "grading_scheme[0].min_percent"),
        ([("A", "90.125"), ("F", 0)], "grading_scheme[0].min_percent"),
        ([("A", "ninety"), ("F", 0)], "grading_scheme"),
        ([("A", True), ("F", 0)], "grading_scheme"),  # a bool is no number
        ([("A", None), ("F", 0)], "grading_scheme"),
        ([("", 90), ("F", 0)], "grading_scheme[0].name"),
        ([(" A", 90), ("F", 0)], "grading_scheme[0].name"),
        ([("A ", 90), ("F", 0)], "grading_scheme[0].name"),
        ([("A" * 17, 90), ("F", 0)], "grading_scheme[0].name"),
        ([("A\x00", 90), ("F", 0)], "grading_scheme[0].name"),
        ([(1, 90), ("F", 0)], "grading_scheme[0].name"),  # a name is text, not turned into it
        ([("A", 90), ("a", 0)], "grading_scheme[1].name"),  # twice, whatever the case
    ],
)
def test_a_bad_scheme_is_refused_naming_the_field(levels: list[Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        GradingScheme.of(levels)
    assert refused.value.field == field


def test_a_scheme_built_directly_is_checked_too() -> None:
    with pytest.raises(InvalidInput) as refused:
        GradingScheme((GradingLevel("A", D(90)),))
    assert refused.value.field == "grading_scheme[0].min_percent"


def test_the_default_is_canvas_default_scheme() -> None:
    assert [(lv.name, lv.min_percent) for lv in DEFAULT_SCHEME.levels] == [
        ("A", D(94)), ("A-", D(90)), ("B+", D(87)), ("B", D(84)), ("B-", D(80)), ("C+", D(77)),
        ("C", D(74)), ("C-", D(70)), ("D+", D(67)), ("D", D(64)), ("D-", D(61)), ("F", D(0)),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("percent", "letter"),
    [
        (D(85), "Dist"),  # exactly on a floor earns it
        (D("84.99"), "Merit"),
        (D("72.5"), "Merit"),  # on a floor with decimals
        (D("72.49"), "Pass"),
        (D(50), "Pass"),
        (D("49.99"), "Fail"),
        (D(0), "Fail"),  # 0 is the lowest letter's floor
        (D(250), "Dist"),  # over 100 % (extra credit): the top letter
    ],
)
def test_a_percentage_earns_the_first_letter_whose_floor_it_reaches(
    percent: Decimal, letter: str
) -> None:
    assert HONOURS.letter_for(percent) == letter
    assert letter_for(percent, HONOURS) == letter


@pytest.mark.parametrize(
    ("percent", "letter"),
    [(D(94), "A"), (D("93.99"), "A-"), (D(61), "D-"), (D("60.99"), "F"), (D(0), "F"),
     (D(150), "A")],
)  # fmt: skip
def test_without_a_scheme_the_default_decides(percent: Decimal, letter: str) -> None:
    assert letter_for(percent) == letter
    assert letter_for(percent, None) == letter == DEFAULT_SCHEME.letter_for(percent)

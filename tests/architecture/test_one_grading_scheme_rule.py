"""There is exactly one grading-scheme rule: the kernel's (``lms_platform.kernel.grading.schemes``).
The course service enforces it and the submission service grades with it; neither defines a
scheme type, Canvas's default floors, a letter lookup or a check of floors of its own. Read
from the source with ``ast``; nothing is imported or executed."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "src/python"
KERNEL_RULE = SOURCE / "platform/lms_platform/kernel/grading/schemes.py"
KERNEL_PACKAGE = "lms_platform.kernel.grading"

# Names only the rule defines (a service's HTTP body or table may be called differently).
RULE_NAMES = frozenset({"GradingScheme", "GradingLevel", "DEFAULT_SCHEME", "letter_for"})
# Canvas's default scheme, without the 0 every scheme ends on.
DEFAULT_FLOORS = frozenset({94, 90, 87, 84, 80, 77, 74, 70, 67, 64, 61})


def _number(node: ast.AST) -> float | None:
    if isinstance(node, ast.Constant) and not isinstance(node.value, bool):
        if isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node.value, str):
            try:
                return float(node.value)
            except ValueError:
                return None
    return None


def _texts(node: ast.AST) -> str:
    return " ".join(
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    )


def rule_parts(source: str) -> set[str]:
    """What in ``source`` is (a copy of) the grading-scheme rule."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            if node.name in RULE_NAMES:
                found.add(f"defines {node.name}")
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id in RULE_NAMES:
                    found.add(f"defines {target.id}")
        if isinstance(node, ast.Tuple | ast.List | ast.Set | ast.Dict):
            numbers = {_number(n) for n in ast.walk(node)}
            if numbers >= DEFAULT_FLOORS:
                found.add("the default scheme's floors")
        # Every check of a floor says so when it refuses one ("a floor is between 0 and 100").
        if isinstance(node, ast.Raise) and node.exc is not None and "floor" in _texts(node.exc):
            found.add("a check of floors")
        # Comparing against a letter's floor is choosing a letter or checking the order.
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(isinstance(o, ast.Attribute) and o.attr == "min_percent" for o in operands):
                found.add("a comparison with a floor")
    return found


def _modules() -> dict[Path, str]:
    return {path: path.read_text() for path in sorted(SOURCE.rglob("*.py"))}


def test_the_kernel_holds_the_whole_rule() -> None:
    # The detectors find every part in the one implementation, so they can find a copy.
    assert rule_parts(KERNEL_RULE.read_text()) == {
        "defines GradingScheme",
        "defines GradingLevel",
        "defines DEFAULT_SCHEME",
        "defines letter_for",
        "the default scheme's floors",
        "a check of floors",
        "a comparison with a floor",
    }


def test_no_other_module_implements_any_part_of_it() -> None:
    modules = _modules()
    assert KERNEL_RULE in modules and len(modules) > 100  # the real tree, not an empty glob
    copies = {
        str(path.relative_to(REPO)): sorted(parts)
        for path, text in modules.items()
        if path != KERNEL_RULE and (parts := rule_parts(text))
    }
    assert copies == {}


def _imports_from_kernel(path: Path) -> set[str]:
    return {
        alias.name
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and node.module == KERNEL_PACKAGE
        for alias in node.names
    }


@pytest.mark.parametrize(
    ("module", "uses"),
    [
        ("lms/course/domain/grading_schemes.py", {"GradingScheme"}),
        ("lms/submission/domain/grades.py", {"GradingScheme", "DEFAULT_SCHEME", "letter_for"}),
    ],
)
def test_both_services_use_the_kernel_rule(module: str, uses: set[str]) -> None:
    assert uses <= _imports_from_kernel(SOURCE / module)


@pytest.mark.parametrize(
    ("copy", "part"),
    [
        (
            """
            DEFAULT = (("A", Decimal(94)), ("A-", Decimal(90)), ("B+", Decimal(87)),
                ("B", Decimal(84)), ("B-", Decimal(80)), ("C+", Decimal(77)), ("C", Decimal(74)),
                ("C-", Decimal(70)), ("D+", Decimal(67)), ("D", Decimal(64)),
                ("D-", Decimal(61)), ("F", Decimal(0)))
            """,
            "the default scheme's floors",
        ),
        ('CUTS = {"A": "94", "A-": "90", "B+": "87", "B": "84", "B-": "80", "C+": "77", '
         '"C": "74", "C-": "70", "D+": "67", "D": "64", "D-": "61", "F": "0"}',
         "the default scheme's floors"),
        (
            """
            def read(levels):
                for name, value in levels:
                    if not 0 <= value <= 100:
                        raise InvalidInput("a floor is between 0 and 100", field="min_percent")
            """,
            "a check of floors",
        ),
        (
            """
            def grade(percent, scheme):
                return next(lv.name for lv in scheme.levels if percent >= lv.min_percent)
            """,
            "a comparison with a floor",
        ),
        ("def letter_for(percent, scheme):\n    ...\n", "defines letter_for"),
        ("Scheme = tuple\nDEFAULT_SCHEME: Scheme = ()\n", "defines DEFAULT_SCHEME"),
    ],
    ids=["decimal-tuples", "string-dict", "floor-check", "letter-lookup", "function", "constant"],
)  # fmt: skip
def test_a_copy_of_a_part_is_found(copy: str, part: str) -> None:
    assert part in rule_parts(textwrap.dedent(copy))


def test_what_the_services_keep_is_not_mistaken_for_the_rule() -> None:
    # The GPA of the default letters, an HTTP body bounding a floor, a stored copy's columns.
    kept = """
        GPA = {"A": "4.0", "A-": "3.7", "B+": "3.3", "B": "3.0", "F": "0.0"}
        class GradingLevelBody(msgspec.Struct):
            min_percent: Annotated[float, msgspec.Meta(ge=0, le=100)]
        def stored(scheme):
            return [{"name": lv.name, "min_percent": str(lv.min_percent)} for lv in scheme.levels]
        """
    assert rule_parts(textwrap.dedent(kept)) == set()

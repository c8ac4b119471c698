"""No two services name a table, or a mapped class, alike.

Every service's models are declared on one registry (advanced-alchemy's), so two tables of one
name cannot be imported into one process: Pants runs several test files in one, and the second
import fails ("Table ... is already defined"); two mapped classes of one name make every string
reference to it ambiguous ("Multiple classes found for path"). Read from the source, not
imported, so that this test reports the clash instead of dying of it."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "src" / "python" / "lms"


def _mapped(path: Path) -> list[tuple[str, str]]:
    """``(class name, table name)`` of each class in ``path`` that declares ``__tablename__``."""
    found = []
    for cls in ast.walk(ast.parse(path.read_text())):
        if not isinstance(cls, ast.ClassDef):
            continue
        for node in cls.body:
            if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Constant):
                continue
            named = any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in node.targets)
            if named and isinstance(node.value.value, str):
                found.append((cls.name, node.value.value))
    return found


def test_every_table_and_mapped_class_name_belongs_to_one_service() -> None:
    tables: dict[str, set[str]] = defaultdict(set)
    classes: dict[str, set[str]] = defaultdict(set)
    for models in SERVICES.glob("*/adapters/persistence/**/*.py"):
        service = models.relative_to(SERVICES).parts[0]
        for class_name, table in _mapped(models):
            tables[table].add(service)
            classes[class_name].add(service)
    assert len(tables) > 20, "no models found: the search path is wrong"
    assert {name: sorted(s) for name, s in tables.items() if len(s) > 1} == {}
    assert {name: sorted(s) for name, s in classes.items() if len(s) > 1} == {}

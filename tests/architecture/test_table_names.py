"""No two services name a table alike.

Every service's models are declared on one registry (advanced-alchemy's), so two tables of one
name cannot be imported into one process: Pants runs several test files in one, and the second
import fails ("Table ... is already defined"). Read from the source, not imported, so that this
test reports the clash instead of dying of it."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "src" / "python" / "lms"


def _table_names(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Constant):
            continue
        named = any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in node.targets)
        if named and isinstance(node.value.value, str):
            names.append(node.value.value)
    return names


def test_every_table_name_belongs_to_one_service() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for models in SERVICES.glob("*/adapters/persistence/**/*.py"):
        service = models.relative_to(SERVICES).parts[0]
        for name in _table_names(models):
            owners[name].add(service)
    assert len(owners) > 20, "no models found: the search path is wrong"
    shared = {name: sorted(services) for name, services in owners.items() if len(services) > 1}
    assert shared == {}

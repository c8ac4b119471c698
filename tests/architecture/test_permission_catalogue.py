"""One permission catalogue (``lms_platform.kernel.permissions``) for every service.

The scan reads every module under src/python with ``ast`` (nothing is imported), so a service
added later is covered without touching this test. It fails when:

- a guard (``require_permissions``, ``has_permission``, ``ensure_permission``,
  ``ensure_admin_of``, ...) names a permission that is not in the catalogue, as a string or as
  ``Permission.<NAME>``;
- any string in the source that looks like a permission (``resource:action``) is not in it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lms.auth.domain.permissions import ROLE_PERMISSIONS
from lms_platform.kernel.permissions import (
    ALL_PERMISSIONS,
    CATALOGUE,
    DESCRIPTIONS,
    PLATFORM_ONLY_PERMISSIONS,
    Permission,
)

SOURCE_ROOT = Path(__file__).resolve().parents[2] / "src" / "python"
CATALOGUE_MODULE = SOURCE_ROOT / "platform" / "lms_platform" / "kernel" / "permissions.py"
# Calls whose arguments are permissions (every argument, or the keyword ``permission``).
GUARDS = frozenset(
    {
        "require_permissions",
        "has_permission",
        "ensure_permission",
        "ensure_admin_of",
        "_may",
    }
)
PERMISSION_SHAPE = re.compile(r"^[a-z][a-z_]*:[a-z][a-z_]*$")


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _named_permission(node: ast.expr) -> str | None:
    """``Permission.USER_READ`` (or ``P.USER_READ`` after ``as P``): the member's name."""
    if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
        return None
    return node.attr if node.value.id in {"Permission", "P"} else None


def scan(root: Path, catalogue_module: Path | None = CATALOGUE_MODULE) -> list[Finding]:
    findings: list[Finding] = []
    members = set(Permission.__members__)
    for path in sorted(root.rglob("*.py")):
        if catalogue_module is not None and path.resolve() == catalogue_module.resolve():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        shown = str(path.relative_to(root))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and PERMISSION_SHAPE.match(node.value)
                and node.value not in ALL_PERMISSIONS
            ):
                findings.append(
                    Finding(shown, node.lineno, f"{node.value!r} is not in the catalogue")
                )
            name = _named_permission(node) if isinstance(node, ast.expr) else None
            if name is not None and name not in members:
                line = getattr(node, "lineno", 0)
                findings.append(Finding(shown, line, f"Permission.{name} does not exist"))
            if isinstance(node, ast.Call) and _call_name(node) in GUARDS:
                arguments = [*node.args, *(k.value for k in node.keywords)]
                for argument in arguments:
                    if (
                        isinstance(argument, ast.Constant)
                        and isinstance(argument.value, str)
                        and argument.value not in ALL_PERMISSIONS
                        and ":" in argument.value
                    ):
                        findings.append(
                            Finding(
                                shown,
                                argument.lineno,
                                f"{_call_name(node)}() names {argument.value!r}, "
                                "which is not in the catalogue",
                            )
                        )
    return sorted(set(findings))


def test_every_permission_named_in_the_source_tree_is_in_the_catalogue() -> None:
    scanned = list(SOURCE_ROOT.rglob("*.py"))
    assert len(scanned) > 100, "the scan must see the whole source tree"
    findings = scan(SOURCE_ROOT)
    assert not findings, "\n".join(str(f) for f in findings)


def test_the_scan_catches_a_guard_or_literal_outside_the_catalogue(tmp_path: Path) -> None:
    service = tmp_path / "lms" / "course" / "adapters" / "http"
    service.mkdir(parents=True)
    (service / "guards.py").write_text(
        "from lms_platform.http import require_permissions\n"
        "from lms_platform.kernel.permissions import Permission\n"
        "GUARD = require_permissions('course:teleport')\n"
        "OK = require_permissions('course:read', Permission.COURSE_READ)\n"
        "def check(p):\n"
        "    return p.has_permission(Permission.COURSE_FLY)\n"
        "SCOPES = {'grade:forge'}\n",
        encoding="utf-8",
    )
    found = [f.what for f in scan(tmp_path, catalogue_module=None)]
    assert "'course:teleport' is not in the catalogue" in found
    assert "require_permissions() names 'course:teleport', which is not in the catalogue" in found
    assert "Permission.COURSE_FLY does not exist" in found
    assert "'grade:forge' is not in the catalogue" in found
    assert not [f for f in found if "course:read" in f or "COURSE_READ" in f]


def test_the_catalogue_describes_every_permission_once() -> None:
    names = [info.name for info in CATALOGUE]
    assert sorted(names) == sorted(Permission), "every Permission member has one entry"
    assert all(DESCRIPTIONS[name].strip() for name in ALL_PERMISSIONS)
    assert all(PERMISSION_SHAPE.match(name) for name in ALL_PERMISSIONS)
    assert {"college:create", "signing_key:rotate"} == PLATFORM_ONLY_PERMISSIONS


@pytest.mark.parametrize("role", sorted(ROLE_PERMISSIONS))
def test_auths_default_mapping_grants_only_catalogue_permissions(role: str) -> None:
    granted = ROLE_PERMISSIONS[role]
    assert granted <= ALL_PERMISSIONS
    assert all(p.__class__ is str for p in granted), "tokens carry plain names"
    if role != "super_admin":
        assert not granted & PLATFORM_ONLY_PERMISSIONS


def _iter_guard_calls(root: Path) -> Iterator[str]:
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _call_name(node) in GUARDS:
                yield _call_name(node) or ""


def test_the_scan_sees_the_guards_of_today() -> None:
    seen = set(_iter_guard_calls(SOURCE_ROOT))
    assert {"has_permission", "ensure_permission", "ensure_admin_of"} <= seen

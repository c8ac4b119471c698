"""The dependency rule, checked from the source with ``ast`` (no imports are executed).

Rules, for every module under ``lms`` and ``lms_platform``:

- ``domain``: ``lms.<service>.domain`` imports only the standard library, ``lms_platform.kernel``
  and its own service's domain.
- ``application``: ``lms.<service>.application`` imports only the standard library,
  ``lms_platform.kernel`` and its own service's domain and application.
- ``service-isolation``: no ``lms.<service>`` module imports another ``lms.<other>``; only
  ``lms.devstack``, which composes the services, may.
- ``kernel``: ``lms_platform.kernel`` imports only the standard library and itself.
- ``platform-independence``: ``lms_platform`` imports no ``lms`` module (shared code must not
  depend on the services that use it).
- ``no-platform-module``: nothing is importable as ``platform`` (it would shadow the standard
  library's module), neither at the top of a source root nor as any package or module name.

Every import counts: ``import x``, ``from x import y``, relative imports, imports inside functions
and under ``if TYPE_CHECKING:``, and ``importlib.import_module("x")`` / ``__import__("x")`` with a
literal name.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SERVICES_PACKAGE = "lms"
PLATFORM_PACKAGE = "lms_platform"
KERNEL = "lms_platform.kernel"
COMPOSER_SERVICES = frozenset({"devstack"})  # may import every service: it wires them together
FORBIDDEN_MODULE_NAME = "platform"

_STDLIB = frozenset(sys.stdlib_module_names)

Predicate = Callable[[str], bool]  # does a rule permit importing this dotted name?


@dataclass(frozen=True, order=True)
class Violation:
    rule: str
    module: str
    imported: str
    path: Path = field(compare=False)
    line: int = field(compare=False)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.rule}] {self.module} imports {self.imported}"


@dataclass(frozen=True)
class Report:
    violations: list[Violation]
    modules: dict[str, Path]  # every module checked, by dotted name
    layers: Counter[str]  # how many modules each rule applied to, so a pass is never vacuous

    def __str__(self) -> str:
        return "\n".join(str(v) for v in self.violations) or "no violations"


@dataclass(frozen=True)
class _Import:
    target: str  # absolute dotted name, resolved as far as the tree allows
    line: int


def check(source_roots: Sequence[Path]) -> Report:
    """Check the ``lms`` and ``lms_platform`` packages found under ``source_roots``."""
    modules = dict(_discover(source_roots))
    known = set(modules)
    violations: list[Violation] = []
    layers: Counter[str] = Counter()
    for module, path in sorted(modules.items()):
        violations.extend(_check_name(module, path))
        allowed = _allowance(module)
        for rule in allowed:
            layers[rule] += 1
        try:
            imports = list(_imports(module, path, known))
        except SyntaxError as exc:
            violations.append(Violation("unparseable", module, str(exc), path, exc.lineno or 0))
            continue
        for imported in imports:
            for rule, permits in allowed.items():
                if not permits(imported.target):
                    violations.append(Violation(rule, module, imported.target, path, imported.line))
    violations.extend(_check_source_root_tops(source_roots))
    return Report(violations=sorted(violations), modules=modules, layers=layers)


# -- which rules apply to a module, each as a predicate over imported names


def _allowance(module: str) -> dict[str, Predicate]:
    parts = module.split(".")
    rules: dict[str, Predicate] = {}
    if parts[0] == SERVICES_PACKAGE and len(parts) >= 2:
        service = parts[1]
        own = f"{SERVICES_PACKAGE}.{service}"
        if len(parts) >= 3 and parts[2] == "domain":
            rules["domain"] = _only(_is_stdlib, _within(KERNEL), _within(f"{own}.domain"))
        if len(parts) >= 3 and parts[2] == "application":
            rules["application"] = _only(
                _is_stdlib,
                _within(KERNEL),
                _within(f"{own}.domain"),
                _within(f"{own}.application"),
            )
        if service not in COMPOSER_SERVICES:
            rules["service-isolation"] = _not_another_service(service)
    if parts[0] == PLATFORM_PACKAGE:
        rules["platform-independence"] = _not(_within(SERVICES_PACKAGE))
        if _is_within(module, KERNEL):
            rules["kernel"] = _only(_is_stdlib, _within(KERNEL))
    return rules


def _is_stdlib(name: str) -> bool:
    return name.split(".", 1)[0] in _STDLIB


def _is_within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _within(package: str) -> Predicate:
    return lambda name: _is_within(name, package)


def _only(*allowed: Predicate) -> Predicate:
    return lambda name: any(test(name) for test in allowed)


def _not(test: Predicate) -> Predicate:
    return lambda name: not test(name)


def _not_another_service(service: str) -> Predicate:
    def permits(name: str) -> bool:
        parts = name.split(".")
        return parts[0] != SERVICES_PACKAGE or len(parts) < 2 or parts[1] == service

    return permits


# -- discovering modules


def _discover(source_roots: Sequence[Path]) -> Iterator[tuple[str, Path]]:
    for root in source_roots:
        for package in (SERVICES_PACKAGE, PLATFORM_PACKAGE):
            base = root / package
            if not base.is_dir():
                continue
            for path in sorted(base.rglob("*.py")):
                relative = path.relative_to(root).with_suffix("")
                parts = list(relative.parts)
                if parts[-1] == "__init__":
                    parts.pop()
                yield ".".join(parts), path


def _is_package_file(path: Path) -> bool:
    return path.name == "__init__.py"


# -- reading imports


def _imports(module: str, path: Path, known: set[str]) -> Iterator[_Import]:
    tree = ast.parse(path.read_bytes(), filename=str(path))
    package = module if _is_package_file(path) else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield _Import(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, package)
            for alias in node.names:
                yield _Import(_refine(base, alias.name, known), node.lineno)
        elif isinstance(node, ast.Call):
            dynamic = _dynamic_import(node)
            if dynamic is not None:
                yield _Import(dynamic, node.lineno)


def _absolute(module: str | None, level: int, package: str) -> str:
    if level == 0:
        return module or ""
    anchor = package.split(".") if package else []
    if level - 1 > len(anchor):
        return "." * level + (module or "")  # escapes the tree; reported as-is (never allowed)
    anchor = anchor[: len(anchor) - (level - 1)]
    return ".".join([*anchor, *([module] if module else [])])


def _refine(base: str, name: str, known: set[str]) -> str:
    """``from lms.user import domain`` imports the module ``lms.user.domain``, not ``lms.user``."""
    if name != "*" and f"{base}.{name}" in known:
        return f"{base}.{name}"
    return base


def _dynamic_import(call: ast.Call) -> str | None:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name not in {"import_module", "__import__"} or not call.args:
        return None
    first = call.args[0]
    # A relative name needs the ``package`` argument to resolve; literal absolute names suffice.
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        return None
    return None if first.value.startswith(".") else first.value


# -- module names


def _check_name(module: str, path: Path) -> Iterable[Violation]:
    if FORBIDDEN_MODULE_NAME in module.split("."):
        yield Violation("no-platform-module", module, module, path, 0)


def _check_source_root_tops(source_roots: Sequence[Path]) -> Iterator[Violation]:
    for root in source_roots:
        for shadow in (
            root / f"{FORBIDDEN_MODULE_NAME}.py",
            root / FORBIDDEN_MODULE_NAME / "__init__.py",
        ):
            if shadow.is_file():
                yield Violation("no-platform-module", FORBIDDEN_MODULE_NAME, str(shadow), shadow, 0)

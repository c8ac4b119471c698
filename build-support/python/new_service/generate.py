"""Create a new service's skeleton: BUILD files, the three layers, config, ioc and main on the
platform runtime, the Alembic environment with the messaging tables, the Dockerfile, the
integration conftest with health and contract tests, the docs page and the devstack entry (its
registry line and its main.py in the devstack BUILD's dependencies).

    ./pants run build-support/python/new_service -- course

Then write the domain (docs/adding-a-service.md says what comes next).
"""

from __future__ import annotations

import argparse
import datetime
import keyword
import re
import sys
from collections.abc import Iterator
from pathlib import Path

TEMPLATE = Path(__file__).parent / "template"
TEMPLATE_SUFFIX = ".tmpl"
DEVSTACK_REGISTRY = Path("src/python/lms/devstack/services.py")
DEVSTACK_BUILD = Path("src/python/lms/devstack/BUILD")
_NAME = re.compile(r"^[a-z][a-z0-9]{1,30}$")
_REGISTRY_END = "\n)\n"
# A service's entry point in the devstack BUILD's dependency list, one a line.
_DEVSTACK_DEPENDENCY = re.compile(
    r'^(?P<indent>[ \t]+)"src/python/lms/\w+/main\.py",[ \t]*\n', re.M
)
_INDENT = "    "


class GeneratorError(Exception):
    """The service cannot be generated as asked; the message says why."""


def render(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    leftover = re.search(r"\{\{\w+\}\}", text)
    if leftover:
        raise GeneratorError(f"template placeholder {leftover.group(0)} has no value")
    return text


def _template_files() -> Iterator[Path]:
    for path in sorted(TEMPLATE.rglob("*")):
        if path.is_file() and path.name.endswith(TEMPLATE_SUFFIX):
            yield path


def _target_name(template: Path) -> str:
    """``_BUILD.tmpl`` -> ``BUILD``, ``x.py.tmpl`` -> ``x.py``: stored under other names so that
    Pants, black and ruff do not read the templates as this repository's own files."""
    name = template.name.removesuffix(TEMPLATE_SUFFIX)
    return str(template.with_name("BUILD" if name == "_BUILD" else name))


def _next_port(registry: str) -> int:
    ports = [int(port) for port in re.findall(r"DevService\(\s*\"\w+\",\s*(\d+)", registry)]
    return max(ports, default=8000) + 1


def generate(name: str, root: Path, *, port: int | None = None) -> list[Path]:
    """Write the skeleton of service ``name`` under ``root``; returns the files written."""
    if not _NAME.fullmatch(name) or keyword.iskeyword(name) or name == "platform":
        raise GeneratorError(
            f"{name!r}: a service name is 2-31 lower-case letters or digits, starting with a "
            "letter (it becomes the package lms.<name> and the env prefix LMS_<NAME>_)"
        )
    service_dir = root / "src" / "python" / "lms" / name
    if service_dir.exists():
        raise GeneratorError(f"{service_dir} already exists")
    registry_path = root / DEVSTACK_REGISTRY
    registry = registry_path.read_text() if registry_path.exists() else ""
    build_path = root / DEVSTACK_BUILD
    chosen_port = port or _next_port(registry)
    # Everything is computed before anything is written: a refusal leaves the checkout as it was.
    edits: dict[Path, str] = {}
    if registry:
        edits[registry_path] = _register(registry, name, chosen_port)
    if build_path.exists():
        edits[build_path] = _add_devstack_dependency(build_path.read_text(), name)
    values = {
        "svc": name,
        "Svc": name.capitalize(),
        "SVC": name.upper(),
        "port": str(chosen_port),
        "date": datetime.date.today().isoformat(),
    }
    files: dict[Path, str] = {}
    for source in _template_files():
        target = root / render(_target_name(source.relative_to(TEMPLATE)), values)
        if target.exists():
            raise GeneratorError(f"{target} already exists")
        files[target] = render(source.read_text(), values)
    for path, text in {**files, **edits}.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return [*files, *edits]


def _register(registry: str, name: str, port: int) -> str:
    """Append the service to the devstack's SERVICES tuple (the last ``)`` of the file)."""
    head, separator, tail = registry.rpartition(_REGISTRY_END)
    if not separator:
        raise GeneratorError(f"{DEVSTACK_REGISTRY}: no SERVICES tuple to add to")
    return f'{head}\n{_INDENT}DevService("{name}", {port}),{separator}{tail}'


def _add_devstack_dependency(build: str, name: str) -> str:
    """Add the service's main.py after the last one the devstack BUILD depends on: the registry
    names each service by a module string, which Pants' import inference cannot follow."""
    entries = list(_DEVSTACK_DEPENDENCY.finditer(build))
    if not entries:
        raise GeneratorError(f"{DEVSTACK_BUILD}: no service main.py dependency to add after")
    last = entries[-1]
    entry = f'{last.group("indent")}"src/python/lms/{name}/main.py",\n'
    return build[: last.end()] + entry + build[last.end() :]


def _repo_root() -> Path:
    for directory in [Path.cwd(), *Path.cwd().parents]:
        if (directory / "pants.toml").is_file():
            return directory
    raise GeneratorError("run this from inside the repository (no pants.toml found)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="new_service", description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="the service's name, e.g. course")
    parser.add_argument("--port", type=int, help="its devstack port (default: the next free)")
    parser.add_argument("--root", type=Path, help="the repository root (default: found from here)")
    args = parser.parse_args(argv)
    try:
        root = args.root or _repo_root()
        written = generate(args.name, root, port=args.port)
    except GeneratorError as exc:
        print(f"new_service: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"  wrote {path.relative_to(root)}")
    print(
        f"\nService '{args.name}' created. Next: write its domain (docs/adding-a-service.md), then"
        f"\n  ./pants test tests/{args.name}::"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

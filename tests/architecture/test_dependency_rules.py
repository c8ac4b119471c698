"""The dependency rule holds for the real tree, and the checker provably catches breaches."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import textwrap
import tomllib
from pathlib import Path

import pytest

from tests.architecture.dependency_rules import Report, check

REPO = Path(__file__).resolve().parents[2]
DEFAULT_ROOTS = ("src/python", "src/python/platform", ".")


def _source_roots() -> list[Path]:
    """The roots Pants knows (literal patterns in pants.toml), plus the layout's fixed ones."""
    names = set(DEFAULT_ROOTS)
    pants_toml = REPO / "pants.toml"
    if pants_toml.is_file():
        patterns = tomllib.loads(pants_toml.read_text()).get("source", {}).get("root_patterns", [])
        names.update(p.strip("/") or "." for p in patterns if p.startswith("/") and "*" not in p)
    return sorted((REPO / name).resolve() for name in names)


def _found(report: Report) -> list[tuple[str, str, str]]:
    return [(v.rule, v.module, v.imported) for v in report.violations]


# -- the real tree


@pytest.fixture(scope="module")
def real_report() -> Report:
    return check(_source_roots())


def test_the_real_tree_has_no_violations(real_report: Report) -> None:
    assert real_report.violations == [], "\n" + str(real_report)


def test_the_real_tree_check_is_not_vacuous(real_report: Report) -> None:
    for layer in ("domain", "application", "kernel", "service-isolation", "platform-independence"):
        assert real_report.layers[layer] > 0, f"no module was checked against the {layer} rule"
    for module in (
        "lms.user.domain.model",
        "lms.user.domain.events",
        "lms.user.application.use_cases",
        "lms.user.application.ports",
        "lms_platform.kernel.principal",
    ):
        assert module in real_report.modules


def test_no_module_is_importable_as_platform_from_the_source_roots() -> None:
    assert not (REPO / "src/python/platform/__init__.py").exists()
    path = ":".join(str(root) for root in _source_roots())
    found = subprocess.run(
        [sys.executable, "-c", "import platform; print(platform.__file__)"],
        env={"PYTHONPATH": path, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(found).parent == Path(sysconfig.get_paths()["stdlib"])


# -- a temporary tree that mirrors the layout: src/ holds lms, src/platform holds lms_platform


_CLEAN_SOURCES = {
    "src/lms/__init__.py": "",
    "src/lms/a/__init__.py": "",
    "src/lms/a/domain/__init__.py": "",
    "src/lms/a/domain/model.py": """
        from __future__ import annotations
        import re
        from dataclasses import dataclass
        from lms_platform.kernel.errors import InvalidInput
        from lms_platform import kernel
        """,
    "src/lms/a/domain/events.py": """
        from . import model
        from .model import re
        from lms.a.domain.model import InvalidInput
        """,
    "src/lms/a/application/__init__.py": "",
    "src/lms/a/application/use_cases.py": """
        from typing import TYPE_CHECKING
        from lms_platform.kernel.errors import NotFound
        from lms.a.domain import model
        from ..domain.events import model as m
        from .ports import Port
        if TYPE_CHECKING:
            from collections.abc import Sequence
        """,
    "src/lms/a/application/ports.py": "from typing import Protocol\nclass Port(Protocol): ...\n",
    "src/lms/a/adapters/__init__.py": "",
    "src/lms/a/adapters/http.py": """
        import litestar
        from sqlalchemy import select
        from lms_platform.http import app
        from lms.a.application.use_cases import NotFound
        """,
    "src/lms/b/__init__.py": "",
    "src/lms/b/domain/__init__.py": "",
    "src/lms/b/domain/model.py": "import uuid\n",
    "src/lms/devstack/__init__.py": "",
    "src/lms/devstack/up.py": "from lms.a.adapters import http\nfrom lms.b.domain import model\n",
    "src/platform/lms_platform/__init__.py": "",
    "src/platform/lms_platform/kernel/__init__.py": "",
    "src/platform/lms_platform/kernel/errors.py": "from collections.abc import Mapping\n",
    "src/platform/lms_platform/http/__init__.py": "import litestar\nfrom lms_platform.kernel import errors\n",
}
CLEAN_TREE = {name: textwrap.dedent(text).lstrip() for name, text in _CLEAN_SOURCES.items()}


def _build(root: Path, extra: dict[str, str] | None = None) -> list[Path]:
    for name, text in {**CLEAN_TREE, **(extra or {})}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return [root / "src", root / "src/platform"]


def test_the_clean_tree_passes_and_names_modules_from_their_source_root(tmp_path: Path) -> None:
    report = check(_build(tmp_path))
    assert report.violations == [], str(report)
    assert {
        "lms.a.domain.model",
        "lms.a.application.use_cases",
        "lms_platform.kernel.errors",
    } <= set(report.modules)
    assert not any(module.startswith("platform") for module in report.modules)
    assert (report.layers["domain"], report.layers["application"]) == (5, 3)


def test_a_domain_module_importing_litestar_is_reported(tmp_path: Path) -> None:
    roots = _build(
        tmp_path,
        {
            "src/lms/a/domain/model.py": CLEAN_TREE["src/lms/a/domain/model.py"]
            + "import litestar\n"
        },
    )
    report = check(roots)
    assert _found(report) == [("domain", "lms.a.domain.model", "litestar")]
    assert report.violations[0].line == 6
    assert report.violations[0].path == tmp_path / "src/lms/a/domain/model.py"


def test_an_application_module_importing_sqlalchemy_is_reported(tmp_path: Path) -> None:
    roots = _build(
        tmp_path,
        {"src/lms/a/application/ports.py": "from sqlalchemy.ext.asyncio import AsyncSession\n"},
    )
    assert _found(check(roots)) == [
        ("application", "lms.a.application.ports", "sqlalchemy.ext.asyncio")
    ]


def test_a_service_importing_another_service_is_reported(tmp_path: Path) -> None:
    roots = _build(
        tmp_path,
        {
            "src/lms/a/adapters/http.py": CLEAN_TREE["src/lms/a/adapters/http.py"]
            + "from lms.b.domain.model import uuid\nimport lms.b\n"
        },
    )
    assert _found(check(roots)) == [
        ("service-isolation", "lms.a.adapters.http", "lms.b"),
        ("service-isolation", "lms.a.adapters.http", "lms.b.domain.model"),
    ]


@pytest.mark.parametrize(
    ("source", "imported"),
    [
        ("def load():\n    import redis\n", "redis"),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from litestar import Request\n",
            "litestar",
        ),
        ("try:\n    import msgspec\nexcept ImportError:\n    pass\n", "msgspec"),
        ("import importlib\nengine = importlib.import_module('sqlalchemy')\n", "sqlalchemy"),
        ("x = __import__('faststream')\n", "faststream"),
        ("from ..adapters import http\n", "lms.a.adapters.http"),
        ("from .. import adapters\n", "lms.a.adapters"),
        ("from ..application.use_cases import NotFound\n", "lms.a.application.use_cases"),
        ("from lms_platform import http\n", "lms_platform.http"),
        ("import lms_platform\n", "lms_platform"),
        ("from lms.b.domain import model\n", "lms.b.domain.model"),
    ],
    ids=[
        "inside-a-function",
        "under-type-checking",
        "optional-import",
        "import-module-literal",
        "dunder-import",
        "relative-into-adapters",
        "relative-package",
        "domain-to-own-application",
        "platform-non-kernel",
        "platform-root",
        "another-services-domain",
    ],
)
def test_every_kind_of_import_in_a_domain_module_counts(
    tmp_path: Path, source: str, imported: str
) -> None:
    roots = _build(tmp_path, {"src/lms/a/domain/extra.py": source})
    domain = [v for v in _found(check(roots)) if v[0] == "domain"]
    assert domain == [("domain", "lms.a.domain.extra", imported)]


def test_an_import_of_another_service_from_a_domain_breaks_two_rules(tmp_path: Path) -> None:
    roots = _build(tmp_path, {"src/lms/a/domain/extra.py": "import lms.b.domain.model\n"})
    assert _found(check(roots)) == [
        ("domain", "lms.a.domain.extra", "lms.b.domain.model"),
        ("service-isolation", "lms.a.domain.extra", "lms.b.domain.model"),
    ]


def test_application_may_not_import_its_own_adapters(tmp_path: Path) -> None:
    roots = _build(
        tmp_path, {"src/lms/a/application/wiring.py": "from ..adapters.http import app\n"}
    )
    assert _found(check(roots)) == [
        ("application", "lms.a.application.wiring", "lms.a.adapters.http")
    ]


def test_the_kernel_may_import_only_the_standard_library_and_itself(tmp_path: Path) -> None:
    roots = _build(
        tmp_path,
        {
            "src/platform/lms_platform/kernel/bad.py": (
                "import msgspec\nfrom lms_platform.http import app\nfrom . import errors\nimport json\n"
            )
        },
    )
    assert _found(check(roots)) == [
        ("kernel", "lms_platform.kernel.bad", "lms_platform.http"),
        ("kernel", "lms_platform.kernel.bad", "msgspec"),
    ]


def test_the_platform_may_not_import_a_service(tmp_path: Path) -> None:
    roots = _build(
        tmp_path, {"src/platform/lms_platform/http/users.py": "from lms.a.domain import model\n"}
    )
    assert _found(check(roots)) == [
        ("platform-independence", "lms_platform.http.users", "lms.a.domain.model")
    ]


@pytest.mark.parametrize(
    ("name", "module"),
    [
        ("src/platform/__init__.py", "platform"),
        ("src/platform.py", "platform"),
        ("src/platform/lms_platform/platform.py", "lms_platform.platform"),
        ("src/lms/a/platform/__init__.py", "lms.a.platform"),
    ],
)
def test_a_module_named_platform_is_reported(tmp_path: Path, name: str, module: str) -> None:
    roots = _build(tmp_path, {name: ""})
    assert [(rule, found) for rule, found, _ in _found(check(roots))] == [
        ("no-platform-module", module)
    ]


def test_an_unparseable_module_is_reported_not_skipped(tmp_path: Path) -> None:
    roots = _build(tmp_path, {"src/lms/a/domain/broken.py": "def broken(:\n"})
    assert [(rule, module) for rule, module, _ in _found(check(roots))] == [
        ("unparseable", "lms.a.domain.broken")
    ]


def test_a_copy_of_the_real_tree_fails_once_the_user_domain_imports_litestar(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "python"
    shutil.copytree(REPO / "src/python", copy, ignore=shutil.ignore_patterns("__pycache__"))
    model = copy / "lms/user/domain/model.py"
    model.write_text(model.read_text() + "\nfrom litestar import Litestar  # the forbidden edge\n")

    assert _found(check([copy, copy / "platform"])) == [
        ("domain", "lms.user.domain.model", "litestar")
    ]

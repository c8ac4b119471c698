"""The service generator: a service it makes starts on the runtime and passes its own generated
tests (health, readiness, outbox tables, migrations matching the models, problem details, its API
contract under schemathesis) against real servers; the devstack registry and BUILD gain it; and
the generator refuses names and places it must not write to."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from new_service.generate import GeneratorError, generate

REPO_FILES = ("src/python/lms/__init__.py", "tests/__init__.py", "tests/conftest.py")
REGISTRY = Path("src/python/lms/devstack/services.py")
DEVSTACK_BUILD = Path("src/python/lms/devstack/BUILD")


def _repo_root() -> Path:
    here = Path(__file__).resolve()
    return next(p for p in here.parents if (p / "tests" / "conftest.py").is_file())


@pytest.fixture
def scratch_repo(tmp_path: Path) -> Path:
    """Just enough of a checkout for the generated service: the package roots, the test root's
    conftest (the real-server fixtures) and the devstack registry it adds itself to."""
    root = _repo_root()
    for relative in (*REPO_FILES, str(REGISTRY), str(DEVSTACK_BUILD)):
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(root / relative, target)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\nasyncio_mode = "auto"\n'
        'asyncio_default_fixture_loop_scope = "function"\n'
    )
    return tmp_path


def test_a_generated_service_passes_its_own_tests(scratch_repo: Path) -> None:
    written = generate("demo", scratch_repo, port=8099)

    relative = {str(path.relative_to(scratch_repo)) for path in written}
    for expected in (
        "src/python/lms/demo/main.py",
        "src/python/lms/demo/ioc.py",
        "src/python/lms/demo/Dockerfile",
        "src/python/lms/demo/adapters/persistence/migrations/versions/0001_initial.py",
        "tests/demo/integration/conftest.py",
        "tests/demo/integration/test_contract.py",
        "tests/demo/integration/test_migrations.py",
        "docs/services/demo.md",
        str(REGISTRY),
        str(DEVSTACK_BUILD),
    ):
        assert expected in relative
    registry = (scratch_repo / REGISTRY).read_text()
    assert 'DevService("demo", 8099),' in registry
    compile(registry, str(REGISTRY), "exec")
    main = (scratch_repo / "src/python/lms/demo/main.py").read_text()
    assert len(main.splitlines()) < 60

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [
                str(scratch_repo),
                str(scratch_repo / "src" / "python"),
                *map(os.path.abspath, sys.path),
            ]
        ),
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "tests/demo"],
        cwd=scratch_repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout
    # its own schemathesis run (every check) found nothing
    assert "PASSED tests/demo/integration/test_contract.py" in result.stdout
    # its first migration (the frozen messaging-tables helper) builds what the models declare
    assert "PASSED tests/demo/integration/test_migrations.py" in result.stdout


@pytest.mark.parametrize("name", ["Course", "1course", "platform", "class", "a", "my-service"])
def test_bad_names_are_refused(scratch_repo: Path, name: str) -> None:
    with pytest.raises(GeneratorError):
        generate(name, scratch_repo)


def test_an_existing_service_is_never_overwritten(scratch_repo: Path) -> None:
    generate("demo", scratch_repo)
    before = [(scratch_repo / path).read_text() for path in (REGISTRY, DEVSTACK_BUILD)]
    with pytest.raises(GeneratorError, match="already exists"):
        generate("demo", scratch_repo)
    assert [(scratch_repo / path).read_text() for path in (REGISTRY, DEVSTACK_BUILD)] == before


def devstack_dependencies(build: str) -> list[str]:
    """The ``dependencies`` of the devstack BUILD's python_sources, read by running the file as
    Pants would, with the target types it uses recorded instead of defined."""
    sources: list[dict[str, object]] = []
    exec(  # the repository's own BUILD file, copied into the scratch checkout
        compile(build, str(DEVSTACK_BUILD), "exec"),
        {
            "python_sources": lambda **fields: sources.append(fields),
            "pex_binary": lambda **fields: None,
            "files": lambda **fields: None,
        },
    )
    [fields] = sources
    dependencies = fields["dependencies"]
    assert isinstance(dependencies, list)
    return dependencies


def test_the_devstack_build_depends_on_the_new_service(scratch_repo: Path) -> None:
    """services.py names each service by a module string, which Pants cannot infer: without the
    dependency, `./pants run src/python/lms/devstack:up` would lack the new service's code."""
    before = devstack_dependencies((scratch_repo / DEVSTACK_BUILD).read_text())
    assert "src/python/lms/user/main.py" in before

    generate("first", scratch_repo)
    generate("second", scratch_repo)

    after = devstack_dependencies((scratch_repo / DEVSTACK_BUILD).read_text())
    assert after == [
        *before,
        "src/python/lms/first/main.py",
        "src/python/lms/second/main.py",
    ]


def test_a_devstack_build_without_service_dependencies_is_refused_untouched(
    scratch_repo: Path,
) -> None:
    (scratch_repo / DEVSTACK_BUILD).write_text("python_sources()\n")
    with pytest.raises(GeneratorError, match="no service main.py dependency"):
        generate("demo", scratch_repo)
    assert not (scratch_repo / "src/python/lms/demo").exists()
    assert 'DevService("demo"' not in (scratch_repo / REGISTRY).read_text()


def test_ports_follow_the_registry(scratch_repo: Path) -> None:
    taken = [
        int(p)
        for p in re.findall(
            r"DevService\(\s*\"\w+\",\s*(\d+)", (scratch_repo / REGISTRY).read_text()
        )
    ]
    generate("first", scratch_repo)
    generate("second", scratch_repo)
    registry = (scratch_repo / REGISTRY).read_text()
    assert f'DevService("first", {max(taken) + 1}),' in registry
    assert f'DevService("second", {max(taken) + 2}),' in registry

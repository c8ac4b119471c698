"""Tools the suite needs beyond wheels, installed the way its servers are: found on the machine,
or installed by the fixture itself from Debian's packages or npm (saying so), so that the
README's test command passes on a bare machine. A failed install fails the test loudly."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
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
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(cache_dir), spec],
            check=True,
            capture_output=True,
        )
    return modules

"""The benchmark's own venv, the wrk binary and a description of the machine. Standard library
only: this runs before the venv exists."""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVICE_REQUIREMENTS = REPO_ROOT / "3rdparty" / "python" / "requirements.txt"
BENCH_REQUIREMENTS = Path(__file__).with_name("requirements.txt")
DEFAULT_VENV = Path.home() / ".cache" / "lms-benchmarks" / "user-venv"
PYTHONPATH = [REPO_ROOT / "src" / "python", REPO_ROOT / "src" / "python" / "platform", REPO_ROOT]
_STAMP = ".requirements-sha256"


def _requirements_digest() -> str:
    digest = hashlib.sha256()
    for path in (SERVICE_REQUIREMENTS, BENCH_REQUIREMENTS):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_venv(venv: Path) -> Path:
    """Create or update ``venv`` with the service's pinned requirements plus the benchmark's own;
    return its interpreter. Skipped when the requirement files did not change since last time."""
    python = venv / "bin" / "python"
    stamp = venv / _STAMP
    wanted = _requirements_digest()
    if python.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return python
    if not python.exists():
        print(f"[bench] creating venv {venv}", flush=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    print("[bench] installing requirements into the venv (first run only: ~2 min)", flush=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-r", str(SERVICE_REQUIREMENTS), "-r", str(BENCH_REQUIREMENTS)],
        check=True,
    )  # fmt: skip
    stamp.write_text(wanted + "\n")
    return python


def reexec_in_venv(venv: Path, argv: list[str]) -> None:
    """Replace this process with the runner inside ``venv`` (no-op when already there)."""
    venv = venv.resolve()
    if Path(sys.prefix).resolve() == venv:
        return
    python = ensure_venv(venv)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in PYTHONPATH)
    env["PYTHONUNBUFFERED"] = "1"
    os.execve(str(python), [str(python), "-m", "benchmarks.user.runner", *argv], env)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("[bench] wrk not found: installing it with apt-get", flush=True)
    install = ["apt-get", "install", "-y", "--no-install-recommends", "wrk"]
    if subprocess.run(install, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], check=True)
        subprocess.run(install, check=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is still not on PATH after apt-get install wrk")
    return found


def _first_line(command: list[str]) -> str:
    try:
        output = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError:
        return "not found"
    return (output.stdout or output.stderr).strip().splitlines()[0] if (output.stdout or output.stderr) else ""


def machine_description() -> dict[str, object]:
    cpu_model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
            break
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "os": _first_line(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
        "python": platform.python_version(),
        "wrk": _first_line(["wrk", "--version"]),
    }

"""Sampling profile of a server under load (py-spy record), summarised by platform concern.

Each sample is a Python stack. It is charged to the innermost frame that belongs to a known
concern (auth, DI, metrics, ...); stdlib and asyncio frames are skipped on the way up, so a
``uuid4()`` called by the observability middleware counts as observability. Samples with no
such frame are the event loop and the ASGI server themselves.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

# (concern, patterns on the frame's file path); the first match wins, so specific before generic.
CONCERNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("auth (bearer middleware, JWT)", ("lms_platform/http/auth.py", "lms_platform/security/", "jwt/", "cryptography/")),
    ("DI (dishka)", ("dishka/",)),
    ("metrics (prometheus-client)", ("prometheus_client/",)),
    ("tracing (OpenTelemetry)", ("opentelemetry/",)),
    ("logging (structlog access log)", ("structlog/", "lms_platform/logging/")),
    ("observability middleware (own code)", ("lms_platform/http/observability.py",)),
    ("cache (redis-py)", ("redis/", "lms/user/adapters/cache/")),
    ("ORM / database (SQLAlchemy, asyncpg)", ("sqlalchemy/", "advanced_alchemy/", "asyncpg/", "lms/user/adapters/persistence/", "lms_platform/persistence/")),
    ("Kafka (relay, consumers)", ("aiokafka/", "faststream/", "lms_platform/messaging/")),
    ("use case, domain, controller", ("lms/user/application/", "lms/user/domain/", "lms/user/adapters/http/", "lms_platform/kernel/")),
    ("serialization (response encoding)", ("litestar/serialization/", "litestar/response/", "msgspec/")),
    ("framework (Litestar routing, params, middleware)", ("litestar/",)),
    ("reference app code", ("benchmarks/user/apps/",)),
    ("FastAPI / Starlette / pydantic", ("fastapi/", "starlette/", "pydantic/", "pydantic_core/")),
    ("ASGI server (uvicorn, httptools)", ("uvicorn/", "httptools/")),
)
EVENT_LOOP = "event loop, asyncio, stdlib (no concern above)"
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def py_spy_binary() -> str:
    candidate = Path(sys.executable).with_name("py-spy")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("py-spy")
    if not found:
        raise RuntimeError("py-spy is not installed in the benchmark venv")
    return found


def start_py_spy(pid: int, output: Path, duration_s: int, rate_hz: int = 100) -> subprocess.Popen[bytes]:
    """Sample ``pid`` for ``duration_s``. Blocking mode (py-spy pauses the process for each
    sample): non-blocking sampling of a busy event loop tears stacks apart, and at 100 Hz the
    pauses cost the server about 1 % of its time."""
    return subprocess.Popen(
        [
            py_spy_binary(), "record",
            "--pid", str(pid),
            "--duration", str(duration_s),
            "--rate", str(rate_hz),
            "--full-filenames",  # classified by package path; shortened for display here
            "--format", "raw",
            "--output", str(output),
        ],  # fmt: skip
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _parse_frame(frame: str) -> tuple[str, str]:
    match = _FRAME.match(frame)
    if match is None:
        return frame, ""
    return match.group("function"), match.group("file")


def classify(files: list[str]) -> str:
    """``files`` from the root of the stack to the leaf."""
    for file in reversed(files):
        normalized = file.replace("\\", "/")
        for concern, patterns in CONCERNS:
            if any(pattern in normalized for pattern in patterns):
                return concern
    return EVENT_LOOP


def summarize(raw_path: Path, *, top: int = 25) -> dict[str, Any]:
    """Samples by concern, plus the top functions by self and by inclusive samples."""
    by_concern: Counter[str] = Counter()
    self_samples: Counter[str] = Counter()
    inclusive_samples: Counter[str] = Counter()
    total = 0
    for line in raw_path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_parse_frame(f) for f in stack.split(";")]
        frames = [(function, file) for function, file in frames if file]  # drop thread/process labels
        if not frames:
            continue
        total += count
        by_concern[classify([file for _, file in frames])] += count
        leaf_function, leaf_file = frames[-1]
        self_samples[f"{leaf_function} ({_short(leaf_file)})"] += count
        for label in {f"{function} ({_short(file)})" for function, file in frames}:
            inclusive_samples[label] += count
    share = (lambda n: round(100.0 * n / total, 1)) if total else (lambda n: 0.0)
    return {
        "samples": total,
        "by_concern": [
            {"concern": concern, "samples": n, "percent": share(n)}
            for concern, n in by_concern.most_common()
        ],
        "top_self": [
            {"frame": frame, "samples": n, "percent": share(n)} for frame, n in self_samples.most_common(top)
        ],
        "top_inclusive": [
            {"frame": frame, "samples": n, "percent": share(n)}
            for frame, n in inclusive_samples.most_common(top)
        ],
    }


def _short(file: str) -> str:
    """Paths from site-packages or the repo, without the machine-specific prefix."""
    for marker in ("site-packages/", "src/python/platform/", "src/python/"):
        if marker in file:
            return file.split(marker, 1)[1]
    stdlib = re.search(r"lib/python3\.\d+/(.*)$", file)
    return f"stdlib/{stdlib.group(1)}" if stdlib else file

"""Messages between a service and its template worker: msgpack frames, each behind its 4-byte
length, over the worker's stdin and stdout. msgpack rather than pickle: decoding a frame from
a worker that a template managed to subvert must not run code in the service."""

from __future__ import annotations

import os
import sys
from typing import IO, Any

import msgspec

# Started by name, not imported: nothing in the package imports the worker, so running it as
# ``__main__`` does not find a second copy of itself already loaded.
WORKER_MODULE = "lms_platform.templating.worker"
MAX_FRAME = 16 * 1024 * 1024  # far above any rendered part; a bigger length is a broken worker


def worker_command() -> list[str]:
    return [sys.executable, "-m", WORKER_MODULE]


def worker_environment() -> dict[str, str]:
    """Only the import path: the worker must not hold the service's secrets."""
    return {"PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}


class Start(msgspec.Struct, tag="start", kw_only=True):
    max_output_chars: int
    max_value_chars: int
    timeout_seconds: float
    memory_bytes: int  # address space the worker may add to what it uses once started
    html_parts: list[str]  # the parts that are autoescaped


class Ready(msgspec.Struct, tag="ready"):
    pass


class CheckPart(msgspec.Struct, tag="check", kw_only=True):
    part: str
    source: str
    allowed: list[str]
    seconds: float  # what is left of the render's time


class RenderPart(msgspec.Struct, tag="render", kw_only=True):
    part: str
    source: str
    variables: dict[str, Any]
    seconds: float


class Done(msgspec.Struct, tag="done"):
    text: str


class Refused(msgspec.Struct, tag="refused", kw_only=True):
    detail: str
    part: str
    line: int | None
    worker_exits: bool = False  # it ran out of memory: a fresh worker takes the next job


ToWorker = Start | CheckPart | RenderPart
FromWorker = Ready | Done | Refused

_encoder = msgspec.msgpack.Encoder()


def frame(message: msgspec.Struct) -> bytes:
    payload = _encoder.encode(message)
    return len(payload).to_bytes(4, "big") + payload


def frame_length(header: bytes) -> int:
    length = int.from_bytes(header, "big")
    if length > MAX_FRAME:
        raise ValueError(f"a frame of {length} bytes is over the limit")
    return length


def read_frame(stream: IO[bytes]) -> bytes | None:
    """The next payload, or None at the end of the stream (the service closed it)."""
    header = stream.read(4)
    if len(header) < 4:
        return None
    return stream.read(frame_length(header))

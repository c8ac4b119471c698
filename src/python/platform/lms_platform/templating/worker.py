"""A template worker process: ``python -m lms_platform.templating.worker``, started and fed
by ``pool``. It checks and renders one part at a time under hard limits that no
template can get around, because the kernel enforces them:

- ``RLIMIT_AS``: its address space may grow by ``Start.memory_bytes`` past its size once
  started, so an allocation beyond that fails here (``MemoryError``), never in the service;
  after one, the worker answers and exits, and a fresh one takes the next job;
- ``RLIMIT_CPU``: before each job the soft limit is set to the CPU time used so far plus the
  job's seconds (rounded up) plus one, so a loop that never reaches a sandbox hook still ends:
  the kernel kills the process with SIGXCPU. The service kills it sooner, on its wall clock;
- a nice value of 10: where the CPU is short, the service's requests go first.
"""

from __future__ import annotations

import math
import os
import re
import resource
import sys
from typing import IO

import msgspec

from lms_platform.templating.engine import TemplateEngine
from lms_platform.templating.limits import TemplateLimits, TemplateRefused, time_limit
from lms_platform.templating.protocol import (
    CheckPart,
    Done,
    Ready,
    Refused,
    RenderPart,
    Start,
    ToWorker,
    frame,
    read_frame,
)

_NICENESS = 10
_decoder = msgspec.msgpack.Decoder(ToWorker)


def _address_space_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        found = re.search(r"^VmSize:\s+(\d+) kB", status.read(), re.MULTILINE)
    if found is None:
        raise RuntimeError("cannot read VmSize from /proc/self/status")
    return int(found.group(1)) * 1024


def _limit_memory(extra_bytes: int) -> None:
    ceiling = _address_space_bytes() + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))


def _limit_cpu(seconds: float) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + seconds) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _run(engine: TemplateEngine, job: CheckPart | RenderPart) -> Done | Refused:
    try:
        with time_limit(job.seconds):
            if isinstance(job, CheckPart):
                engine.check_part(job.part, job.source, frozenset(job.allowed))
                return Done(text="")
            return Done(text=engine.render_part(job.part, job.source, job.variables))
    except TemplateRefused as refused:
        return Refused(
            detail=refused.detail,
            part=refused.part,
            line=refused.line,
            worker_exits=isinstance(refused.__cause__, MemoryError),
        )
    except MemoryError:
        return Refused(
            detail=f"{job.part}: rendering needs more memory than allowed",
            part=job.part,
            line=None,
            worker_exits=True,
        )


def serve(inbox: IO[bytes], outbox: IO[bytes]) -> None:
    def send(message: Ready | Done | Refused) -> None:
        outbox.write(frame(message))
        outbox.flush()

    first = read_frame(inbox)
    if first is None:
        return
    start = _decoder.decode(first)
    if not isinstance(start, Start):
        raise RuntimeError(f"expected a start message, got {type(start).__name__}")
    engine = TemplateEngine(
        TemplateLimits(
            max_output_chars=start.max_output_chars,
            max_value_chars=start.max_value_chars,
            timeout_seconds=start.timeout_seconds,
        ),
        html_parts=frozenset(start.html_parts),
    )
    _limit_memory(start.memory_bytes)
    os.nice(_NICENESS)
    send(Ready())
    while (payload := read_frame(inbox)) is not None:
        job = _decoder.decode(payload)
        if not isinstance(job, (CheckPart, RenderPart)):
            raise RuntimeError(f"expected a job, got {type(job).__name__}")
        _limit_cpu(job.seconds)
        outcome = _run(engine, job)
        send(outcome)
        if isinstance(outcome, Refused) and outcome.worker_exits:
            return


def main() -> None:
    inbox = sys.stdin.buffer
    # The protocol owns the real stdout; anything printed by accident goes to stderr.
    outbox = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(inbox, outbox)


if __name__ == "__main__":
    main()

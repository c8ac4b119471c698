"""``TemplateSandbox``: the engine runs in a few worker processes (``worker.py``), never on the
event loop and never in the service's memory. Use it for every template a user wrote.

Why processes and not a thread: a thread cannot be stopped, and it shares the service's memory.
The sandbox's hooks see most ways a template spends, but not all (a loop with an empty body
calls none; one C call can allocate a lot), so the only limits that hold whatever the template
does are the kernel's, on a process: ``RLIMIT_AS`` and ``RLIMIT_CPU`` in the worker, and here a
wall clock after which the worker is killed and a new one started for the next render.

Each check or render holds one worker for all its parts, with one deadline for all of them. At most
``workers`` renders run at once; more wait for a worker, first come first served.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import msgspec
import structlog

from lms_platform.templating.engine import HTML_PARTS
from lms_platform.templating.limits import TemplateLimits, TemplateRefused
from lms_platform.templating.protocol import (
    CheckPart,
    Done,
    FromWorker,
    Ready,
    Refused,
    RenderPart,
    Start,
    frame,
    frame_length,
    worker_command,
    worker_environment,
)

_GRACE_SECONDS = 0.5  # the worker's own deadline fires first and names the line
_START_SECONDS = 30.0  # a busy machine can take seconds to start an interpreter
_STOP_SECONDS = 2.0
_decoder = msgspec.msgpack.Decoder(FromWorker)
_log = structlog.get_logger("lms_platform.templating")


class _WorkerLost(Exception):
    pass


class _Worker:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process
        self._usable = True

    @classmethod
    async def start(cls, start: Start) -> _Worker:
        process = await asyncio.create_subprocess_exec(
            *worker_command(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=worker_environment(),
        )
        started = cls(process)
        try:
            reply = await asyncio.wait_for(started.ask(start), _START_SECONDS)
            if not isinstance(reply, Ready):
                raise _WorkerLost(f"answered {type(reply).__name__} to start")
        except Exception as exc:
            await started.kill()
            raise RuntimeError("a template worker did not start") from exc
        except BaseException:  # cancelled while starting
            await started.kill()
            raise
        return started

    @property
    def usable(self) -> bool:
        return self._usable and self._process.returncode is None

    async def ask(self, message: msgspec.Struct) -> FromWorker:
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(frame(message))
            await stdin.drain()
            header = await stdout.readexactly(4)
            payload = await stdout.readexactly(frame_length(header))
            return _decoder.decode(payload)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError) as exc:
            self._usable = False
            raise _WorkerLost(str(exc)) from exc

    async def exit_code(self) -> int | None:
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(self._process.wait(), _STOP_SECONDS)
        return None

    async def kill(self) -> None:
        self._usable = False
        if self._process.returncode is None:
            self._process.kill()
        await self._process.wait()

    async def stop(self) -> None:
        self._usable = False
        if self._process.stdin is not None:
            self._process.stdin.close()  # the worker ends at the end of its input
        if await self.exit_code() is None:
            await self.kill()


class TemplateSandbox:
    """``check`` and ``render`` take a template as its named parts (``{"subject": ...}``) and
    raise ``TemplateRefused``; ``aclose`` stops the workers."""

    def __init__(
        self,
        limits: TemplateLimits | None = None,
        *,
        workers: int = 2,
        memory_mib: int = 256,
        html_parts: frozenset[str] = HTML_PARTS,
    ) -> None:
        if workers < 1:
            raise ValueError("at least one template worker is needed")
        self.limits = limits = limits or TemplateLimits()
        self._start = Start(
            max_output_chars=limits.max_output_chars,
            max_value_chars=limits.max_value_chars,
            timeout_seconds=limits.timeout_seconds,
            memory_bytes=memory_mib * 1024 * 1024,
            html_parts=sorted(html_parts),
        )
        self._slots = asyncio.Semaphore(workers)
        self._idle: list[_Worker] = []
        self._closed = False

    async def check(self, parts: Mapping[str, str], allowed: frozenset[str]) -> None:
        names = sorted(allowed)
        async with self._render() as run:
            for part, source in parts.items():
                await run(CheckPart(part=part, source=source, allowed=names, seconds=0.0))

    async def render(
        self, parts: Mapping[str, str], variables: Mapping[str, Any]
    ) -> dict[str, str]:
        plain = dict(variables)  # encoded for the worker, which thus gets its own copy
        texts: dict[str, str] = {}
        async with self._render() as run:
            for part, source in parts.items():
                job = RenderPart(part=part, source=source, variables=plain, seconds=0.0)
                texts[part] = await run(job)
        return texts

    async def aclose(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        await asyncio.gather(*(worker.stop() for worker in idle))

    @contextlib.asynccontextmanager
    async def _render(self) -> AsyncIterator[Callable[[CheckPart | RenderPart], Awaitable[str]]]:
        if self._closed:
            raise RuntimeError("the template renderer is closed")
        async with self._slots:
            worker = self._idle.pop() if self._idle else await _Worker.start(self._start)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.limits.timeout_seconds

            async def run(job: CheckPart | RenderPart) -> str:
                left = deadline - loop.time()
                if left <= 0:
                    raise self._too_slow(job.part)
                job = msgspec.structs.replace(job, seconds=left)
                return await self._ask(worker, job.part, job, left)

            try:
                yield run
            finally:
                if worker.usable and not self._closed:
                    self._idle.append(worker)
                else:
                    await worker.kill()

    async def _ask(self, worker: _Worker, part: str, job: msgspec.Struct, left: float) -> str:
        try:
            reply = await asyncio.wait_for(worker.ask(job), left + _GRACE_SECONDS)
        except TimeoutError:
            await worker.kill()
            raise self._too_slow(part) from None
        except _WorkerLost:
            raise await self._lost(worker, part) from None
        except BaseException:
            await worker.kill()  # cancelled mid-job: its late answer must not reach another
            raise
        if isinstance(reply, Refused):
            if reply.worker_exits:
                await worker.kill()
            raise TemplateRefused(reply.detail, part=reply.part, line=reply.line)
        if not isinstance(reply, Done):
            await worker.kill()
            raise RuntimeError(f"a template worker answered {type(reply).__name__} to a job")
        return reply.text

    def _too_slow(self, part: str) -> TemplateRefused:
        seconds = self.limits.timeout_seconds
        return TemplateRefused(
            f"{part}: rendering took longer than {seconds:g} s", part=part, line=None
        )

    async def _lost(self, worker: _Worker, part: str) -> TemplateRefused:
        code = await worker.exit_code()
        await worker.kill()
        _log.warning("template_worker_lost", part=part, exit_code=code)
        if code == -signal.SIGXCPU:
            detail = f"{part}: rendering used more CPU time than allowed"
        else:
            detail = f"{part}: rendering stopped its worker (too much memory or time)"
        return TemplateRefused(detail, part=part, line=None)

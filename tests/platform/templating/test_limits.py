"""Time and memory, bounded by the worker processes: what a template costs is measured on this
process's own memory (peak RSS, reset through /proc/self/clear_refs) and on its event loop."""

from __future__ import annotations

import asyncio
import ctypes
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from lms_platform.templating import TemplateLimits, TemplateRefused, TemplateSandbox
from lms_platform.templating.protocol import (
    RenderPart,
    Start,
    frame,
    worker_command,
    worker_environment,
)
from tests.platform.templating.conftest import ALLOWED, SAMPLE, email

# Each line doubles the name: 12 characters become 50 million, printed only as a length, so
# an output cap alone never fires.
DOUBLING = "{% set a = display_name %}\n" + "{% set a = a ~ a %}\n" * 22 + "{{ a|length }}"
# 324 million empty loop rounds (about 20 s here): no sandbox hook runs inside them.
CPU_LOOP = (
    "{% set s = display_name * 1500 %}"
    "{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}done"
)
PEAK_GROWTH_MIB = 16  # what a refused render may add to this process's peak


def _status(field: str, pid: str = "self") -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    assert found is not None, f"no {field} in /proc/{pid}/status"
    return int(found.group(1)) // 1024


def _reset_peak_rss() -> int:
    # Give freed heap pages back first: reused, they would hide an allocation from the peak.
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM starts again from VmRSS
    return _status("VmHWM")


def _worker_children() -> dict[int, bytes]:
    """This process's template workers: pid → environment."""
    found: dict[int, bytes] = {}
    for task in Path("/proc/self/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                if worker_command()[-1].encode() in command:
                    found[int(pid)] = Path(f"/proc/{pid}/environ").read_bytes()
            except FileNotFoundError:  # it exited meanwhile
                continue
    return found


async def test_a_doubling_bomb_is_refused_at_once_and_costs_this_process_no_memory() -> None:
    sandbox = TemplateSandbox(workers=1)
    try:
        await sandbox.render(email(), SAMPLE)  # the worker is started
        before = _reset_peak_rss()
        started = time.monotonic()
        with pytest.raises(TemplateRefused) as caught:
            await sandbox.render(email(text=DOUBLING), SAMPLE)
        elapsed, growth = time.monotonic() - started, _status("VmHWM") - before
    finally:
        await sandbox.aclose()
    assert growth < PEAK_GROWTH_MIB and elapsed < 5, f"+{growth} MiB in {elapsed:.2f} s"
    assert "longer than 100000 characters" in caught.value.detail
    assert (caught.value.part, caught.value.line) == ("text_body", 15)


async def test_a_cpu_loop_is_cut_at_the_time_limit_while_the_event_loop_keeps_running() -> None:
    sandbox = TemplateSandbox(TemplateLimits(timeout_seconds=1.0), workers=1)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    ticker = asyncio.create_task(tick())
    started = time.monotonic()
    try:
        with pytest.raises(TemplateRefused) as caught:
            await sandbox.render(email(text=CPU_LOOP), SAMPLE)
        elapsed = time.monotonic() - started
        # The killed worker is replaced: the next render works.
        after = await sandbox.render(email(text="Hi {{ display_name }}"), SAMPLE)
    finally:
        ticker.cancel()
        await sandbox.aclose()
    assert "took longer than 1 s" in caught.value.detail and caught.value.line is None
    # The limit, the grace before the kill, a worker start: about 2 s; margin for a loaded box.
    assert elapsed < 1 + 6, f"answered after {elapsed:.1f} s"
    assert ticks >= elapsed / 0.05 / 4, f"the event loop ran {ticks} times in {elapsed:.1f} s"
    assert after["text_body"] == "Hi Ada Lovelace"


async def test_memory_is_bounded_by_the_worker_not_by_the_size_checks() -> None:
    # Size checks off: only the worker's address-space limit stands between the template and
    # 800 MB.
    unchecked = TemplateLimits(max_output_chars=10**12, max_value_chars=10**12)
    sandbox = TemplateSandbox(unchecked, workers=1, memory_mib=64)
    bomb = email(text="{% set a = display_name %}" + "{% set a = a ~ a %}" * 26)
    try:
        before = _reset_peak_rss()
        with pytest.raises(TemplateRefused) as caught:
            await sandbox.render(bomb, SAMPLE)
        assert "more memory than allowed" in caught.value.detail
        assert _status("VmHWM") - before < PEAK_GROWTH_MIB
        assert (await sandbox.render(email(text="{{ email }}"), SAMPLE))["text_body"] == (
            "ada@example.edu"
        )
        workers = _worker_children()
        assert len(workers) == 1
        # The worker runs without the service's environment, secrets included.
        environ = next(iter(workers.values())).split(b"\0")
        assert [entry.split(b"=")[0] for entry in environ if entry] == [b"PYTHONPATH"]
    finally:
        await sandbox.aclose()
    assert _worker_children() == {}


async def test_renders_beyond_the_workers_wait_for_one_and_all_finish() -> None:
    sandbox = TemplateSandbox(workers=2)
    try:
        names = [f"Person {n}" for n in range(8)]
        rendered = await asyncio.gather(
            *(sandbox.render(email(text="{{ display_name }}"), {**SAMPLE, "display_name": n})
              for n in names)
        )  # fmt: skip
        await sandbox.check(email(), ALLOWED)
        assert len(_worker_children()) <= 2
    finally:
        await sandbox.aclose()
    assert [r["text_body"] for r in rendered] == names


async def test_a_closed_sandbox_refuses_work() -> None:
    sandbox = TemplateSandbox(workers=1)
    await sandbox.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await sandbox.render(email(), SAMPLE)


def test_a_worker_left_alone_in_a_loop_is_killed_by_its_cpu_limit() -> None:
    # The pool kills a worker at its wall clock; RLIMIT_CPU is the kernel's backstop for a
    # caller that does not (here nobody does).
    loop = RenderPart(
        part="text_body",
        source="{% set s = email * 9000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
        variables={"email": "ada@example.edu"},
        seconds=1.0,
    )  # 1.8e10 rounds: hours, were it not stopped
    start = Start(
        max_output_chars=10**6,
        max_value_chars=10**6,
        timeout_seconds=60,
        memory_bytes=2**28,
        html_parts=["html_body"],
    )
    with subprocess.Popen(
        worker_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=worker_environment()
    ) as process:
        assert process.stdin is not None
        try:
            process.stdin.write(frame(start) + frame(loop))
            process.stdin.flush()
            # About 3 s of CPU: its start-up, the job's second rounded up, one more.
            code = process.wait(timeout=60)
        finally:
            process.kill()
    assert code == -signal.SIGXCPU

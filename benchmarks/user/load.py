"""Running wrk against one server, and accounting where the machine's CPU went meanwhile.

The CPU accounting is what makes a run trustworthy on a shared 2-core machine: it shows how
much CPU the server, PostgreSQL, Redis, wrk and the harness used, and how much went to
processes that are not part of the benchmark ("other"), which must stay near zero.
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LUA_SCRIPT = Path(__file__).with_name("users.lua")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class WrkSettings:
    threads: int = 2
    connections: int = 64
    duration_s: int = 20
    timeout_s: int = 2

    def command(self, wrk: str, url: str, pairs: Path, duration_s: int | None = None) -> list[str]:
        return [
            wrk,
            f"-t{self.threads}",
            f"-c{self.connections}",
            f"-d{duration_s or self.duration_s}s",
            f"--timeout={self.timeout_s}s",
            "--latency",
            "-s", str(LUA_SCRIPT),
            url,
            "--", str(pairs),
        ]  # fmt: skip

    def display(self, pairs_name: str = "pairs.txt") -> str:
        return (
            f"wrk -t{self.threads} -c{self.connections} -d{self.duration_s}s "
            f"--timeout={self.timeout_s}s --latency -s benchmarks/user/users.lua "
            f"http://127.0.0.1:PORT -- {pairs_name}"
        )


# --- CPU accounting from /proc ----------------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _process_table() -> dict[int, tuple[int, int, int, int]]:
    """pid -> (ppid, process group, own CPU ticks, reaped children's CPU ticks)."""
    table = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None:
                own = int(fields[11]) + int(fields[12])  # utime, stime
                reaped = int(fields[13]) + int(fields[14])  # cutime, cstime
                table[int(entry.name)] = (int(fields[1]), int(fields[2]), own, reaped)
    return table


def _tree_cpu_seconds(root: int, table: dict[int, tuple[int, int, int, int]]) -> float:
    """CPU of ``root``, its live descendants and its process group, plus the children it already
    reaped. Descendants matter: PostgreSQL backends call setsid(), leaving the group."""
    members = {pid for pid, (_, group, _, _) in table.items() if group == root}
    members.add(root)
    changed = True
    while changed:
        children = {pid for pid, (parent, _, _, _) in table.items() if parent in members}
        changed = not children <= members
        members |= children
    ticks = sum(table[pid][2] for pid in members if pid in table)
    ticks += table[root][3] if root in table else 0
    return ticks / _CLOCK_TICKS


def _machine_seconds() -> dict[str, float]:
    """CPU seconds of the whole machine since boot: busy in processes, in interrupts (on this
    loopback benchmark, mostly the network stack carrying our own traffic), stolen by the
    hypervisor, and in total."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = values[:8]
    return {
        "_processes": (user + nice + system) / _CLOCK_TICKS,
        "_interrupts": (irq + softirq) / _CLOCK_TICKS,
        "_steal": steal / _CLOCK_TICKS,
        "_total": (user + nice + system + idle + iowait + irq + softirq + steal) / _CLOCK_TICKS,
    }


def load_average() -> list[float]:
    return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]


class CpuAccount:
    """Snapshot CPU before and after a window; ``groups`` maps a name to the pid at the root of
    a process tree (a server we started in its own session)."""

    def __init__(self, groups: Mapping[str, int]) -> None:
        self._groups = dict(groups)
        self._start = self._snapshot()
        self._began = time.monotonic()

    def _snapshot(self) -> dict[str, float]:
        table = _process_table()
        snapshot = {name: _tree_cpu_seconds(root, table) for name, root in self._groups.items()}
        snapshot.update(_machine_seconds())
        snapshot["_children"] = _rusage_seconds(resource.RUSAGE_CHILDREN)
        snapshot["_self"] = _rusage_seconds(resource.RUSAGE_SELF)
        return snapshot

    def finish(self) -> dict[str, Any]:
        """Cores used by each part over the window (1.0 = one core fully busy)."""
        end = self._snapshot()
        wall = time.monotonic() - self._began
        delta = {k: end[k] - self._start[k] for k in end}
        cores = {name: delta[name] / wall for name in self._groups}
        cores["wrk"] = delta["_children"] / wall  # the only child reaped in the window
        cores["harness"] = delta["_self"] / wall  # this runner: Kafka forwarder thread, JWKS
        # "other": CPU of processes that are not part of the benchmark (other people's work).
        cores["other"] = max(0.0, delta["_processes"] / wall - sum(cores.values()))
        cores["interrupts"] = delta["_interrupts"] / wall
        cores["steal"] = delta["_steal"] / wall
        return {
            "wall_s": round(wall, 2),
            "cores_used": {k: round(v, 3) for k, v in cores.items()},
            "machine_busy_cores": round(
                (delta["_processes"] + delta["_interrupts"] + delta["_steal"]) / wall, 3
            ),
            "machine_cores": round(delta["_total"] / wall, 2),
        }


def _rusage_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


# --- wrk ----------------------------------------------------------------------------------------

_LATENCY_LINE = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$")
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output: str) -> dict[str, Any]:
    """wrk's report: the exact numbers from our Lua ``done()`` line, plus its own text lines."""
    match = re.search(r"^WRK_JSON (\{.*\})$", output, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"wrk printed no WRK_JSON line:\n{output}")
    raw = json.loads(match.group(1))
    latency = raw["latency_us"]
    errors = raw["errors"]
    socket_errors = errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]
    non_2xx = 0
    non_2xx_match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx_match:
        non_2xx = int(non_2xx_match.group(1))
    text_percentiles = {
        f"p{m.group(1)}": float(m.group(2)) * _UNITS_MS[m.group(3)]
        for m in map(_LATENCY_LINE.match, output.splitlines())
        if m
    }
    seconds = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "duration_s": round(seconds, 3),
        "rps": round(raw["requests"] / seconds, 1),
        "latency_ms": {
            key: round(latency[key] / 1000, 2)
            for key in ("p50", "p75", "p90", "p99", "p99_9", "mean", "max", "stdev")
        },
        "latency_ms_wrk_text": text_percentiles,
        "socket_errors": {k: errors[k] for k in ("connect", "read", "write", "timeout")},
        "socket_errors_total": socket_errors,
        "non_2xx": max(non_2xx, errors["status"]),
        "transfer_bytes": raw["bytes"],
    }


def run_wrk(
    command: list[str], *, timeout_s: float, account_groups: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """Run wrk to completion (it stops by itself after -d); kill it if it overstays."""
    account = CpuAccount(account_groups) if account_groups is not None else None
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        output, _ = process.communicate(timeout=timeout_s)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"wrk exited with {process.returncode}:\n{output}")
    result = parse_wrk(output)
    result["wrk_output"] = output
    if account is not None:
        result["cpu"] = account.finish()
    return result

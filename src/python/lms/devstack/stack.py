"""Process plumbing of the devstack: progress lines, child processes, readiness, ports."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

T = TypeVar("T")
HOST = "127.0.0.1"


class Progress:
    """One line per step: ``[2/7] Starting Redis ... ok (0.1 s)``."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0

    def step(self, label: str, action: Callable[[], T]) -> T:
        self.done += 1
        print(f"[{self.done}/{self.total}] {label} ...", end=" ", flush=True)
        started = time.perf_counter()
        try:
            result = action()
        except BaseException:
            print("FAILED", flush=True)
            raise
        print(f"ok ({time.perf_counter() - started:.1f} s)", flush=True)
        return result


def free_port(preferred: int) -> int:
    """``preferred`` when it is free, else any free port."""
    with socket.socket() as probe:
        try:
            probe.bind((HOST, preferred))
            return preferred
        except OSError:
            probe.bind((HOST, 0))
            return int(probe.getsockname()[1])


@dataclass
class Devstack:
    workdir: Path
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def log_path(self, name: str) -> Path:
        path = self.workdir / "logs" / f"{name}.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    @staticmethod
    def child_env(env: dict[str, str]) -> dict[str, str]:
        # The child sees the same modules as this process (a PEX or a source checkout).
        return {**os.environ, **env, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}

    def service_process(
        self, name: str, module: str, env: dict[str, str], command: str = "serve"
    ) -> subprocess.Popen[bytes]:
        log = self.log_path(name).open("ab")
        self.stack.callback(log.close)
        process = subprocess.Popen(
            [sys.executable, "-m", module, command],
            env=self.child_env(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us only; we stop children in order
        )
        self.processes.append(process)
        self.stack.callback(self._stop_process, process)
        return process

    def one_shot(self, name: str, module: str, command: str, env: dict[str, str]) -> None:
        """``python -m <module> <command>`` to completion (migrate, bootstrap)."""
        log_path = self.log_path(name)
        with log_path.open("ab") as log:
            result = subprocess.run(
                [sys.executable, "-m", module, command],
                env=self.child_env(env),
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=120,
            )
        if result.returncode != 0:
            raise RuntimeError(
                f"{module} {command} exited with {result.returncode}\n{tail(log_path)}"
            )

    @staticmethod
    def _stop_process(process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def wait_for_ctrl_c(self) -> None:
        stop = {"requested": False}

        def request_stop(*_: Any) -> None:
            stop["requested"] = True

        signal.signal(signal.SIGTERM, request_stop)
        try:
            while not stop["requested"]:
                for process in self.processes:
                    if process.poll() is not None:
                        print(
                            f"A service exited with code {process.returncode}; stopping.",
                            flush=True,
                        )
                        return
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        # A second Ctrl-C must not abandon half-stopped servers: finish the clean-up first.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("\nStopping services and servers ...", flush=True)


def wait_ready(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0
) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with code {process.returncode}; see {log}\n{tail(log)}")
        with contextlib.suppress(httpx.HTTPError):
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return
            last = response.text
        time.sleep(0.2)
    raise RuntimeError(f"not ready after {timeout:.0f} s: {last}\n{tail(log)}")


def tail(path: Path, lines: int = 20) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""

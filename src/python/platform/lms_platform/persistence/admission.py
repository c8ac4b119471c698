"""Fair, bounded admission to the connection pool.

SQLAlchemy's async queue pool is not fair under overload: a returned connection goes to whoever
asks next in the same tick (often the task that just gave it back), and a woken waiter that
finds the queue empty again joins the back of the line. Some requests then wait seconds while
others pass (docs/benchmarks/course.md), and past the pool timeout (30 s) they fail with a 500.

``AdmissionGate`` hands connections out in the order the *requests* arrived (a released slot
goes straight to the waiter of the oldest request; nobody barges) and bounds the wait: an HTTP
request waits at most ``database_acquire_timeout_seconds`` per checkout (``bounded_wait``, set
per request with the request's arrival time), then gets ``DatabaseBusy``, which the HTTP layer
answers with 503 and ``Retry-After``. Ordering by request, not by checkout, matters: a request
that ends one transaction and starts the next (the upload confirmation does, to read storage
with no connection held) lines up ahead of requests that came after it, instead of going to the
back of the line once per transaction. Background work (the relay, consumers, jobs) waits up to
the pool timeout and lines up by the time it asks. ``AdmittedQueuePool`` puts the gate in front
of every checkout of the engine's pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.util import await_only

from lms_platform.metrics import (
    DB_ADMISSION_REJECTED,
    DB_ADMISSION_WAIT,
    DB_ADMISSION_WAITING,
    DB_POOL_CONNECTIONS_IN_USE,
    DB_POOL_CONNECTIONS_MAX,
)

# (the longest a checkout may wait, when the request arrived) in this context; None: the gate's
# own (background) bound, in line by the time of asking.
_bounded_wait: ContextVar[tuple[float, float] | None] = ContextVar(
    "lms_db_bounded_wait", default=None
)


@contextlib.contextmanager
def bounded_wait(seconds: float, *, arrived: float | None = None) -> Iterator[None]:
    """Checkouts inside this block wait at most ``seconds`` for a connection, and line up by
    ``arrived`` (``time.monotonic()``; default: now), so all of one request's checkouts keep
    its place in line."""
    token = _bounded_wait.set((seconds, time.monotonic() if arrived is None else arrived))
    try:
        yield
    finally:
        _bounded_wait.reset(token)


class DatabaseBusy(sa_exc.TimeoutError):
    """No connection within the allowed wait: the service is overloaded, not broken. Subclasses
    SQLAlchemy's pool timeout, so one handler answers both (503 with ``Retry-After``)."""

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


class _Expired(Exception):
    """Set on a waiter's future when its bound passes before a slot reaches it."""


class AdmissionGate:
    """A semaphore of ``capacity`` slots (the pool's size plus overflow) whose waiters are
    served oldest request first (ties: first come)."""

    def __init__(
        self,
        capacity: int,
        *,
        service: str,
        background_timeout: float,
        retry_after_seconds: int,
    ) -> None:
        if capacity < 1:
            raise ValueError("an admission gate needs at least one slot")
        self.capacity = capacity
        self.service = service
        self.background_timeout = background_timeout
        self.retry_after_seconds = retry_after_seconds
        self._free = capacity
        # A heap of (arrival, sequence, future); entries whose future is done (expired,
        # cancelled) are dropped lazily. ``_live`` counts the others.
        self._waiters: list[tuple[float, int, asyncio.Future[None]]] = []
        self._live = 0
        self._sequence = itertools.count()
        self._wait = DB_ADMISSION_WAIT.labels(service=service)
        self._rejected = DB_ADMISSION_REJECTED.labels(service=service, reason="timeout")
        self._pool_timeouts = DB_ADMISSION_REJECTED.labels(service=service, reason="pool_timeout")
        self._in_use = DB_POOL_CONNECTIONS_IN_USE.labels(service=service)
        self._waiting = DB_ADMISSION_WAITING.labels(service=service)
        DB_POOL_CONNECTIONS_MAX.labels(service=service).set(capacity)

    @property
    def in_use(self) -> int:
        return self.capacity - self._free

    @property
    def waiting(self) -> int:
        return self._live

    def try_enter(self) -> bool:
        """Take a free slot at once, unless someone is already waiting for one."""
        # A slot is only ever free while nobody waits: release() hands it to a waiter.
        if self._free > 0 and not self._live:
            self._free -= 1
            self._in_use.inc()
            self._wait.observe(0.0)
            return True
        return False

    async def enter(self, timeout: float | None = None) -> None:
        """Wait in line for a slot, at most ``timeout`` seconds (default: the bound of this
        context, see ``bounded_wait``, else the background one); then ``DatabaseBusy``."""
        if self.try_enter():
            return
        request = _bounded_wait.get()
        bound, arrived = request if request is not None else (self.background_timeout, None)
        if timeout is not None:
            bound = timeout
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        entry = (time.monotonic() if arrived is None else arrived, next(self._sequence), waiter)
        heapq.heappush(self._waiters, entry)
        self._live += 1
        self._waiting.inc()
        started = time.perf_counter()
        timer = loop.call_later(bound, self._expire, waiter)
        try:
            await waiter
        except _Expired:
            self._rejected.inc()
            raise DatabaseBusy(
                f"no database connection within {bound:g} s ({self.capacity} in use,"
                f" {self._live} waiting)",
                retry_after_seconds=self.retry_after_seconds,
            ) from None
        except asyncio.CancelledError:
            if waiter.cancelled():
                self._leave()  # its heap entry is dropped when it reaches the top
            elif waiter.exception() is None:
                self.release()  # granted just as the caller went away: pass the slot on
            raise
        finally:
            timer.cancel()
        # The slot was handed over by release(); _free already accounts for it.
        self._wait.observe(time.perf_counter() - started)

    def release(self) -> None:
        """Give a slot back: straight to the oldest request's waiter, or to the free count."""
        while self._waiters:
            _, _, waiter = heapq.heappop(self._waiters)
            if not waiter.done():
                self._live -= 1
                self._waiting.dec()
                waiter.set_result(None)
                return
        self._free += 1
        self._in_use.dec()

    def pool_timed_out(self) -> DatabaseBusy:
        """The pool's own timeout fired behind the gate (it should not, as the gate admits no
        more than the pool holds): counted, and answered the same way."""
        self._pool_timeouts.inc()
        return DatabaseBusy(
            "the connection pool timed out", retry_after_seconds=self.retry_after_seconds
        )

    def _expire(self, waiter: asyncio.Future[None]) -> None:
        if not waiter.done():
            self._leave()
            waiter.set_exception(_Expired())

    def _leave(self) -> None:
        self._live -= 1
        self._waiting.dec()


class AdmittedQueuePool(AsyncAdaptedQueuePool):
    """The async queue pool with an ``AdmissionGate`` in front of every checkout (set
    ``admission`` after the engine is made; ``lms_platform.persistence.create_engine`` does).
    A slot is held from checkout to the record's return to the pool, whatever way it returns
    (checkin, invalidation, detach)."""

    admission: AdmissionGate | None
    # SQLAlchemy names a pool's logger after its class; keep it under "sqlalchemy" (quiet, as
    # configured there) rather than under "lms_platform" (INFO), or every dispose logs.
    _sqla_logger_namespace = "sqlalchemy.pool.impl.AdmittedQueuePool"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.admission = None
        self._admitted: set[ConnectionPoolEntry] = set()

    def connect(self) -> PoolProxiedConnection:
        gate = self.admission
        if gate is None:
            return super().connect()
        if not gate.try_enter():
            await_only(gate.enter())
        try:
            fairy = super().connect()
        except sa_exc.TimeoutError as error:
            gate.release()
            raise gate.pool_timed_out() from error
        except BaseException:
            gate.release()
            raise
        record = fairy._connection_record
        self._admitted.add(record)
        return fairy

    def _do_return_conn(self, record: ConnectionPoolEntry) -> None:
        try:
            super()._do_return_conn(record)
        finally:
            # A record that a failed checkout returned was never admitted: connect() released.
            if record in self._admitted:
                self._admitted.discard(record)
                if self.admission is not None:
                    self.admission.release()

    def recreate(self) -> AdmittedQueuePool:
        # engine.dispose() swaps in a new pool; connections still out return to this one,
        # so both share the gate and the count stays right.
        pool = super().recreate()
        assert isinstance(pool, AdmittedQueuePool)
        pool.admission = self.admission
        return pool

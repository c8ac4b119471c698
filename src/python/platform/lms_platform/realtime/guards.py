"""Fixes for socketify 0.0.31's ASGI adapter (``socketify.asgi``), installed by the server.

socketify keeps, per ASGI WebSocket, a queue of the futures ``receive()`` handed out, and its
close callback (``ws_close``) resolves the first one. Three things go wrong there:

- A future whose awaiting task was cancelled stays in the queue. engineio waits for every frame
  under ``wait_for`` (ping interval + timeout), so a silent client leaves a cancelled future;
  the close callback's ``set_result`` on it raises ``InvalidStateError``, before socketify drops
  its reference to the socket: one ASGI socket leaked per such close. ``message`` has the same
  fault and loses the frame.
- After the close callback, the app's own ``websocket.close`` (engineio always sends one) finds
  no socket and writes a 403 onto the upgrade request's response, which uWS freed when it
  upgraded: a write to freed memory on every client-initiated close, which can corrupt a live
  socket or the listener when many close at once.
- A client that goes away before the app accepts leaves ``receive()`` waiting forever.
- An upgrade the app refuses (``websocket.close`` before accepting: a path no route serves, a
  refused handshake) gets a 403 with neither a ``Content-Length`` nor a close, so the client
  waits for a body that never comes until its own timeout. The 403 here is whole (empty body,
  ``Content-Length: 0``) and closes the connection.

The subclasses below replace socketify's classes by name in ``socketify.asgi`` (its callbacks
look them up when a request arrives). After the close, every ``send`` is a no-op returning
False, as after an abort; cancelled futures are skipped; the reference is always dropped.
"""

from __future__ import annotations

import asyncio
from typing import Any

_installed = False


def install() -> None:
    """Idempotent; needs socketify (and so libuv) importable."""
    global _installed
    if _installed:
        return
    from socketify import asgi

    asgi.ASGIWebSocket = _guarded_websocket(asgi.ASGIWebSocket)
    asgi.ASGIContext = _guarded_context(asgi.ASGIContext)
    asgi.uws_asgi_corked_403_handler = _whole_403_handler()
    _installed = True


_handlers: list[Any] = []  # cffi callbacks live only as long as a reference to them


def _whole_403_handler() -> Any:
    from socketify.native import ffi, lib

    @ffi.callback("void(uws_res_t*, void*)")
    def refuse(response: Any, user_data: Any) -> None:
        ssl = ffi.from_handle(user_data)
        lib.socketify_res_write_int_status(ssl, response, 403)
        lib.uws_res_end(ssl, response, b"", 0, True)

    _handlers.append(refuse)
    return refuse


def _guarded_websocket(base: Any) -> Any:
    from socketify import OpCode

    class GuardedWebSocket(base):
        """socketify's ``ASGIWebSocket``, closing once and leaving nothing behind."""

        _disconnected: bool  # set by socketify's __init__

        def _waiter(self) -> asyncio.Future[Any] | None:
            while not self.receive_queue.empty():
                future: asyncio.Future[Any] = self.receive_queue.get(False)
                if not future.done():  # cancelled by its awaiting task
                    return future
            return None

        def message(self, ws: Any, value: Any, opcode: Any) -> bool:
            self.ws = ws
            if opcode == OpCode.TEXT:
                event = {"type": "websocket.receive", "text": value}
            elif opcode == OpCode.BINARY:
                event = {"type": "websocket.receive", "bytes": value}
            else:
                return True
            waiter = self._waiter()
            if waiter is None:
                self.miss_receive_queue.put(event, False)
            else:
                waiter.set_result(event)
            return True

        def disconnect(self, code: int, message: Any) -> None:
            if self._disconnected:
                return
            self.ws = None
            self._disconnected = True
            self._code, self._message = code, message
            # socketify's send() checks this first: nothing touches the upgrade's response now.
            self.__dict__["aborted"] = True
            try:
                event = {"type": "websocket.disconnect", "code": code, "message": message}
                while (waiter := self._waiter()) is not None:
                    waiter.set_result(event)
                accepting = self.accept_future
                if accepting is not None and not accepting.done():
                    accepting.set_result(False)
            finally:
                if self.unregister is not None:
                    self.unregister()

        # socketify's abort callback sets ``aborted``: before the accept, that is the close.
        @property
        def aborted(self) -> bool:
            return bool(self.__dict__.get("aborted", False))

        @aborted.setter
        def aborted(self, value: bool) -> None:
            self.__dict__["aborted"] = value
            if value and not self._disconnected:
                self.disconnect(1006, None)

    return GuardedWebSocket


def _guarded_context(base: Any) -> Any:
    class GuardedContext(base):
        """socketify's per-request ``ASGIContext``: an abort also ends a wait for more body,
        and a cancelled wait for the disconnect leaves the abort future settable."""

        abort_future: asyncio.Future[bool] | None  # set by socketify's __init__

        @property
        def aborted(self) -> bool:
            return bool(self.__dict__.get("aborted", False))

        @aborted.setter
        def aborted(self, value: bool) -> None:
            self.__dict__["aborted"] = value
            queue = getattr(self, "data_queue", None)
            if value and queue is not None and not queue.next_data_future.done():
                waiting = queue.next_data_future
                # A fresh one for any chunk still arriving: nobody waits on it, it can be set.
                queue.next_data_future = queue.loop.create_future()
                waiting.set_result(None)  # receive() then sees the abort

        async def wait_disconnect(self) -> None:
            if not self.aborted:
                if self.abort_future is None:
                    self.abort_future = self.loop.create_future()
                await asyncio.shield(self.abort_future)

    return GuardedContext

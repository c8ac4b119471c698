"""Micro-benchmark of ``TokenVerifier.verify``: a cached token (the hot path) and a new one.

    PYTHONPATH=src/python:src/python/platform:. python -m tests.platform.security.bench_verifier

The cached case runs against a ``JWKSKeySource`` on a loopback JWKS endpoint, as in a service;
the endpoint is asked once, since the runs stay within the refresh interval.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lms_platform.security import JWKSKeySource, TokenVerifier
from lms_platform.security.testing import TokenFactory


def _serve(document: dict[str, Any]) -> ThreadingHTTPServer:
    body = json.dumps(document).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


async def _per_call_ns(call: Callable[[], Awaitable[object]], calls: int, rounds: int) -> float:
    """The best of ``rounds`` mean CPU times per call of this thread, in nanoseconds: CPU time,
    not wall time, so that other work on a shared machine disturbs it less."""
    results = []
    for _ in range(rounds):
        began = time.thread_time_ns()
        for _ in range(calls):
            await call()
        results.append((time.thread_time_ns() - began) / calls)
    return min(results)


async def main() -> None:
    factory = TokenFactory()
    server = _serve(factory.jwks)
    url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    keys = JWKSKeySource(url)
    verifier = TokenVerifier(keys, issuer="lms-auth", audience="lms")
    token = factory.mint("u1", "college-a", roles=["student"], permissions=["course:read"])
    await verifier.verify(token)  # fetches the JWKS and caches the principal

    cached = await _per_call_ns(lambda: verifier.verify(token), calls=100_000, rounds=20)
    fresh_tokens = iter([factory.mint(f"u{n}", "college-a") for n in range(3_000)])
    uncached = await _per_call_ns(lambda: verifier.verify(next(fresh_tokens)), calls=300, rounds=10)
    print(f"verify, cached token:   {cached:8.0f} ns/call")
    print(f"verify, new token (RSA): {uncached / 1000:7.1f} us/call")
    await keys.aclose()
    server.shutdown()


if __name__ == "__main__":
    asyncio.run(main())

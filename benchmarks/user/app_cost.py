"""CPU per request of the project's ASGI app, measured in-process, for A/B decisions.

``python -m benchmarks.user.app_cost`` (in the benchmark venv, with the service's ``LMS_USER_*``
settings in the environment) builds the app exactly as ``python -m lms.user.main serve`` does,
by catching the app that ``serve`` hands to ``lms_platform.http.serving.serve_http``
(``apps/serve.py``), then calls it directly over ASGI: ``--concurrency`` tasks, each sending ``--requests`` requests in turn.
It prints one JSON line: the process's CPU time per request (``time.process_time``), which
other work on the machine barely changes, unlike wrk's requests per second.

What it leaves out is the same for every variant: the HTTP server (uvicorn/httptools parsing
and writing) and the network. So it ranks variants of the app's own work (cache or not,
sampling, access log, middleware), and wrk measures the whole server (``runner.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import time
from typing import Any


def _scope(path: str, query: str, token: str, state: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"accept", b"application/json"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8001),
        "state": dict(state),
    }


async def _lifespan(app: Any, state: dict[str, Any]) -> tuple[asyncio.Task[None], Any]:
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": state}
    task = asyncio.create_task(app(scope, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    message = await outbox.get()
    if message["type"] != "lifespan.startup.complete":
        raise SystemExit(f"start-up failed: {message}")

    async def shutdown() -> None:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await task

    return task, shutdown


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks.user.apps.serve import capture_project_app

    app, _ = capture_project_app()
    gc.collect()
    gc.freeze()  # as serve_http does
    state: dict[str, Any] = {}
    _, shutdown = await _lifespan(app, state)
    await asyncio.sleep(args.settle)  # let the relay and consumers settle
    statuses: dict[int, int] = {}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def client(count: int) -> None:
        for _ in range(count):
            status = 0

            async def send(message: dict[str, Any]) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]

            await app(_scope(args.path, args.query, args.token, state), receive, send)
            statuses[status] = statuses.get(status, 0) + 1

    await asyncio.gather(*(client(args.warmup) for _ in range(args.concurrency)))
    statuses.clear()
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(client(args.requests) for _ in range(args.concurrency)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await shutdown()
    total = args.requests * args.concurrency
    return {
        "requests": total,
        "statuses": statuses,
        "cpu_us_per_request": round(cpu / total * 1e6, 1),
        "wall_us_per_request": round(wall / total * 1e6, 1),
        "load_average": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", required=True)
    parser.add_argument("--query", default="")
    parser.add_argument("--token", required=True)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--requests", type=int, default=100, help="per concurrent client")
    parser.add_argument("--warmup", type=int, default=20, help="per client, not measured")
    parser.add_argument("--settle", type=float, default=1.0)
    args = parser.parse_args()
    import uvloop

    result = uvloop.run(measure(args))
    print("APP_COST " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()

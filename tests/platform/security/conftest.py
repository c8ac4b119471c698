"""A real JWKS endpoint on loopback whose key set (and health) a test can change."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


class MutableJWKS:
    """What the endpoint serves: ``document`` with ``status``, after ``delay`` seconds;
    ``requests`` counts the GETs."""

    def __init__(self) -> None:
        self.document: Any = {"keys": []}
        self.status = 200
        self.delay = 0.0
        self.requests = 0
        self.url = ""


@pytest.fixture
def jwks_endpoint() -> Iterator[MutableJWKS]:
    state = MutableJWKS()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            state.requests += 1
            time.sleep(state.delay)
            body = json.dumps(state.document).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    yield state
    server.shutdown()
    server.server_close()

"""An Elasticsearch-API server for tests and the devstack: osmem-server (PyPI ``osmem-server``,
an in-memory OpenSearch-compatible engine that sends Elasticsearch's product header).

elasticsearch-py 8 and 9 send ``application/vnd.elasticsearch+json; compatible-with=N``, which
osmem answers with 406. ``OsmemCompatibleNode`` rewrites that media type to plain JSON; it
belongs in test and devstack configuration only (a service names it in its settings), never in
production, which talks to real Elasticsearch 9 with the stock client.
"""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

# elastic-transport comes with the elasticsearch client, not as a requirement of its own.
from elastic_transport import AiohttpHttpNode, HttpHeaders  # pants: no-infer-dep

from lms_platform.testing.servers import (
    ManagedProcess,
    ServerBinaryNotFoundError,
    _distribution_version,
    _executable_copy,
    _package_dir,
)

__all__ = ["OSMEM_INSTALL", "ElasticsearchServer", "OsmemCompatibleNode"]

OSMEM_INSTALL = "pip install osmem-server==0.1.6"
NODE_CLASS_PATH = "lms_platform.testing.elastic:OsmemCompatibleNode"

_COMPATIBLE_WITH = re.compile(
    r"application/vnd\.elasticsearch\+(json|x-ndjson)\s*;\s*compatible-with=\d+"
)


def plain_media_type(value: str) -> str:
    """``application/vnd.elasticsearch+json; compatible-with=9`` -> ``application/json``."""
    return _COMPATIBLE_WITH.sub(lambda match: f"application/{match.group(1)}", value)


class OsmemCompatibleNode(AiohttpHttpNode):
    """The client's async HTTP node, with the compatible-with media types made plain."""

    async def perform_request(  # type: ignore[override]
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: HttpHeaders | None = None,
        **options: Any,
    ) -> Any:
        self._headers = HttpHeaders(
            {name: plain_media_type(value) for name, value in self._headers.items()}
        )
        if headers:
            headers = HttpHeaders({name: plain_media_type(v) for name, v in headers.items()})
        return await super().perform_request(method, target, body=body, headers=headers, **options)


class ElasticsearchServer(ManagedProcess):
    """``osmem-server`` on a free loopback port, memory only; ``url`` is its HTTP endpoint."""

    name = "osmem"

    def __init__(self, *, port: int | None = None) -> None:
        super().__init__(port=port)
        self._binary: str | None = None

    def prepare(self) -> None:
        package = _package_dir("osmem_server")
        binary = package / "bin" / "osmem-server" if package is not None else None
        if binary is None or not binary.is_file():
            raise ServerBinaryNotFoundError(
                "osmem-server", "osmem_server not importable", OSMEM_INSTALL
            )
        key = f"osmem-{_distribution_version('osmem-server')}-{binary.stat().st_size}"
        self._binary = str(_executable_copy(binary, key))

    def command(self) -> list[str]:
        assert self._binary is not None
        return [self._binary, "-addr", f"{self.host}:{self.port}", "-no-stdin-watch", "-no-ja"]

    def probe(self) -> None:
        with urllib.request.urlopen(self.url + "/", timeout=1) as response:  # - loopback
            info = json.loads(response.read())
            product = response.headers.get("X-Elastic-Product")
        if product != "Elasticsearch" or "version" not in info:
            raise ConnectionError(f"not an Elasticsearch API: {info!r}")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

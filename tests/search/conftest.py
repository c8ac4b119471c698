"""The Elasticsearch-API server (osmem) for the search tests: one per session, an index prefix
of its own per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from lms_platform.testing.elastic import ElasticsearchServer


@pytest.fixture(scope="session")
def elasticsearch_server() -> Iterator[ElasticsearchServer]:
    server = ElasticsearchServer()
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def elasticsearch_url(elasticsearch_server: ElasticsearchServer) -> str:
    elasticsearch_server.ensure_running()
    return elasticsearch_server.url


@pytest.fixture
def index_prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}-lms-"

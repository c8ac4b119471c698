"""The Elasticsearch client. Production uses the stock client; tests and the devstack name a
node class (``elasticsearch_node_class``) that adapts the client to their server."""

from __future__ import annotations

import importlib
from typing import Any

from dishka import AsyncContainer
from elasticsearch import AsyncElasticsearch

from lms.search.config import SearchSettings


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def build_client(settings: SearchSettings) -> AsyncElasticsearch:
    options: dict[str, Any] = {
        "request_timeout": settings.elasticsearch_timeout_seconds,
        "retry_on_timeout": True,
        "max_retries": 2,
    }
    if settings.elasticsearch_node_class:
        options["node_class"] = _load(settings.elasticsearch_node_class)
    if settings.elasticsearch_api_key:
        options["api_key"] = settings.elasticsearch_api_key
    return AsyncElasticsearch(settings.elasticsearch_url, **options)


async def elasticsearch_ready(container: AsyncContainer) -> None:
    """``/ready``: raises unless the cluster answers (``ping()`` would only return False)."""
    await (await container.get(AsyncElasticsearch)).info()

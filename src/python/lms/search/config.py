"""The search service's settings: every field is read from ``LMS_SEARCH_<FIELD>``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lms_platform.config import ServiceSettings, load_settings

ENV_PREFIX = "LMS_SEARCH_"


class SearchSettings(ServiceSettings, kw_only=True, frozen=True):
    service_name: str = "search"
    http_port: int = 8007
    elasticsearch_url: str = "http://127.0.0.1:9200"
    elasticsearch_api_key: str = ""
    elasticsearch_timeout_seconds: float = 10.0
    # "module:Class" of the client's HTTP node; empty in production (the stock client). Tests
    # and the devstack set lms_platform.testing.elastic:OsmemCompatibleNode.
    elasticsearch_node_class: str = ""
    # Aliases and indices are "<prefix>courses", "<prefix>courses-v2", ...
    index_prefix: str = "lms-"
    index_refresh_interval: str = "500ms"
    # How long a process trusts its view of a running rebuild; a rebuild waits twice this
    # before copying, so that every process writes to both versions by then.
    rebuild_alias_cache_seconds: float = 1.0
    rebuild_batch_size: int = 500
    # Kafka fetch wait: Tansu answers a waiting fetch only at this deadline (the platform's
    # default, lms_platform.messaging.consumer.DEFAULT_FETCH_MAX_WAIT_MS).
    consumer_fetch_max_wait_ms: int = 50
    # Consumers per indexed topic (at most the topic's partitions), and the most records one
    # of them indexes in one bulk request.
    index_consumers_per_topic: int = 2
    index_batch_size: int = 500


def load_search_settings(
    environ: Mapping[str, str] | None = None, **overrides: Any
) -> SearchSettings:
    return load_settings(SearchSettings, ENV_PREFIX, environ, **overrides)

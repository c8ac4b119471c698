"""The search service running for real: uvicorn on a free port, PostgreSQL, Redis, Kafka and
the Elasticsearch-API server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from lms.search.config import SearchSettings
from lms.search.main import SERVICE
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.elastic import NODE_CLASS_PATH
from lms_platform.testing.services import (
    RunningService,
    migrate_with,
    running_service,
    settings_for_test,
)

COLLEGE = "college-a"
OTHER_COLLEGE = "college-b"


@pytest.fixture(scope="session")
def search_template(make_database_template: Callable[..., str]) -> str:
    return make_database_template("search_template", migrate_with(SERVICE))


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest.fixture
def make_search_settings(
    fresh_database: Callable[..., str],
    search_template: str,
    redis_url: str,
    kafka_bootstrap: str,
    elasticsearch_url: str,
) -> Callable[[], SearchSettings]:
    """Settings of one more, separate search service: its own database, topics and indices."""

    def make() -> SearchSettings:
        return settings_for_test(
            SearchSettings,
            dsn=fresh_database(search_template),
            redis_url=redis_url,
            kafka_bootstrap=kafka_bootstrap,
            kafka_namespace=f"t{uuid.uuid4().hex[:8]}.",
            elasticsearch_url=elasticsearch_url,
            elasticsearch_node_class=NODE_CLASS_PATH,
            index_prefix=f"t{uuid.uuid4().hex[:8]}-lms-",
            rebuild_alias_cache_seconds=0.2,
        )

    return make


@pytest.fixture
def search_settings(
    fresh_database: Callable[..., str],
    search_template: str,
    redis_url: str,
    kafka_bootstrap: str,
    kafka_namespace: str,
    elasticsearch_url: str,
    index_prefix: str,
) -> SearchSettings:
    return settings_for_test(
        SearchSettings,
        dsn=fresh_database(search_template),
        redis_url=redis_url,
        kafka_bootstrap=kafka_bootstrap,
        kafka_namespace=kafka_namespace,
        elasticsearch_url=elasticsearch_url,
        elasticsearch_node_class=NODE_CLASS_PATH,
        index_prefix=index_prefix,
        rebuild_alias_cache_seconds=0.2,
    )


@pytest.fixture
async def search_service(
    search_settings: SearchSettings, tokens: TokenFactory
) -> AsyncIterator[RunningService[SearchSettings]]:
    async with running_service(SERVICE, search_settings, tokens=tokens) as running:
        yield running

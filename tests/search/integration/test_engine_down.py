"""An engine that does not answer is a 503 problem, never a 500, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from lms.search.config import SearchSettings
from lms.search.main import SERVICE
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.servers import find_free_port
from lms_platform.testing.services import running_service
from tests.search.integration.world import admin


async def test_searches_answer_503_while_the_engine_is_unreachable(
    make_search_settings: Callable[[], SearchSettings], tokens: TokenFactory
) -> None:
    settings = msgspec.structs.replace(
        make_search_settings(),
        elasticsearch_url=f"http://127.0.0.1:{find_free_port()}",  # nothing listens there
        elasticsearch_timeout_seconds=1.0,
    )
    async with running_service(SERVICE, settings, tokens=tokens) as service:
        headers = admin(service)
        for response in (
            await service.client.post("/search", json={"query": "demo"}, headers=headers),
            await service.client.get("/search/courses", headers=headers),
        ):
            assert response.status_code == 503, response.text
            assert response.headers["content-type"].startswith("application/problem+json")

"""The indexing lag and the consumer lag are exported once events have been indexed."""

from __future__ import annotations

import re

from lms.search.config import SearchSettings
from lms_platform.testing.services import RunningService
from tests.search.integration.world import World, build


async def test_indexing_exports_its_lag(search_service: RunningService[SearchSettings]) -> None:
    await build(search_service, World())
    text = (await search_service.client.get("/metrics")).text
    counts = {
        kind: float(value)
        for kind, value in re.findall(
            r'^search_index_lag_seconds_count\{service="search",type="(\w+)"\} (\S+)$', text, re.M
        )
    }
    # The registry is process-wide: earlier tests' events count too, so at least this world's.
    assert counts["course"] >= 3 and counts["assignment"] >= 5 and counts["user"] >= 2
    assert re.search(r'^search_consumer_lag_records\{.*topic="t\w+\.course".*\} \d', text, re.M)

"""Rebuilding the indices while queries run: no query fails, results are the same before,
during and after, and a write that lands during the rebuild is kept."""

from __future__ import annotations

import asyncio
import time

from lms.search.adapters.elastic.mappings import IndexNames
from lms.search.config import SearchSettings
from lms.search.domain.documents import DocType
from lms_platform.testing.services import RunningService
from tests.search.integration.conftest import COLLEGE
from tests.search.integration.events import course_event, eventually, new_id, publish
from tests.search.integration.world import World, admin, build, ids, search, teacher


def operator(service: RunningService[SearchSettings]) -> dict[str, str]:
    return service.bearer(new_id(), COLLEGE, roles=("super_admin",))


async def test_a_rebuild_under_20_queries_per_second_loses_no_query_and_no_document(
    search_service: RunningService[SearchSettings],
) -> None:
    world = World()
    await build(search_service, world)
    headers = admin(search_service)
    before = await search(search_service, headers, page_size=100)

    outcomes: list[tuple[int, frozenset[str]]] = []
    stop = asyncio.Event()

    async def twenty_per_second() -> None:
        while not stop.is_set():
            started = time.monotonic()
            response = await search_service.client.post(
                "/search", json={"page_size": 100}, headers=headers
            )
            items = response.json().get("items", []) if response.status_code == 200 else []
            outcomes.append((response.status_code, frozenset(i["id"] for i in items)))
            await asyncio.sleep(max(0.0, 0.05 - (time.monotonic() - started)))

    load = asyncio.create_task(twenty_per_second())
    await asyncio.sleep(1.0)
    late_course = new_id()
    rebuild = asyncio.create_task(
        search_service.client.post(
            "/search/index", json={}, headers=operator(search_service), timeout=60
        )
    )
    await asyncio.sleep(0.3)  # the rebuild has created its new versions: writes reach both
    topic = f"{search_service.settings.kafka_topic_prefix}course"
    await publish(
        search_service.settings.kafka_bootstrap_servers,
        topic,
        [course_event(COLLEGE, late_course, title="Written during the rebuild")],
    )
    response = await rebuild
    await asyncio.sleep(1.0)
    stop.set()
    await load

    assert response.status_code == 200, response.text
    rebuilt = {r["type"]: r for r in response.json()["rebuilt"]}
    names = IndexNames(search_service.settings.index_prefix)
    for doc_type in DocType:
        assert rebuilt[doc_type.value]["previous"] == names.version(doc_type, 1)
        assert rebuilt[doc_type.value]["current"] == names.version(doc_type, 2)
    assert rebuilt["course"]["copied"] >= 2
    assert rebuilt["note"]["copied"] == len(world.notes())  # shares and all

    assert len(outcomes) >= 20
    assert {status for status, _ in outcomes} == {200}
    expected, with_late = ids(before), ids(before) | {late_course}
    assert {found for _, found in outcomes} <= {frozenset(expected), frozenset(with_late)}

    after = await eventually(
        lambda: search(search_service, headers, page_size=100),
        lambda r: late_course in ids(r),
    )
    assert ids(after) == with_late
    owner = await search(search_service, teacher(search_service, world.teacher), types=["note"])
    assert ids(owner) == world.notes_of_teacher


async def test_only_a_platform_operator_may_rebuild(
    search_service: RunningService[SearchSettings],
) -> None:
    response = await search_service.client.post(
        "/search/index", json={}, headers=admin(search_service)
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")

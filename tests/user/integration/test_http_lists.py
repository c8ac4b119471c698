"""GET /users at scale: cursor pages in a stable order, bounded parameters, cheap totals, and a
search that the trigram indexes serve (checked on the statements the service really sends)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event

from lms_platform.kernel.pagination import MAX_OFFSET, TOTAL_CAP
from lms_platform.testing.dsn import to_asyncpg_dsn
from tests.user.integration.conftest import COLLEGE, RunningUserService

NAMES = [f"Person {i:02d}" for i in range(25)]


async def _seed(
    user_service: RunningUserService, count: int, *, college: str = COLLEGE, name: str = "Bulk"
) -> None:
    """``count`` live profiles named "<name> <hex>" straight into the table (the API would take
    minutes for thousands); VACUUM ANALYZE so the planner knows the table's size and the GIN
    indexes have no pending list: bulk inserts land in a GIN index's pending list, which the
    planner prices into every trigram scan, and a plain ANALYZE flushes it only when autovacuum
    runs it, so whether the search used the trigram indexes depended on autovacuum's timing."""
    connection = await asyncpg.connect(to_asyncpg_dsn(user_service.dsn))
    try:
        await connection.execute(
            """
            INSERT INTO profiles (id, tenant_id, email, display_name, timezone, locale, roles,
                                  status, preferences, created_at, updated_at, version)
            SELECT gen_random_uuid(), $1, lower($3) || g || '@example.edu',
                   $3 || ' ' || md5(g::text), 'UTC', 'en', ARRAY['student'], 'active', '{}',
                   now(), now(), 1
            FROM generate_series(1, $2) AS g
            """,
            college,
            count,
            name,
        )
        await connection.execute("VACUUM ANALYZE profiles")
    finally:
        await connection.close()


async def _all_pages(user_service: RunningUserService, query: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    url = f"/users?{query}"
    while True:
        response = await user_service.client.get(url, headers=user_service.admin())
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        if body["next_cursor"] is None:
            assert body["has_more"] is False
            return items
        assert body["has_more"] is True
        url = f"/users?{query}&cursor={body['next_cursor']}"


async def test_cursor_pages_cover_the_list_once_while_profiles_are_added(
    user_service: RunningUserService,
) -> None:
    for index, name in enumerate(NAMES):
        await user_service.create_user(email=f"p{index}@example.edu", display_name=name)
    client, admin = user_service.client, user_service.admin()
    first = (await client.get("/users?limit=10", headers=admin)).json()
    assert [u["display_name"] for u in first["items"]] == NAMES[:10]
    assert (first["total"], first["total_exact"], first["limit"]) == (25, True, 10)

    # Offset pages would now repeat "Person 09" and shift everything by one.
    await user_service.create_user(email="early@example.edu", display_name="Aaron Early")
    await user_service.create_user(email="late@example.edu", display_name="Zoe Late")
    rest: list[str] = []
    cursor = first["next_cursor"]
    while cursor is not None:
        page = (await client.get(f"/users?limit=10&cursor={cursor}", headers=admin)).json()
        rest.extend(u["display_name"] for u in page["items"])
        cursor = page["next_cursor"]
    assert rest == NAMES[10:] + ["Zoe Late"]


async def test_every_sort_walks_in_order(user_service: RunningUserService) -> None:
    for index, name in enumerate(NAMES[:7]):
        await user_service.create_user(
            email=f"{chr(ord('z') - index)}@example.edu", display_name=name
        )
    for sort, field in [("email", "email"), ("-email", "email"), ("-display_name", "display_name"),
                        ("created_at", "created_at"), ("-created_at", "created_at")]:  # fmt: skip
        items = await _all_pages(user_service, f"limit=3&sort={sort}")
        values = [(u[field], u["id"]) for u in items]
        assert len(values) == 7
        assert values == sorted(values, reverse=sort.startswith("-")), sort


async def test_a_search_pages_by_cursor_too(user_service: RunningUserService) -> None:
    for index, name in enumerate(NAMES[:12]):
        await user_service.create_user(email=f"p{index}@example.edu", display_name=name)
    found = await _all_pages(user_service, "limit=2&q=person%200")
    assert [u["display_name"] for u in found] == NAMES[:10]
    # LIKE wildcards in q are literal characters, not patterns.
    wildcard = (await user_service.client.get("/users?q=%25", headers=user_service.admin())).json()
    assert wildcard["items"] == []


async def _problem(user_service: RunningUserService, query: str) -> dict[str, Any]:
    response = await user_service.client.get(f"/users?{query}", headers=user_service.admin())
    assert response.status_code == 400, (query, response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    return dict(response.json())


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=41&offset=3922646421714803361613256740306944", "offset"),  # was a 500
        (f"offset={MAX_OFFSET + 1}", "offset"),
        ("offset=-1", "offset"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=" + "A" * 600, "cursor"),
        ("cursor=bm90LWEtY3Vyc29y", "cursor"),
    ],
)
async def test_out_of_bounds_paging_is_a_400_problem(
    user_service: RunningUserService, query: str, parameter: str
) -> None:
    problem = await _problem(user_service, query)
    assert parameter in json.dumps(problem.get("errors")), problem


async def test_an_edited_or_misused_cursor_is_a_400(user_service: RunningUserService) -> None:
    for index, name in enumerate(NAMES[:3]):
        await user_service.create_user(email=f"p{index}@example.edu", display_name=name)
    body = (await user_service.client.get("/users?limit=1", headers=user_service.admin())).json()
    cursor = body["next_cursor"]
    edited = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    for query in (
        f"limit=1&cursor={edited}",
        f"limit=1&cursor={cursor[:-4]}",
        f"limit=1&cursor={cursor}&sort=-display_name",  # another order
        f"limit=1&cursor={cursor}&q=person",  # other filters
        f"limit=1&cursor={cursor}&offset=2",  # both
    ):
        problem = await _problem(user_service, query)
        assert problem["code"] == "validation_failed", problem
    still_good = await user_service.client.get(
        f"/users?limit=1&cursor={cursor}", headers=user_service.admin()
    )
    assert [u["display_name"] for u in still_good.json()["items"]] == [NAMES[1]]


async def test_the_total_is_capped_unless_asked_for(user_service: RunningUserService) -> None:
    await _seed(user_service, TOTAL_CAP + 50)
    client, admin = user_service.client, user_service.admin()
    default = (await client.get("/users?limit=5", headers=admin)).json()
    assert (default["total"], default["total_exact"]) == (TOTAL_CAP, False)
    exact = (await client.get("/users?limit=5&include_total=true", headers=admin)).json()
    assert (exact["total"], exact["total_exact"]) == (TOTAL_CAP + 50, True)
    # The last page knows the total from where it ends, without a count.
    deep = (await client.get(f"/users?limit=5&offset={TOTAL_CAP + 45}", headers=admin)).json()
    assert (len(deep["items"]), deep["total"], deep["total_exact"]) == (5, TOTAL_CAP + 50, True)


@contextmanager
def _statements(user_service: RunningUserService) -> Iterator[list[tuple[str, Any]]]:
    """The SELECTs on profiles the service sends to PostgreSQL, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        # The relay polls the outbox on the same engine meanwhile: keep the list's reads only.
        reads = statement.lstrip().upper().startswith(("SELECT", "WITH"))
        if reads and "FROM profiles" in statement:
            seen.append((statement, parameters))

    assert user_service.service.engine is not None
    engine = user_service.service.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


async def _plans(user_service: RunningUserService, query: str) -> list[list[dict[str, Any]]]:
    """The plan of each statement the service runs for ``GET /users?query``."""
    with _statements(user_service) as statements:
        response = await user_service.client.get(f"/users?{query}", headers=user_service.admin())
        assert response.status_code == 200, response.text
    connection = await asyncpg.connect(to_asyncpg_dsn(user_service.dsn))
    try:
        plans = []
        for statement, parameters in statements:
            raw = await connection.fetchval(f"EXPLAIN (FORMAT JSON) {statement}", *parameters)
            plans.append(list(_nodes(json.loads(raw)[0]["Plan"])))
        return plans
    finally:
        await connection.close()


async def test_pages_and_searches_use_the_indexes_at_scale(
    user_service: RunningUserService,
) -> None:
    """At 30,000 profiles a sequential scan is far costlier than either index path, so the
    planner's choice is not a coin toss: a page is a range scan of the (tenant, name, id)
    index with no sort, and a search combines the two trigram indexes."""
    await _seed(user_service, 30_000)
    await _seed(user_service, 2_000, college="college-b")

    page, count = await _plans(user_service, "limit=20")
    assert {n.get("Index Name") for n in page} >= {"ix_profiles_tenant_name_id"}
    assert not [n for n in page if n["Node Type"] in ("Seq Scan", "Sort")], page
    assert count[0]["Node Type"] == "Aggregate" and "Limit" in {n["Node Type"] for n in count}

    body = (await user_service.client.get("/users?limit=3", headers=user_service.admin())).json()
    deep = await _plans(user_service, f"limit=20&cursor={body['next_cursor']}")
    assert not [n for n in deep[0] if n["Node Type"] in ("Seq Scan", "Sort")], deep[0]

    needle = (await user_service.scalar("SELECT substr(md5('12345'), 3, 6)")).upper()
    for plan in await _plans(user_service, f"limit=20&q={needle}"):
        used = {n.get("Index Name") for n in plan}
        assert {"ix_profiles_display_name_trgm", "ix_profiles_email_trgm"} <= used, plan
        assert not [n for n in plan if n["Node Type"] == "Seq Scan"], plan


async def test_a_search_matching_five_percent_counts_on_the_trigram_indexes(
    user_service: RunningUserService,
) -> None:
    """1,500 of 30,000 profiles match, the last ones written. A count with a plain LIMIT lets
    the planner assume the matches are spread evenly and scan the table until it has 101 of
    them, here nearly all of it; the count must use the trigram indexes."""
    await _seed(user_service, 28_500)
    await _seed(user_service, 1_500, name="Nakamura")
    # One statement: the page, with the count as its InitPlan (count_in_page).
    [plan] = await _plans(user_service, "limit=20&q=nakamura")
    count = [n for n in plan if n.get("Subplan Name", "").startswith("InitPlan")]
    assert count and not [n for n in plan if n["Node Type"] == "Seq Scan"], plan
    assert {"ix_profiles_display_name_trgm", "ix_profiles_email_trgm"} <= {
        n.get("Index Name") for n in plan
    }, plan
    body = (
        await user_service.client.get("/users?limit=20&q=nakamura", headers=user_service.admin())
    ).json()
    assert (len(body["items"]), body["total"], body["total_exact"]) == (20, 100, False)


async def test_a_search_counts_up_to_a_hundred_matches_unless_asked_for_all(
    user_service: RunningUserService,
) -> None:
    """A search's count reads every match it counts, so it stops at 100 ("100+"); the list
    without ``q`` still counts up to TOTAL_CAP, and include_total counts every match."""
    await _seed(user_service, 150)
    admin = user_service.admin()
    search = (await user_service.client.get("/users?limit=5&q=bulk", headers=admin)).json()
    assert (search["total"], search["total_exact"], search["has_more"]) == (100, False, True)
    everything = (await user_service.client.get("/users?limit=5", headers=admin)).json()
    assert everything["total_exact"] is True and everything["total"] >= 150
    exact = await user_service.client.get("/users?limit=5&q=bulk&include_total=true", headers=admin)
    assert (exact.json()["total"], exact.json()["total_exact"]) == (150, True)

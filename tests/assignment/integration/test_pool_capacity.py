"""A request takes at most one pooled connection, however it mixes its own transaction with
membership reads: on a pool of one connection (no overflow), bursts of changes, creations and
reads all succeed.

Before the fix, a change (``PATCH``, a new override) loaded the assignment in the request's
transaction and then read memberships in a session of the reader's own: each request held one
connection and waited for a second, which nobody ever released (503 once the fair admission's
wait ran out). Creating an assignment reads memberships first and the course after, each in a
short session: reading memberships on the request's session there would hold that connection
while the course read waits for another, so that burst is here too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import httpx
import msgspec.structs
import pytest

from lms.assignment.config import AssignmentSettings
from tests.assignment.integration.conftest import AssignmentApi

BURST = 6


@pytest.fixture
def assignment_settings(assignment_settings: AssignmentSettings) -> AssignmentSettings:
    return msgspec.structs.replace(
        assignment_settings, database_pool_size=1, database_max_overflow=0
    )


async def statuses(requests: list[Awaitable[httpx.Response]]) -> list[tuple[int, str]]:
    responses = await asyncio.gather(*requests)
    return [(response.status_code, response.text[:120]) for response in responses]


async def test_changes_that_hold_the_request_session_fit_one_connection(
    api: AssignmentApi,
) -> None:
    created = [await api.create(title=f"Essay {n}") for n in range(BURST)]
    instructor = api.as_("instructor")

    patched = await statuses(
        [
            api.client.patch(f"/assignments/{a['id']}", json={"title": "x"}, headers=instructor)
            for a in created
        ]
    )
    assert [status for status, _ in patched] == [200] * BURST, patched

    student = str(api.cast.users["student"])
    overridden = await statuses(
        [
            api.client.post(
                f"/assignments/{a['id']}/overrides",
                json={"target": "student", "target_id": student, "due_at": None},
                headers=instructor,
            )
            for a in created
        ]
    )
    assert [status for status, _ in overridden] == [201] * BURST, overridden


async def test_creations_and_reads_fit_one_connection(api: AssignmentApi) -> None:
    body = {"course_id": str(api.cast.course_id), "title": "Essay", "points_possible": 10}
    created = await statuses(
        [
            api.client.post("/assignments", json=body, headers=api.as_("instructor"))
            for _ in range(BURST)
        ]
    )
    assert [status for status, _ in created] == [201] * BURST, created

    course = {"course_id": str(api.cast.course_id)}
    read = await statuses(
        [api.client.get("/assignments", params=course, headers=api.as_("ta"))]
        + [api.client.get("/me/assignments", headers=api.as_("student")) for _ in range(BURST)]
    )
    assert [status for status, _ in read] == [200] * (BURST + 1), read

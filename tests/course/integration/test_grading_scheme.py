"""A course's own grading scheme: set at creation or by PATCH (as any edit of the course),
read back, reset to the default with null, and carried by the course events' snapshot."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from lms_platform.messaging import decode_envelope
from tests.course.integration.conftest import CourseApi
from tests.course.integration.test_events import read_topic

SCHEME: list[dict[str, Any]] = [
    {"name": "Distinct", "min_percent": 85.0}, {"name": "Merit", "min_percent": 72.5},
    {"name": "Pass", "min_percent": 50.0}, {"name": "Fail", "min_percent": 0.0},
]  # fmt: skip


@pytest.mark.with_relay
async def test_a_scheme_is_set_read_reset_and_announced(
    api: CourseApi, kafka_bootstrap: str
) -> None:
    course = await api.create_course(
        grading_scheme=[{"name": "P", "min_percent": 60}, {"name": "F", "min_percent": 0}]
    )
    assert course["grading_scheme"] == [
        {"name": "P", "min_percent": 60.0},
        {"name": "F", "min_percent": 0.0},
    ]
    path = f"/courses/{course['id']}"

    patched = await api.client.patch(path, json={"grading_scheme": SCHEME}, headers=api.admin())
    assert patched.status_code == 200, patched.text
    assert patched.json()["grading_scheme"] == SCHEME and patched.json()["version"] == 2
    assert (await api.client.get(path, headers=api.admin())).json()["grading_scheme"] == SCHEME

    again = await api.client.patch(path, json={"grading_scheme": SCHEME}, headers=api.admin())
    assert again.json()["version"] == 2  # the same scheme changes nothing

    reset = await api.client.patch(path, json={"grading_scheme": None}, headers=api.admin())
    assert reset.json()["grading_scheme"] is None and reset.json()["version"] == 3

    topic = f"{api.service.settings.kafka_topic_prefix}course"
    records = await read_topic(kafka_bootstrap, topic, expected=3)
    events = [decode_envelope(r.value) for r in records]
    assert [e.type for e in events] == ["course.created", "course.updated", "course.updated"]
    data = [msgspec.json.decode(e.data) for e in events]
    assert [d["course"]["grading_scheme"] for d in data] == [
        course["grading_scheme"], SCHEME, None,
    ]  # fmt: skip
    assert [d["course"]["version"] for d in data] == [1, 2, 3]
    assert data[1]["changed_fields"] == ["grading_scheme"]


async def test_only_editors_set_a_scheme_and_a_bad_one_writes_nothing(api: CourseApi) -> None:
    course = await api.create_course()
    path = f"/courses/{course['id']}"
    student = api.token("someone")
    before = await api.row_counts()
    refused = await api.client.patch(path, json={"grading_scheme": SCHEME}, headers=student)
    assert refused.status_code in (403, 404), refused.text
    unsorted = [
        {"name": "A", "min_percent": 50},
        {"name": "B", "min_percent": 60},
        {"name": "F", "min_percent": 0},
    ]
    bad = await api.client.patch(path, json={"grading_scheme": unsorted}, headers=api.admin())
    assert bad.status_code == 422, bad.text
    problem = bad.json()
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert problem["extra"]["field"] == "grading_scheme[1].min_percent"
    assert await api.row_counts() == before
    assert (await api.client.get(path, headers=api.admin())).json()["grading_scheme"] is None

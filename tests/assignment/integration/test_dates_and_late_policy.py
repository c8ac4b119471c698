"""Against the real service: override precedence (student over section over assignment), the
latest of several sections winning, and the late-policy edges through
``GET /assignments/{id}/late-policy/preview``."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.assignment.integration.conftest import AssignmentApi

UNLOCK = datetime.fromisoformat("2020-01-01T09:00:00+00:00")
DUE = datetime.fromisoformat("2020-01-08T23:59:00+00:00")
LOCK = datetime.fromisoformat("2020-01-11T23:59:00+00:00")


def iso(value: datetime) -> str:
    return value.isoformat()


async def _past_assignment(api: AssignmentApi, **fields: Any) -> dict[str, Any]:
    return await api.create(
        unlock_at=iso(UNLOCK), due_at=iso(DUE), lock_at=iso(LOCK), points_possible=50, **fields
    )


async def _override(api: AssignmentApi, assignment_id: str, **body: Any) -> dict[str, Any]:
    response = await api.client.post(
        f"/assignments/{assignment_id}/overrides", json=body, headers=api.as_("instructor")
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _dates_seen(
    api: AssignmentApi, who: dict[str, str], assignment_id: str
) -> tuple[str, str]:
    response = await api.client.get(f"/assignments/{assignment_id}", headers=who)
    assert response.status_code == 200, response.text
    body = response.json()
    return body["due_at"], body["date_sources"]["due_at"]


async def test_student_over_section_over_assignment(api: AssignmentApi) -> None:
    assignment = await _past_assignment(api)
    section_due = DUE + timedelta(days=1)
    student_due = DUE + timedelta(days=2)
    await _override(
        api, assignment["id"], target="section", target_id=str(api.cast.section_a),
        due_at=iso(section_due), lock_at=iso(LOCK + timedelta(days=5)),
    )  # fmt: skip
    await _override(
        api, assignment["id"], target="student", target_id=str(api.cast.users["student"]),
        due_at=iso(student_due),
    )  # fmt: skip
    classmate = uuid.uuid4()
    await api.enroll(classmate, api.cast.section_a)
    z = "+00:00"
    assert await _dates_seen(api, api.as_("student"), assignment["id"]) == (
        iso(student_due).replace(z, "Z"), "student",
    )  # fmt: skip
    assert await _dates_seen(api, api.token(classmate), assignment["id"]) == (
        iso(section_due).replace(z, "Z"), "section",
    )  # fmt: skip
    assert await _dates_seen(api, api.as_("other_section"), assignment["id"]) == (
        iso(DUE).replace(z, "Z"), "assignment",
    )  # fmt: skip
    staff = await api.client.get(f"/assignments/{assignment['id']}", headers=api.as_("ta"))
    assert staff.json()["due_at"] == iso(DUE).replace(z, "Z")  # staff see the assignment's own
    overrides = await api.client.get(
        f"/assignments/{assignment['id']}/overrides", headers=api.as_("ta")
    )
    assert sorted(o["target"] for o in overrides.json()["items"]) == ["section", "student"]


async def test_the_latest_of_several_sections_wins(api: AssignmentApi) -> None:
    assignment = await _past_assignment(api)
    both = uuid.uuid4()
    await api.enroll(both, api.cast.section_a)
    await api.enroll(both, api.cast.section_b)
    await _override(
        api, assignment["id"], target="section", target_id=str(api.cast.section_a),
        due_at=iso(DUE + timedelta(days=1)),
    )  # fmt: skip
    await _override(
        api, assignment["id"], target="section", target_id=str(api.cast.section_b),
        due_at=iso(DUE + timedelta(days=3)), lock_at=iso(LOCK + timedelta(days=3)),
    )  # fmt: skip
    due, source = await _dates_seen(api, api.token(both), assignment["id"])
    assert due == iso(DUE + timedelta(days=3)).replace("+00:00", "Z") and source == "section"
    preview = await api.client.get(
        f"/assignments/{assignment['id']}/late-policy/preview",
        params={"student_id": str(both)}, headers=api.as_("instructor"),
    )  # fmt: skip
    assert preview.json()["dates"]["lock_at"] == iso(LOCK + timedelta(days=3)).replace(
        "+00:00", "Z"
    )


async def test_an_override_out_of_order_is_refused_and_writes_nothing(api: AssignmentApi) -> None:
    assignment = await _past_assignment(api)
    before = await api.row_counts()
    response = await api.client.post(
        f"/assignments/{assignment['id']}/overrides",
        json={"target": "student", "target_id": str(api.cast.users["student"]),
              "due_at": iso(LOCK + timedelta(days=1))},
        headers=api.as_("instructor"),
    )  # fmt: skip
    assert response.status_code == 422 and "override" in response.json()["detail"]
    assert await api.row_counts() == before


@pytest.fixture
async def policy_world(api: AssignmentApi) -> tuple[AssignmentApi, dict[str, Any]]:
    response = await api.client.put(
        f"/courses/{api.cast.course_id}/late-policy",
        json={
            "late_deduction_enabled": True,
            "late_deduction_percent": 10,
            "late_interval": "day",
            "minimum_percent_enabled": True,
            "minimum_percent": 75,
            "missing_deduction_enabled": True,
            "missing_deduction_percent": 100,
        },
        headers=api.as_("instructor"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 1 and response.headers["etag"] == '"1"'
    return api, await _past_assignment(api)


async def _preview(
    api: AssignmentApi, assignment_id: str, who: str = "student", **params: str
) -> dict[str, Any]:
    response = await api.client.get(
        f"/assignments/{assignment_id}/late-policy/preview", params=params, headers=api.as_(who)
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.mark.parametrize(
    ("submitted", "late", "seconds", "intervals", "deduction", "accepted"),
    [
        (DUE, False, 0, 0, 0.0, True),  # exactly at due_at
        (DUE + timedelta(seconds=1), True, 1, 1, 10.0, True),  # one second after
        (DUE + timedelta(days=1), True, 86_400, 1, 10.0, True),  # an interval boundary
        (DUE + timedelta(days=1, seconds=1), True, 86_401, 2, 20.0, True),  # just past it
        (LOCK, True, 259_200, 3, 25.0, True),  # at lock_at: 30 % capped by the 75 % minimum
        (LOCK + timedelta(seconds=1), True, 259_201, 4, 25.0, False),  # past lock_at: refused
    ],
)
async def test_late_policy_edges(
    policy_world: tuple[AssignmentApi, dict[str, Any]],
    submitted: datetime,
    late: bool,
    seconds: int,
    intervals: int,
    deduction: float,
    accepted: bool,
) -> None:
    api, assignment = policy_world
    preview = await _preview(api, assignment["id"], submitted_at=iso(submitted))
    result = preview["result"]
    assert (result["late"], result["seconds_late"], result["intervals_late"]) == (
        late, seconds, intervals,
    )  # fmt: skip
    assert result["deduction_percent"] == deduction and result["accepted"] is accepted
    assert result["points_deducted"] == 50 * deduction / 100
    assert preview["student_id"] == str(api.cast.users["student"])
    assert preview["policy"]["minimum_percent"] == 75


async def test_missing_work_and_an_extension(
    policy_world: tuple[AssignmentApi, dict[str, Any]],
) -> None:
    api, assignment = policy_world
    missing = (await _preview(api, assignment["id"]))["result"]  # nothing submitted; due in 2020
    assert missing["missing"] and not missing["submitted"]
    assert missing["deduction_percent"] == 100 and missing["score_for_missing"] == 0

    await _override(
        api, assignment["id"], target="student", target_id=str(api.cast.users["student"]),
        due_at="2999-01-01T00:00:00Z", lock_at="2999-01-02T00:00:00Z",
    )  # fmt: skip
    extended = await _preview(api, assignment["id"], submitted_at=iso(LOCK + timedelta(days=30)))
    assert extended["dates"]["sources"]["due_at"] == "student"
    assert not extended["result"]["late"] and extended["result"]["accepted"]
    assert not (await _preview(api, assignment["id"]))["result"]["missing"]
    # The same time for a classmate without the extension: late, past lock, refused.
    theirs = await _preview(
        api, assignment["id"], who="instructor", submitted_at=iso(LOCK + timedelta(days=30)),
        student_id=str(api.cast.users["other_section"]),
    )  # fmt: skip
    assert theirs["result"]["late"] and not theirs["result"]["accepted"]


async def test_students_preview_only_themselves(
    policy_world: tuple[AssignmentApi, dict[str, Any]],
) -> None:
    api, assignment = policy_world
    response = await api.client.get(
        f"/assignments/{assignment['id']}/late-policy/preview",
        params={"student_id": str(api.cast.users["other_section"])},
        headers=api.as_("student"),
    )
    assert response.status_code == 403
    naive = await api.client.get(
        f"/assignments/{assignment['id']}/late-policy/preview",
        params={"submitted_at": "2020-01-09T00:00:00"},
        headers=api.as_("student"),
    )
    assert naive.status_code == 400 and naive.json()["code"] == "validation_failed"

"""Bad input on the rubric, grading and bulk grading routes is refused with its own status and writes
nothing: rows (rubrics and their versions, assessments, submissions' versions, comments,
outbox) counted before and after. Malformed JSON, a mistyped or unknown field, an oversize body,
values out of range: 400 (the schema), 413 (the size), 422 (a rule across fields)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.submission.integration.conftest import RUBRIC, World


def _rubric(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(RUBRIC)
    body.update(changes)
    return body


def _criterion(points: Any = 2, **changes: Any) -> dict[str, Any]:
    return {
        "description": "c", "points": points,
        "ratings": [{"description": "r", "points": points}], **changes,
    }  # fmt: skip


def _rating_worth(points: float) -> dict[str, Any]:
    return _rubric(criteria=[_criterion(2, ratings=[{"description": "r", "points": points}])])


SCHEMA_REFUSED = [
    _rubric(criteria=[]),  # no criterion
    _rubric(criteria=[_criterion() for _ in range(51)]),  # over 50
    _rubric(criteria=[_criterion(ratings=[])]),  # a criterion without ratings
    _rubric(criteria=[_criterion(ratings=[{"description": "r", "points": 1}] * 21)]),
    _rubric(criteria=[_criterion(-1)]),  # negative points
    _rubric(criteria=[_criterion(1001)]),  # over 1000
    _rubric(criteria=[_criterion(points="2")]),  # mistyped
    _rubric(criteria=[_criterion(description="")]),
    _rubric(criteria=[_criterion(description="x" * 256)]),
    _rubric(criteria=[_criterion(id="has space")]),
    _rubric(criteria=[_criterion(colour="red")]),  # unknown field, nested
    _rubric(extra=1),  # unknown field
    _rubric(title=5),
    {"title": "no criteria"},
    [RUBRIC],
]
RULE_REFUSED = [
    _rating_worth(2.5),  # a rating worth more than its criterion
    _rubric(criteria=[_criterion(1.001)]),  # more than two decimals
    _rubric(criteria=[_criterion(id="same"), _criterion(id="same")]),
    _rubric(criteria=[_criterion(ratings=[{"id": "r", "description": "r", "points": 1}] * 2)]),
]


async def _unchanged(world: World, before: dict[str, int | str]) -> None:
    assert await world.counts() == before


async def _put(world: World, assignment: object, body: Any) -> Any:
    return await world.client.put(
        f"/assignments/{assignment}/rubric", json=body, headers=world.as_teacher()
    )


@pytest.mark.parametrize("body", SCHEMA_REFUSED)
async def test_a_rubric_the_schema_refuses_is_400_and_writes_nothing(
    world: World, body: Any
) -> None:
    assignment = await world.assignment()
    assert (await world.rubric(assignment)).status_code == 200
    before = await world.counts()
    response = await _put(world, assignment, body)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    await _unchanged(world, before)


@pytest.mark.parametrize("body", RULE_REFUSED)
async def test_a_rubric_breaking_a_rule_is_422_and_writes_nothing(world: World, body: Any) -> None:
    assignment = await world.assignment()
    before = await world.counts()
    response = await _put(world, assignment, body)
    assert response.status_code == 422, response.text
    await _unchanged(world, before)


async def test_malformed_and_oversize_bodies_write_nothing(world: World) -> None:
    assignment = await world.assignment()
    submission = await world.text_submission(assignment)
    await world.rubric(assignment)
    before = await world.counts()
    headers = {**world.as_teacher(), "Content-Type": "application/json"}
    for path, method in ((f"/assignments/{assignment}/rubric", "PUT"),
                         (f"/submissions/{submission}/grade", "POST"),
                         (f"/assignments/{assignment}/students/{world.classmate}/grade", "POST"),
                         (f"/assignments/{assignment}/grades", "POST")):  # fmt: skip
        broken = await world.client.request(
            method, path, content=b'{"criteria": [', headers=headers
        )
        assert broken.status_code == 400, broken.text
        huge = b'{"title": "' + b"x" * (1024 * 1024 + 10) + b'"}'
        too_large = await world.client.request(method, path, content=huge, headers=headers)
        assert too_large.status_code == 413, too_large.text
    await _unchanged(world, before)


@pytest.mark.parametrize(
    "body",
    [
        {"score": -1},
        {"score": "5"},
        {"grade": "A"},
        {"late_status": "sometimes"},
        {"comment": "x" * 8193},
        {"rubric_assessment": {"thesis": {"points": -1}}},
        [{"score": 1}],
    ],
)
async def test_a_grade_by_student_the_schema_refuses_is_400_and_creates_nothing(
    world: World, body: Any
) -> None:
    assignment = await world.assignment()
    await world.rubric(assignment)
    before = await world.counts()
    response = await world.client.post(
        f"/assignments/{assignment}/students/{world.classmate}/grade", json=body,
        headers=world.as_teacher(),
    )  # fmt: skip
    assert response.status_code == 400, response.text
    await _unchanged(world, before)


@pytest.mark.parametrize(
    "assessment",
    [
        {"thesis": {"points": -1}},
        {"thesis": {"points": "5"}},
        {"thesis": {"points": 1, "grade": "A"}},  # unknown field
        {"thesis": {}},
        {"thesis": 5},
        {"has space": {"points": 1}},  # not a criterion id's form
        {"x" * 65: {"points": 1}},
        [{"points": 1}],
    ],
)
async def test_an_assessment_the_schema_refuses_is_400_and_writes_nothing(
    world: World, assessment: Any
) -> None:
    assignment = await world.assignment()
    await world.rubric(assignment)
    submission = await world.text_submission(assignment)
    before = await world.counts()
    response = await world.client.post(
        f"/submissions/{submission}/grade", json={"rubric_assessment": assessment},
        headers=world.as_teacher(),
    )  # fmt: skip
    assert response.status_code == 400, response.text
    await _unchanged(world, before)


def _grade(**fields: Any) -> dict[str, Any]:
    return {"submission_id": "00000000-0000-0000-0000-000000000001", **fields}


@pytest.mark.parametrize(
    "body",
    [
        {"grades": []},
        {"grades": [_grade(score=-1)]},  # out of range
        {"grades": [_grade(score=1_000_001)]},
        {"grades": [_grade(score="5")]},  # mistyped
        {"grades": [_grade(late_status="sometimes")]},
        {"grades": [_grade(submission_id="not-a-uuid")]},
        {"grades": [_grade(grade="A")]},  # unknown field
        {"grades": [_grade(comment="x" * 8193)]},
        {"grades": [_grade()], "notify": True},
        # A rubric assessment the schema refuses refuses the whole request, as any field does.
        {"grades": [_grade(rubric_assessment={})]},
        {"grades": [_grade(rubric_assessment={f"c{i}": {"points": 1} for i in range(51)})]},
        {"grades": [_grade(rubric_assessment={"has space": {"points": 1}})]},
        {"grades": [_grade(rubric_assessment={"thesis": {"points": -1}})]},
        {"grades": [_grade(rubric_assessment={"thesis": {"points": 1001}})]},
        {"grades": [_grade(rubric_assessment={"thesis": {"points": 1, "grade": "A"}})]},
        {"grades": [_grade(rubric_assessment={"thesis": {"points": 1, "comment": "x" * 8193}})]},
        {"grades": [_grade(rubric_assessment=[{"points": 1}])]},
        {"grades": [{"student_id": "not-a-uuid", "score": 1}]},
        {"grades": {"score": 1}},
        [_grade(score=1)],
        {},
    ],
)
async def test_a_bulk_grading_the_schema_refuses_is_400_and_writes_nothing(
    world: World, body: Any
) -> None:
    assignment = await world.assignment()
    await world.rubric(assignment)
    await world.text_submission(assignment)
    before = await world.counts()
    response = await world.client.post(
        f"/assignments/{assignment}/grades", json=body, headers=world.as_teacher()
    )
    assert response.status_code == 400, response.text
    await _unchanged(world, before)


async def test_more_than_200_grades_is_413_and_writes_nothing(world: World) -> None:
    assignment = await world.assignment()
    submission = await world.text_submission(assignment)
    before = await world.counts()
    too_many = [{"submission_id": submission, "score": 1}] * 201
    response = await world.client.post(
        f"/assignments/{assignment}/grades", json={"grades": too_many}, headers=world.as_teacher()
    )
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "too_many_items"
    assert response.json()["extra"]["max_items"] == 200
    headers = {**world.as_teacher(), "Content-Type": "application/json"}
    broken = await world.client.post(
        f"/assignments/{assignment}/grades", content=b'{"grades": [', headers=headers
    )
    assert broken.status_code == 400
    huge = b'{"grades": [], "x": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    oversize = await world.client.post(
        f"/assignments/{assignment}/grades", content=huge, headers=headers
    )
    assert oversize.status_code == 413
    await _unchanged(world, before)


async def test_200_grades_are_taken_and_refused_ones_write_nothing(world: World) -> None:
    assignment = await world.assignment(points_possible=10.0)
    submission = await world.text_submission(assignment)
    before = await world.counts()
    # One submission, 200 times: the first is out of range, every other one a duplicate.
    grades = [{"submission_id": submission, "score": 101}] * 200
    response = await world.client.post(
        f"/assignments/{assignment}/grades", json={"grades": grades}, headers=world.as_teacher()
    )
    assert response.status_code == 200, response.text
    statuses = [r["status"] for r in response.json()["results"]]
    assert statuses == ["invalid"] + ["refused"] * 199
    await _unchanged(world, before)

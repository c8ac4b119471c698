"""Rubrics on an assignment and rubric assessments of its submissions, against the real service:
criteria and ratings kept as sent (ids named by the service where none was given), read by
graders and the course's students; an assessment's points, within each criterion's, make the
score, stored with the grader and the time, shown with include=rubric (to students once
posted); a rubric once used for an assessment is neither changed nor removed (409)."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from lms.submission.adapters.persistence.repositories import SqlRubrics
from tests.submission.integration.conftest import COLLEGE, World

ASSESSMENT = {
    "thesis": {"points": 5, "rating_id": "some", "comment": "Sharpen the claim"},
    "style": {"points": 2.5},
}


def _style_id(rubric: dict[str, Any]) -> str:
    return str(rubric["criteria"][1]["id"])


async def test_a_rubric_is_kept_and_read_by_graders_and_students(world: World) -> None:
    assignment = await world.assignment()
    put = await world.rubric(assignment)
    assert put.status_code == 200, put.text
    rubric = put.json()
    assert rubric["points_possible"] == 10.0 and rubric["version"] == 1
    assert rubric["created_by"] == str(world.teacher) and rubric["title"] == "Essay rubric"
    thesis, style = rubric["criteria"]
    assert thesis["id"] == "thesis" and [r["id"] for r in thesis["ratings"]] == [
        "full",
        "some",
        "none",
    ]
    assert thesis["long_description"] == "A clear claim"
    assert style["id"] and style["id"] != "thesis" and all(r["id"] for r in style["ratings"])
    assert [r["points"] for r in style["ratings"]] == [4.0, 1.0]
    for headers in (world.as_student(), world.as_student(world.classmate), world.as_ta()):
        read = await world.client.get(f"/assignments/{assignment}/rubric", headers=headers)
        assert read.status_code == 200 and read.json() == rubric
    other = await world.assignment()
    missing = await world.client.get(f"/assignments/{other}/rubric", headers=world.as_teacher())
    assert missing.status_code == 404 and missing.json()["code"] == "rubric_not_found"


async def test_replacing_and_removing_an_unused_rubric(world: World) -> None:
    assignment = await world.assignment()
    first = (await world.rubric(assignment)).json()
    again = await world.rubric(
        assignment, title="Shorter",
        criteria=[{"id": "all", "description": "All", "points": 3,
                   "ratings": [{"id": "ok", "description": "ok", "points": 3}]}],
    )  # fmt: skip
    assert again.status_code == 200, again.text
    replaced = again.json()
    assert replaced["id"] == first["id"] and replaced["version"] == 2
    assert replaced["points_possible"] == 3.0 and replaced["created_at"] == first["created_at"]
    removed = await world.client.delete(f"/assignments/{assignment}/rubric", headers=world.as_ta())
    assert removed.status_code == 204, removed.text
    gone = await world.client.get(f"/assignments/{assignment}/rubric", headers=world.as_teacher())
    assert gone.status_code == 404
    twice = await world.client.delete(
        f"/assignments/{assignment}/rubric", headers=world.as_teacher()
    )
    assert twice.status_code == 404


async def test_an_assessment_makes_the_score_and_is_stored_with_its_grader(world: World) -> None:
    assignment = await world.assignment(points_possible=10.0)
    rubric = (await world.rubric(assignment)).json()
    submission = await world.text_submission(assignment)
    assessment = {**ASSESSMENT, _style_id(rubric): ASSESSMENT["style"]}
    del assessment["style"]
    graded = await world.client.post(
        f"/submissions/{submission}/grade", json={"rubric_assessment": assessment},
        headers=world.as_ta(),
    )  # fmt: skip
    assert graded.status_code == 200, graded.text
    body = graded.json()
    assert body["score"] == 7.5 and body["entered_score"] == 7.5 and body["grade"] == "7.5"
    stored = body["rubric_assessment"]
    assert stored["score"] == 7.5 and stored["assessor_id"] == str(world.ta)
    assert stored["rubric_id"] == rubric["id"] and stored["rubric_version"] == 1
    assert stored["assessed_at"] and stored["criteria"]["thesis"] == {
        "points": 5.0, "rating_id": "some", "comment": "Sharpen the claim",
    }  # fmt: skip
    assert stored["criteria"][_style_id(rubric)] == {
        "points": 2.5,
        "rating_id": None,
        "comment": None,
    }
    one = await world.client.get(
        f"/submissions/{submission}?include=rubric", headers=world.as_teacher()
    )
    assert one.json()["rubric_assessment"] == stored
    plain = await world.client.get(f"/submissions/{submission}", headers=world.as_teacher())
    assert plain.json()["rubric_assessment"] is None  # only with include=rubric
    listed = await world.client.get(
        "/submissions", params={"assignment_id": str(assignment), "include": "rubric"},
        headers=world.as_teacher(),
    )  # fmt: skip
    assert listed.json()["items"][0]["rubric_assessment"] == stored
    # Once used, the rubric stays as it is.
    assert (await world.rubric(assignment, title="Changed")).status_code == 409
    removed = await world.client.delete(
        f"/assignments/{assignment}/rubric", headers=world.as_teacher()
    )
    assert removed.status_code == 409 and removed.json()["code"] == "rubric_in_use"
    kept = (
        await world.client.get(f"/assignments/{assignment}/rubric", headers=world.as_ta())
    ).json()
    assert kept == rubric


async def test_students_see_the_assessment_once_grades_are_posted(world: World) -> None:
    assignment = await world.assignment(grade_posting="manual")
    await world.rubric(assignment)
    submission = await world.text_submission(assignment)
    graded = await world.client.post(
        f"/submissions/{submission}/grade",
        json={"rubric_assessment": {"thesis": {"points": 6, "rating_id": "full"}}},
        headers=world.as_teacher(),
    )
    assert graded.status_code == 200 and graded.json()["score"] == 6.0
    url = f"/submissions/{submission}?include=rubric"
    before = (await world.client.get(url, headers=world.as_student())).json()
    assert before["rubric_assessment"] is None and before["score"] is None
    mine = await world.client.get(
        "/submissions", params={"include": "rubric"}, headers=world.as_student()
    )
    assert mine.json()["items"][0]["rubric_assessment"] is None
    await world.client.post(f"/assignments/{assignment}/grades/post", headers=world.as_teacher())
    after = (await world.client.get(url, headers=world.as_student())).json()
    assert after["rubric_assessment"]["score"] == 6.0 and after["score"] == 6.0


async def test_a_later_assessment_replaces_the_earlier_one(world: World) -> None:
    assignment = await world.assignment()
    await world.rubric(assignment)
    submission = await world.text_submission(assignment)
    for points in (2, 4):
        graded = await world.client.post(
            f"/submissions/{submission}/grade",
            json={"rubric_assessment": {"thesis": {"points": points}}},
            headers=world.as_teacher(),
        )
        assert graded.status_code == 200, graded.text
    assert graded.json()["score"] == 4.0
    assert await world.service.scalar("SELECT count(*) FROM rubric_assessments") == 1


async def _refused(world: World, submission: str, body: dict[str, Any], field: str) -> None:
    before = await world.counts()
    response = await world.client.post(
        f"/submissions/{submission}/grade", json=body, headers=world.as_teacher()
    )
    assert response.status_code == 422, (body, response.text)
    assert response.json()["extra"]["field"].startswith(field), response.text
    assert await world.counts() == before


async def test_an_assessment_outside_the_rubric_is_422_and_writes_nothing(world: World) -> None:
    assignment = await world.assignment()
    rubric = (await world.rubric(assignment)).json()
    submission = await world.text_submission(assignment)
    style = _style_id(rubric)
    for body, field in (
        ({"rubric_assessment": {"nonsense": {"points": 1}}}, "rubric_assessment.nonsense"),
        ({"rubric_assessment": {"thesis": {"points": 6.01}}}, "rubric_assessment.thesis.points"),
        ({"rubric_assessment": {style: {"points": 5}}}, f"rubric_assessment.{style}.points"),
        ({"rubric_assessment": {"thesis": {"points": 1.005}}}, "rubric_assessment.thesis.points"),
        ({"rubric_assessment": {"thesis": {"points": 1, "rating_id": "nope"}}}, "rubric_assessment.thesis"),
        ({"rubric_assessment": {style: {"points": 1, "rating_id": "some"}}}, f"rubric_assessment.{style}"),
        ({"score": 3, "rubric_assessment": {"thesis": {"points": 1}}}, "rubric_assessment"),
        ({"rubric_assessment": {}}, "rubric_assessment"),
        ({"rubric_assessment": {f"c{n}": {"points": 0} for n in range(51)}}, "rubric_assessment.c"),
    ):  # fmt: skip
        await _refused(world, submission, body, field)
    bare = await world.assignment()
    unassessable = await world.text_submission(bare)
    await _refused(
        world, unassessable, {"rubric_assessment": {"thesis": {"points": 1}}}, "rubric_assessment"
    )


async def test_the_write_itself_refuses_to_replace_an_assessed_rubric(world: World) -> None:
    """The guard in the upsert, not only the use case's look before it: an assessment written
    between the look and the write (a race) still keeps the rubric as it was."""
    assignment = await world.assignment()
    kept = (await world.rubric(assignment)).json()
    submission = await world.text_submission(assignment)
    graded = await world.client.post(
        f"/submissions/{submission}/grade",
        json={"rubric_assessment": {"thesis": {"points": 1}}}, headers=world.as_teacher(),
    )  # fmt: skip
    assert graded.status_code == 200, graded.text
    engine = create_async_engine(world.service.settings.database_url)
    try:
        async with AsyncSession(engine) as session:
            rubrics = SqlRubrics(session)
            current = await rubrics.of_assignment(COLLEGE, assignment, for_update=True)
            assert current is not None
            changed = dataclasses.replace(current, title="Changed", version=current.version + 1)
            assert await rubrics.put(changed) is False
            await session.commit()
    finally:
        await engine.dispose()
    after = (
        await world.client.get(f"/assignments/{assignment}/rubric", headers=world.as_ta())
    ).json()
    assert after == kept

"""Bulk grading against the real service: each grade applied on its own, a report per grade
(ok, not_found, invalid, refused) in the order sent, and each applied grade's events read from
Kafka with a plain consumer, as a single grade's are."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from lms_platform.messaging import decode_envelope
from tests.submission.integration.conftest import World
from tests.submission.integration.test_events import read_topic


async def _bulk(world: World, assignment: uuid.UUID, grades: list[dict[str, Any]],
                headers: dict[str, str] | None = None) -> Any:  # fmt: skip
    return await world.client.post(
        f"/assignments/{assignment}/grades", json={"grades": grades},
        headers=world.as_teacher() if headers is None else headers,
    )  # fmt: skip


async def test_every_grade_gets_its_own_result_and_the_good_ones_stay(world: World) -> None:
    assignment = await world.assignment(points_possible=10.0)
    mine = await world.text_submission(assignment)
    theirs = await world.text_submission(assignment, world.classmate)
    elsewhere = await world.text_submission(await world.assignment())
    lonely = uuid.uuid4()
    await world.enroll(lonely, "student")
    response = await _bulk(world, assignment, [
        {"submission_id": mine, "score": 8, "comment": "Good"},
        {"submission_id": theirs, "score": 500},  # over ten times the points possible
        {"student_id": str(world.classmate), "score": 6, "late_status": "late"},
        {"submission_id": str(uuid.uuid4()), "score": 1},
        {"student_id": str(lonely), "score": 1},  # handed nothing in: graded all the same
        {"student_id": str(uuid.uuid4()), "score": 1},  # not a student of the course
        {"submission_id": elsewhere, "score": 1},  # another assignment's
        {"submission_id": mine, "score": 2},  # listed twice
        {"submission_id": mine, "student_id": str(world.student), "score": 3},
        {"score": 3},
    ])  # fmt: skip
    assert response.status_code == 200, response.text
    report = response.json()
    statuses = [(r["item"], r["status"]) for r in report["results"]]
    assert statuses == [
        (0, "ok"), (1, "invalid"), (2, "refused"), (3, "not_found"), (4, "ok"),
        (5, "not_found"), (6, "not_found"), (7, "refused"), (8, "invalid"), (9, "invalid"),
    ], report  # fmt: skip
    # The classmate's submission was first named (item 1) and refused for its score, so naming
    # it again (item 2) is a duplicate: one grade per submission and request.
    assert report["applied"] == 2 and report["failed"] == 8
    first, second = report["results"][:2]
    assert first["submission_id"] == mine and first["problem"] is None
    assert second["problem"]["code"] == "invalid_input" and second["problem"]["field"] == "score"
    assert report["results"][3]["submission_id"] is None
    started = report["results"][4]["submission_id"]
    assert started not in (None, mine, theirs)
    assert report["results"][5]["submission_id"] is None
    graded = (
        await world.client.get(f"/submissions/{mine}?include=comments", headers=world.as_ta())
    ).json()
    assert graded["score"] == 8.0 and graded["graded_by"] == str(world.teacher)
    assert [c["comment"] for c in graded["comments"]] == ["Good"]
    untouched = (await world.client.get(f"/submissions/{theirs}", headers=world.as_ta())).json()
    assert untouched["score"] is None and untouched["state"] == "submitted"


async def test_grades_by_student_and_by_submission_are_applied_one_by_one(world: World) -> None:
    assignment = await world.assignment(points_possible=10.0)
    mine = await world.text_submission(assignment)
    theirs = await world.text_submission(assignment, world.classmate)
    response = await _bulk(world, assignment, [
        {"student_id": str(world.student), "score": 9.5},
        {"submission_id": theirs, "score": 1000},
        {"submission_id": theirs, "excused": True},
    ], headers=world.as_ta())  # fmt: skip
    assert [r["status"] for r in response.json()["results"]] == ["ok", "invalid", "refused"]
    assert response.json()["results"][0]["submission_id"] == mine
    listed = (await world.client.get(
        "/submissions", params={"assignment_id": str(assignment)}, headers=world.as_teacher()
    )).json()  # fmt: skip
    assert {i["id"]: i["score"] for i in listed["items"]} == {mine: 9.5, theirs: None}


async def test_under_anonymous_grading_students_cannot_be_named(world: World) -> None:
    assignment = await world.assignment(anonymous_grading=True, grade_posting="manual")
    submission = await world.text_submission(assignment)
    response = await _bulk(world, assignment, [
        {"student_id": str(world.student), "score": 4},
        {"submission_id": submission, "score": 5},
    ])  # fmt: skip
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["refused", "ok"]
    assert results[0]["problem"]["code"] == "permission_denied"
    assert str(world.student) not in response.text


async def test_each_applied_grade_emits_grade_recorded(world: World, kafka_bootstrap: str) -> None:
    assignment = await world.assignment()  # automatic posting: recorded, then posted
    mine = await world.text_submission(assignment)
    theirs = await world.text_submission(assignment, world.classmate)
    response = await _bulk(world, assignment, [
        {"submission_id": mine, "score": 7},
        {"submission_id": str(uuid.uuid4()), "score": 7},
        {"student_id": str(world.classmate), "score": 3},
    ])  # fmt: skip
    assert response.json()["applied"] == 2
    prefix = world.service.settings.kafka_topic_prefix
    records = await read_topic(kafka_bootstrap, f"{prefix}grade", expected=4)
    events = [(decode_envelope(r.value), r.key.decode()) for r in records]
    assert sorted((e.type, key) for e, key in events) == sorted([
        ("grade.recorded", mine), ("grade.posted", mine),
        ("grade.recorded", theirs), ("grade.posted", theirs),
    ])  # fmt: skip
    scores = {
        key: msgspec.json.decode(e.data)["submission"]["score"]
        for e, key in events if e.type == "grade.recorded"
    }  # fmt: skip
    assert scores == {mine: 7.0, theirs: 3.0}
    assert all(e.subject == key and e.source == "submission" for e, key in events)


async def test_bulk_grades_carry_rubric_assessments_checked_one_by_one(world: World) -> None:
    """Each grade's assessment is checked as the single route checks one: a broken one is
    reported as invalid (its field named) and writes nothing for its grade, the others stay."""
    assignment = await world.assignment(points_possible=10.0)
    rubric = (await world.rubric(assignment)).json()
    style = str(rubric["criteria"][1]["id"])
    mine = await world.text_submission(assignment)
    theirs = await world.text_submission(assignment, world.classmate)
    absent, third, fourth = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for student in (absent, third, fourth):
        await world.enroll(student, "student")
    before = await world.counts()
    response = await _bulk(world, assignment, [
        {"submission_id": mine, "comment": "Solid",
         "rubric_assessment": {"thesis": {"points": 6, "rating_id": "full"}, style: {"points": 1}}},
        {"submission_id": theirs, "rubric_assessment": {"voice": {"points": 1}}},  # no such criterion
        {"student_id": str(absent), "rubric_assessment": {"thesis": {"points": 0, "rating_id": "none"}}},
        {"student_id": str(third), "rubric_assessment": {"thesis": {"points": 7}}},  # over 6
        {"student_id": str(fourth), "rubric_assessment": {"thesis": {"points": 3},
                                                          style: {"points": 1, "rating_id": "full"}}},
        {"student_id": str(world.classmate), "score": 2,
         "rubric_assessment": {"thesis": {"points": 1}}},  # both: 422 on the single route
    ])  # fmt: skip
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "ok",
        "invalid",
        "ok",
        "invalid",
        "invalid",
        "invalid",
    ]
    fields = [r["problem"]["field"] if r["problem"] else None for r in results]
    assert fields == [
        None, "rubric_assessment.voice", None, "rubric_assessment.thesis.points",
        f"rubric_assessment.{style}", "rubric_assessment",  # "full" is a rating of thesis
    ]  # fmt: skip
    assert [r["submission_id"] for r in results[3:5]] == [None, None]  # nothing was created
    after = await world.counts()
    assert after["assessments"] == int(before["assessments"]) + 2
    assert after["submissions"] == int(before["submissions"]) + 1  # the absent student's
    graded = (await world.client.get(
        f"/submissions/{mine}?include=rubric,comments", headers=world.as_ta()
    )).json()  # fmt: skip
    assert graded["score"] == 7.0 and graded["graded_by"] == str(world.teacher)
    assessed = graded["rubric_assessment"]
    assert assessed["score"] == 7.0 and assessed["rubric_version"] == 1
    assert assessed["assessor_id"] == str(world.teacher)
    assert assessed["criteria"]["thesis"] == {"points": 6.0, "rating_id": "full", "comment": None}
    assert [c["comment"] for c in graded["comments"]] == ["Solid"]
    started = (await world.client.get(
        f"/submissions/{results[2]['submission_id']}?include=rubric", headers=world.as_ta()
    )).json()  # fmt: skip
    assert (started["attempt"], started["score"], started["state"]) == (0, 0.0, "returned")
    assert started["rubric_assessment"]["criteria"]["thesis"]["rating_id"] == "none"
    untouched = (await world.client.get(
        f"/submissions/{theirs}?include=rubric", headers=world.as_ta()
    )).json()  # fmt: skip
    assert untouched["score"] is None and untouched["rubric_assessment"] is None
    # Used by a bulk assessment, the rubric stays as it is.
    assert (await world.rubric(assignment, title="Changed")).status_code == 409


async def test_a_bulk_assessment_needs_the_assignment_to_have_a_rubric(world: World) -> None:
    assignment = await world.assignment()
    mine = await world.text_submission(assignment)
    before = await world.counts()
    response = await _bulk(world, assignment, [
        {"submission_id": mine, "rubric_assessment": {"thesis": {"points": 1}}},
        {"student_id": str(world.classmate), "rubric_assessment": {"thesis": {"points": 1}}},
    ])  # fmt: skip
    results = response.json()["results"]
    assert [(r["status"], r["problem"]["field"]) for r in results] == [
        ("invalid", "rubric_assessment"), ("invalid", "rubric_assessment"),
    ]  # fmt: skip
    assert await world.counts() == before

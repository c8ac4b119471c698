"""Grading a student who handed nothing in, against the real service: the grade (single, by
``POST /assignments/{id}/students/{student_id}/grade``, or in bulk by ``student_id``) creates the
student's submission without an attempt; it is listed, posted and announced as any other graded
submission, and a later hand-in is its first attempt. Someone who is not an active student of
the assignment's sections is 404, and every refusal writes nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from lms_platform.kernel.permissions import Permission
from lms_platform.messaging import decode_envelope
from tests.submission.integration.conftest import COLLEGE, OTHER_COLLEGE, World
from tests.submission.integration.test_events import read_topic


async def _grade(
    world: World, assignment: uuid.UUID, student: uuid.UUID, body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> Any:  # fmt: skip
    return await world.client.post(
        f"/assignments/{assignment}/students/{student}/grade", json=body,
        headers=world.as_teacher() if headers is None else headers,
    )  # fmt: skip


async def _bulk(world: World, assignment: uuid.UUID, grades: list[dict[str, Any]]) -> Any:
    response = await world.client.post(
        f"/assignments/{assignment}/grades", json={"grades": grades}, headers=world.as_teacher()
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_grade_for_work_never_handed_in_is_a_submission_without_an_attempt(
    world: World, kafka_bootstrap: str
) -> None:
    assignment = await world.assignment(points_possible=10.0, grade_posting="manual")
    graded = await _grade(world, assignment, world.student, {"score": 0, "comment": "Nothing came"})
    assert graded.status_code == 200, graded.text
    body = graded.json()
    assert body["student_id"] == str(world.student) and body["state"] == "graded"
    assert body["attempt"] == 0 and body["latest"] is None
    assert body["score"] == 0.0 and body["entered_score"] == 0.0 and body["grade"] == "0"
    assert body["points_deducted"] == 0.0 and body["graded_by"] == str(world.teacher)
    assert [c["comment"] for c in body["comments"]] == ["Nothing came"]
    assert [c["attempt"] for c in body["comments"]] == [0]
    submission = body["id"]

    # Graders list it with the others, by its state too; the student sees no grade yet.
    listed = (await world.client.get(
        "/submissions", params={"assignment_id": str(assignment), "state": "graded",
                                "include": "history"}, headers=world.as_ta(),
    )).json()  # fmt: skip
    assert [(i["id"], i["score"], i["history"]) for i in listed["items"]] == [(submission, 0.0, [])]
    own = (await world.client.get(f"/submissions/{submission}", headers=world.as_student())).json()
    assert own["state"] == "unsubmitted" and own["score"] is None and own["graded_at"] is None

    posted = await world.client.post(
        f"/assignments/{assignment}/grades/post", headers=world.as_teacher()
    )
    assert posted.json() == {"posted": 1}
    own = (await world.client.get(f"/submissions/{submission}", headers=world.as_student())).json()
    assert own["state"] == "returned" and own["score"] == 0.0

    # grade.recorded, then grade.posted, as for handed-in work; no submission.* event.
    prefix = world.service.settings.kafka_topic_prefix
    records = await read_topic(kafka_bootstrap, f"{prefix}grade", expected=2)
    envelopes = [decode_envelope(r.value) for r in records]
    assert [e.type for e in envelopes] == ["grade.recorded", "grade.posted"]
    assert {r.key for r in records} == {submission.encode()}
    assert all(e.subject == submission and e.source == "submission" for e in envelopes)
    snapshots = [msgspec.json.decode(e.data)["submission"] for e in envelopes]
    assert [(s["state"], s["attempt"], s["kind"], s["submitted_at"], s["score"]) for s in snapshots] == [
        ("graded", 0, None, None, 0.0), ("returned", 0, None, None, 0.0),
    ]  # fmt: skip
    assert snapshots[1]["posted_at"] is not None

    # The student hands in after all: the first attempt of the same submission.
    handed = await world.client.post(
        "/submissions", json={"assignment_id": str(assignment), "kind": "text", "text": "late"},
        headers=world.as_student(),
    )  # fmt: skip
    assert handed.status_code == 201, handed.text
    assert handed.json()["id"] == submission and handed.json()["attempt"] == 1
    assert handed.json()["state"] == "submitted"
    created = await read_topic(kafka_bootstrap, f"{prefix}submission", expected=1)
    assert [decode_envelope(r.value).type for r in created] == ["submission.created"]
    assert created[0].key == submission.encode()
    assert await world.service.scalar("SELECT count(*) FROM submissions") == 1


async def test_excused_or_commented_work_never_handed_in(world: World) -> None:
    assignment = await world.assignment()
    excused = await _grade(world, assignment, world.student, {"excused": True})
    assert excused.status_code == 200, excused.text
    assert excused.json()["state"] == "excused" and excused.json()["excused"] is True
    marked = await _grade(
        world, assignment, world.classmate, {"late_status": "missing", "comment": "Where is it?"}
    )
    assert marked.status_code == 200, marked.text
    assert marked.json()["state"] == "unsubmitted" and marked.json()["missing"] is True
    assert marked.json()["score"] is None
    # No longer excused, never graded: unsubmitted again.
    back = await _grade(world, assignment, world.student, {"excused": False})
    assert back.json()["state"] == "unsubmitted" and back.json()["excused"] is False
    unsubmitted = (await world.client.get(
        "/submissions", params={"assignment_id": str(assignment), "state": "unsubmitted"},
        headers=world.as_teacher(),
    )).json()  # fmt: skip
    assert {i["student_id"] for i in unsubmitted["items"]} == {
        str(world.student),
        str(world.classmate),
    }


async def test_the_late_policy_takes_nothing_from_a_grade_given_to_missing_work(
    world: World,
) -> None:
    # Past due, with the missing deduction on: the grader's score is what was entered.
    due = datetime.now(UTC) - timedelta(days=2)
    assignment = await world.assignment(points_possible=10.0, due_at=due.isoformat())
    await world.late_policy(missing_deduction_enabled=True, missing_deduction_percent=100,
                            late_deduction_enabled=True, late_deduction_percent=10)  # fmt: skip
    graded = await _grade(world, assignment, world.student, {"score": 4})
    assert graded.status_code == 200, graded.text
    assert graded.json()["score"] == 4.0 and graded.json()["points_deducted"] == 0.0


async def test_someone_who_is_not_an_active_student_of_the_assignment_is_404(world: World) -> None:
    other_section = uuid.uuid4()
    elsewhere, dropped, stranger = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await world.enroll(elsewhere, "student", section=other_section)
    await world.execute(
        "INSERT INTO memberships (enrollment_id, tenant_id, user_id, section_id, course_id, role,"
        " state, version, updated_at) VALUES ($1, $2, $3, $4, $5, 'student', 'dropped',"
        " 1, now())", uuid.uuid4(), COLLEGE, dropped, world.section_id, world.course_id,
    )  # fmt: skip
    for_section = await world.assignment(section_ids=[str(world.section_id)])
    unpublished = await world.assignment(status="unpublished")
    other_college = await world.assignment(tenant=OTHER_COLLEGE)
    cases = [
        (for_section, stranger, world.as_teacher()),  # never enrolled
        (for_section, world.ta, world.as_teacher()),  # staff, not a student
        (for_section, dropped, world.as_teacher()),  # dropped
        (for_section, elsewhere, world.as_teacher()),  # a section the assignment is not for
        (unpublished, world.student, world.as_teacher()),  # assigned to nobody yet
        (other_college, world.student, world.as_teacher()),  # another college's assignment
        (uuid.uuid4(), world.student, world.as_teacher()),  # no such assignment
    ]
    before = await world.counts()
    for assignment, student, headers in cases:
        response = await _grade(world, assignment, student, {"score": 1}, headers)
        assert response.status_code == 404, (student, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    report = await _bulk(world, for_section, [
        {"student_id": str(s), "score": 1} for s in (stranger, world.ta, dropped, elsewhere)
    ])  # fmt: skip
    assert [r["status"] for r in report["results"]] == ["not_found"] * 4
    assert all(r["submission_id"] is None for r in report["results"])
    assert await world.counts() == before
    # The student of the assignment's section is graded.
    assert (await _grade(world, for_section, world.student, {"score": 1})).status_code == 200


async def test_refused_grades_of_work_never_handed_in_write_nothing(world: World) -> None:
    assignment = await world.assignment(points_possible=10.0)
    anonymous = await world.assignment(anonymous_grading=True, grade_posting="manual")
    before = await world.counts()
    over = await _grade(world, assignment, world.student, {"score": 101})
    assert over.status_code == 422 and over.json()["extra"]["field"] == "score"
    both = await _grade(
        world,
        assignment,
        world.student,
        {"score": 1, "rubric_assessment": {"thesis": {"points": 1}}},
    )
    assert both.status_code == 422, both.text
    no_rubric = await _grade(
        world, assignment, world.student, {"rubric_assessment": {"thesis": {"points": 1}}}
    )
    assert (
        no_rubric.status_code == 422 and no_rubric.json()["extra"]["field"] == "rubric_assessment"
    )
    empty = await _grade(world, assignment, world.student, {})
    assert empty.status_code == 422 and empty.json()["code"] == "invalid_input"
    malformed = await _grade(world, assignment, world.student, {"score": "1"})
    assert malformed.status_code == 400
    # Under anonymous grading a student is never named before posting, handed in or not.
    named = await _grade(world, anonymous, world.student, {"score": 1})
    assert named.status_code == 403 and named.json()["code"] == "permission_denied"
    readonly = world.service.bearer(str(world.ta), COLLEGE, roles=("teaching_assistant",),
                                    permissions=(Permission.SUBMISSION_READ,))  # fmt: skip
    assert (
        await _grade(world, assignment, world.student, {"score": 1}, readonly)
    ).status_code == 403
    student = await _grade(world, assignment, world.classmate, {"score": 1}, world.as_student())
    assert student.status_code == 404
    report = await _bulk(world, assignment, [
        {"student_id": str(world.student), "score": 101},
        {"student_id": str(world.student), "score": 5},  # named twice: only the first counts
        {"student_id": str(world.classmate)},  # asks nothing: ok, creates nothing
    ])  # fmt: skip
    assert [(r["status"], r["submission_id"]) for r in report["results"]] == [
        ("invalid", None), ("refused", None), ("ok", None),
    ]  # fmt: skip
    anonymous_report = await _bulk(
        world, anonymous, [{"student_id": str(world.student), "score": 1}]
    )
    assert anonymous_report["results"][0]["status"] == "refused"
    assert await world.counts() == before


async def test_a_handed_in_submission_is_graded_by_student_too(world: World) -> None:
    assignment = await world.assignment()
    submission = await world.text_submission(assignment)
    unchanged = await _grade(world, assignment, world.student, {})
    assert unchanged.status_code == 200 and unchanged.json()["id"] == submission
    assert unchanged.json()["score"] is None
    graded = await _grade(world, assignment, world.student, {"score": 7}, world.as_ta())
    assert graded.status_code == 200, graded.text
    assert graded.json()["id"] == submission and graded.json()["attempt"] == 1
    assert graded.json()["score"] == 7.0


async def test_bulk_grading_creates_the_submissions_of_students_who_handed_nothing_in(
    world: World, kafka_bootstrap: str
) -> None:
    assignment = await world.assignment(points_possible=10.0)
    mine = await world.text_submission(assignment)
    late_joiner = uuid.uuid4()
    await world.enroll(late_joiner, "student")
    report = await _bulk(world, assignment, [
        {"student_id": str(world.student), "score": 9},
        {"student_id": str(world.classmate), "score": 0, "comment": "Missing"},
        {"student_id": str(late_joiner), "excused": True},
        {"student_id": str(world.classmate), "score": 3},  # named twice
    ])  # fmt: skip
    statuses = [r["status"] for r in report["results"]]
    assert statuses == ["ok", "ok", "ok", "refused"], report
    ids = [r["submission_id"] for r in report["results"]]
    assert ids[0] == mine and ids[1] is not None and ids[2] is not None and ids[3] == ids[1]
    listed = (await world.client.get(
        "/submissions", params={"assignment_id": str(assignment)}, headers=world.as_teacher()
    )).json()  # fmt: skip
    assert {i["id"]: (i["state"], i["attempt"], i["score"]) for i in listed["items"]} == {
        mine: ("returned", 1, 9.0),
        ids[1]: ("returned", 0, 0.0),
        ids[2]: ("excused", 0, None),
    }
    prefix = world.service.settings.kafka_topic_prefix
    records = await read_topic(kafka_bootstrap, f"{prefix}grade", expected=6)
    kinds = sorted((decode_envelope(r.value).type, r.key.decode()) for r in records)
    assert kinds == sorted(
        (kind, key) for key in (mine, ids[1], ids[2]) for kind in ("grade.recorded", "grade.posted")
    )


async def test_concurrent_grades_of_work_never_handed_in_make_one_submission(world: World) -> None:
    assignment = await world.assignment(points_possible=10.0)
    responses = await asyncio.gather(*(
        _grade(world, assignment, world.student, {"score": score}, world.as_ta())
        for score in range(1, 7)
    ))  # fmt: skip
    assert [r.status_code for r in responses] == [200] * 6, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert await world.service.scalar("SELECT count(*) FROM submissions") == 1
    handed = await world.client.post(
        "/submissions", json={"assignment_id": str(assignment), "kind": "text", "text": "t"},
        headers=world.as_student(),
    )  # fmt: skip
    assert handed.status_code == 201 and handed.json()["id"] == responses[0].json()["id"]


async def test_a_grade_and_the_first_hand_in_at_once_make_one_submission(world: World) -> None:
    assignment = await world.assignment(points_possible=10.0)
    students = [uuid.uuid4() for _ in range(4)]
    for student in students:
        await world.enroll(student, "student")
    answers = await asyncio.gather(*(
        call for student in students for call in (
            _grade(world, assignment, student, {"score": 3}, world.as_ta()),
            world.client.post(
                "/submissions", json={"assignment_id": str(assignment), "kind": "text", "text": "t"},
                headers=world.as_student(student),
            ),
        )
    ))  # fmt: skip
    assert [a.status_code for a in answers] == [200, 201] * 4, [a.text for a in answers]
    for graded, handed in zip(answers[::2], answers[1::2], strict=True):
        assert graded.json()["id"] == handed.json()["id"] and handed.json()["attempt"] == 1
    assert await world.service.scalar("SELECT count(*) FROM submissions") == 4
    assert await world.service.scalar("SELECT count(*) FROM attempts") == 4

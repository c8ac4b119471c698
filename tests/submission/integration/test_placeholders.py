"""Placeholder submissions against the real service: under anonymous grading a grader starts the
submissions of the students who handed nothing in (``POST /assignments/{id}/submissions/
placeholders``), sees them listed as ``unsubmitted`` without a name, grades one by its
submission id, and no answer names a student before the grades are posted; afterwards the
student sees the grade. Placeholders publish no event; refusals write nothing."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from lms_platform.messaging import decode_envelope
from tests.submission.integration.conftest import COLLEGE, OTHER_COLLEGE, World
from tests.submission.integration.test_events import read_topic


async def _placeholders(
    world: World, assignment: object, headers: dict[str, str] | None = None
) -> Any:
    return await world.client.post(
        f"/assignments/{assignment}/submissions/placeholders",
        headers=world.as_teacher() if headers is None else headers,
    )


async def _list(world: World, assignment: object, headers: dict[str, str], **params: str) -> Any:
    response = await world.client.get(
        "/submissions", params={"assignment_id": str(assignment), **params}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response


async def test_an_anonymous_grader_grades_work_never_handed_in_by_its_placeholder(
    world: World, kafka_bootstrap: str
) -> None:
    assignment = await world.assignment(anonymous_grading=True, grade_posting="manual")
    handed_in = await world.text_submission(assignment)  # the student; the classmate hands nothing
    names = (str(world.student), str(world.classmate))
    seen_by_graders: list[str] = []

    made = await _placeholders(world, assignment, world.as_ta())
    assert made.status_code == 200, made.text
    assert made.json() == {"created": 1, "students": 2}
    again = await _placeholders(world, assignment)  # idempotent
    assert again.json() == {"created": 0, "students": 2}
    assert await world.service.scalar("SELECT count(*) FROM submissions") == 2
    assert await world.service.scalar("SELECT count(*) FROM attempts") == 1
    seen_by_graders += [made.text, again.text]

    listed = await _list(world, assignment, world.as_ta())
    seen_by_graders.append(listed.text)
    items = listed.json()["items"]
    assert {i["id"]: (i["student_id"], i["state"], i["attempt"]) for i in items} == {
        handed_in: (None, "submitted", 1),
        items[1]["id"]: (None, "unsubmitted", 0),
    }
    assert [i["anonymous_id"] for i in items] == [i["id"].replace("-", "")[:10] for i in items]
    unsubmitted = await _list(world, assignment, world.as_ta(), state="unsubmitted")
    seen_by_graders.append(unsubmitted.text)
    [placeholder] = unsubmitted.json()["items"]
    assert placeholder["latest"] is None and placeholder["student_id"] is None

    graded = await world.client.post(
        f"/submissions/{placeholder['id']}/grade", json={"score": 0, "comment": "Nothing came"},
        headers=world.as_ta(),
    )  # fmt: skip
    assert graded.status_code == 200, graded.text
    seen_by_graders.append(graded.text)
    body = graded.json()
    assert (body["student_id"], body["state"], body["attempt"], body["score"]) == (
        None, "graded", 0, 0.0,
    )  # fmt: skip
    assert [c["attempt"] for c in body["comments"]] == [0]
    one = await world.client.get(f"/submissions/{placeholder['id']}", headers=world.as_teacher())
    seen_by_graders.append(one.text)
    assert one.json()["student_id"] is None and one.json()["state"] == "graded"
    # Naming the student is still refused: the placeholder does not make them nameable.
    named = await world.client.post(
        f"/assignments/{assignment}/students/{world.classmate}/grade", json={"score": 1},
        headers=world.as_teacher(),
    )  # fmt: skip
    assert named.status_code == 403, named.text
    for text in seen_by_graders:
        assert not any(name in text for name in names), text

    # Before posting the classmate sees their own submission only, without the grade.
    own = (await _list(world, assignment, world.as_student(world.classmate))).json()["items"]
    assert [(i["id"], i["state"], i["score"]) for i in own] == [
        (placeholder["id"], "unsubmitted", None)
    ]
    posted = await world.client.post(
        f"/assignments/{assignment}/grades/post", headers=world.as_teacher()
    )
    assert posted.json() == {"posted": 1}
    own = (await _list(world, assignment, world.as_student(world.classmate))).json()["items"]
    assert [(i["id"], i["student_id"], i["state"], i["score"]) for i in own] == [
        (placeholder["id"], str(world.classmate), "returned", 0.0)
    ]
    mine = (await _list(world, assignment, world.as_student())).json()["items"]
    assert [i["id"] for i in mine] == [handed_in]
    after = (await _list(world, assignment, world.as_ta())).json()["items"]
    assert {i["id"]: i["student_id"] for i in after} == {
        handed_in: None, placeholder["id"]: str(world.classmate),  # posted: named now
    }  # fmt: skip

    # grade.recorded and grade.posted for the placeholder, as for any grade of an absent student;
    # the placeholder itself announced nothing: the only submission.* event is the hand-in's.
    prefix = world.service.settings.kafka_topic_prefix
    grades = await read_topic(kafka_bootstrap, f"{prefix}grade", expected=2)
    envelopes = [decode_envelope(r.value) for r in grades]
    assert [e.type for e in envelopes] == ["grade.recorded", "grade.posted"]
    assert {r.key for r in grades} == {placeholder["id"].encode()}
    snapshots = [msgspec.json.decode(e.data)["submission"] for e in envelopes]
    assert [(s["state"], s["attempt"], s["submitted_at"]) for s in snapshots] == [
        ("graded", 0, None), ("returned", 0, None),
    ]  # fmt: skip
    handed = await read_topic(kafka_bootstrap, f"{prefix}submission", expected=1)
    assert [(decode_envelope(r.value).type, r.key) for r in handed] == [
        ("submission.created", handed_in.encode())
    ]


async def test_a_hand_in_onto_a_placeholder_is_its_first_attempt(
    world: World, kafka_bootstrap: str
) -> None:
    assignment = await world.assignment()
    assert (await _placeholders(world, assignment)).json() == {"created": 2, "students": 2}
    [placeholder] = (await _list(
        world, assignment, world.as_teacher(), student_id=str(world.classmate)
    )).json()["items"]  # fmt: skip
    assert placeholder["state"] == "unsubmitted" and placeholder["student_id"] == str(
        world.classmate
    )
    handed = await world.text_submission(assignment, world.classmate)
    assert handed == placeholder["id"]
    prefix = world.service.settings.kafka_topic_prefix
    records = await read_topic(kafka_bootstrap, f"{prefix}submission", expected=1)
    assert [(decode_envelope(r.value).type, r.key) for r in records] == [
        ("submission.created", handed.encode())
    ]
    assert await world.service.scalar("SELECT count(*) FROM submissions") == 2


async def test_placeholders_are_for_the_active_students_of_the_assigned_sections(
    world: World,
) -> None:
    other_section = uuid.uuid4()
    elsewhere, dropped = uuid.uuid4(), uuid.uuid4()
    await world.enroll(elsewhere, "student", section=other_section)
    await world.execute(
        "INSERT INTO memberships (enrollment_id, tenant_id, user_id, section_id, course_id, role,"
        " state, version, updated_at) VALUES ($1, $2, $3, $4, $5, 'student', 'dropped',"
        " 1, now())", uuid.uuid4(), COLLEGE, dropped, world.section_id, world.course_id,
    )  # fmt: skip
    for_section = await world.assignment(section_ids=[str(world.section_id)])
    for_course = await world.assignment()
    assert (await _placeholders(world, for_section)).json() == {"created": 2, "students": 2}
    assert (await _placeholders(world, for_course)).json() == {"created": 3, "students": 3}
    students = await world.service.scalar(
        "SELECT string_agg(student_id::text, ',' ORDER BY student_id) FROM submissions"
        " WHERE assignment_id = $1", for_section,
    )  # fmt: skip
    assert students == ",".join(sorted((str(world.student), str(world.classmate))))


async def test_refused_placeholder_calls_write_nothing(world: World) -> None:
    unpublished = await world.assignment(status="unpublished")
    deleted = await world.assignment(deleted_at="2026-01-01T00:00:00+00:00")
    other_college = await world.assignment(tenant=OTHER_COLLEGE)
    published = await world.assignment()
    before = await world.counts()
    refusals = [
        (unpublished, world.as_teacher(), 409, "assignment_not_published"),
        (deleted, world.as_teacher(), 404, "not_found"),
        (other_college, world.as_teacher(), 404, "not_found"),  # another college's assignment
        (uuid.uuid4(), world.as_teacher(), 404, "not_found"),  # no such assignment
        (published, world.as_student(), 404, "not_found"),
        (published, world.as_admin(OTHER_COLLEGE), 404, "not_found"),
    ]
    for assignment, headers, status, code in refusals:
        response = await _placeholders(world, assignment, headers)
        assert response.status_code == status, (assignment, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == code, response.text
    malformed = await world.client.post(
        "/assignments/not-a-uuid/submissions/placeholders", headers=world.as_teacher()
    )
    assert malformed.status_code in (400, 404), malformed.text
    assert await world.counts() == before


async def test_a_large_course_gets_its_placeholders_in_batches(world: World) -> None:
    # Over one batch of 1,000 rows (asyncpg's 32,767 parameters a statement).
    await world.execute(
        "INSERT INTO memberships (enrollment_id, tenant_id, user_id, section_id, course_id, role,"
        " state, version, updated_at) SELECT gen_random_uuid(), $1, gen_random_uuid(), $2, $3,"
        " 'student', 'active', 1, now() FROM generate_series(1, 1201)",
        COLLEGE, world.section_id, world.course_id,
    )  # fmt: skip
    assignment = await world.assignment(anonymous_grading=True)
    await world.text_submission(assignment)
    made = await _placeholders(world, assignment)
    assert made.status_code == 200, made.text
    assert made.json() == {"created": 1202, "students": 1203}
    assert (await _placeholders(world, assignment)).json() == {"created": 0, "students": 1203}
    assert await world.service.scalar(
        "SELECT count(DISTINCT student_id) FROM submissions WHERE assignment_id = $1"
        " AND state = 'unsubmitted'", assignment,
    ) == 1202  # fmt: skip
    page = (await _list(world, assignment, world.as_ta(), state="unsubmitted", limit="5")).json()
    assert len(page["items"]) == 5 and all(i["student_id"] is None for i in page["items"])

"""Students' names in the zip, from ``user.*`` events published with a plain Kafka producer:
the newest profile version names the folder (a duplicate or an older event changes nothing), a
deleted user's name is gone for good, anonymous grading still hides everyone, and an event the
service cannot read goes to the DLQ and writes nothing."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import UTC, datetime
from typing import Any

from lms_platform.messaging import encode_envelope, new_envelope
from tests.submission.integration.conftest import COLLEGE, PDF, World
from tests.submission.integration.test_events import publish, read_topic, wait_for


def _profile(user: uuid.UUID, display_name: str, version: int) -> dict[str, Any]:
    return {"profile": {
        "id": str(user), "email": f"{user.hex[:6]}@example.edu", "display_name": display_name,
        "avatar_url": None, "bio": "", "timezone": "UTC", "locale": "en", "roles": ["student"],
        "status": "active", "version": version, "updated_at": datetime.now(UTC).isoformat(),
    }}  # fmt: skip


def _event(event_type: str, user: uuid.UUID, data: dict[str, Any], tenant: str = COLLEGE) -> bytes:
    return encode_envelope(new_envelope(event_type, "user", str(user), tenant, data))


async def _processed(world: World) -> int:
    return int(
        await world.service.scalar(
            "SELECT count(*) FROM processed_messages WHERE consumer = 'submission.user-events'"
        )
    )


async def _folders(world: World, assignment: uuid.UUID) -> set[str]:
    response = await world.client.get(
        f"/assignments/{assignment}/submissions.zip", headers=world.as_teacher()
    )
    assert response.status_code == 200, response.text
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    return {name.split("/", 1)[0] for name in archive.namelist()}


async def test_the_zip_names_folders_by_the_newest_name_heard(
    world: World, kafka_bootstrap: str
) -> None:
    topic = f"{world.service.settings.kafka_topic_prefix}user"
    student, classmate = world.student, world.classmate
    created = _event("user.created", student, _profile(student, "Ada Lovelace", 1))
    renamed = _event("user.updated", student, {"changed_fields": ["display_name"],
                                               **_profile(student, "Ada King", 2)})  # fmt: skip
    stale = _event("user.updated", student, {"changed_fields": ["display_name"],
                                             **_profile(student, "Ada Byron", 1)})  # fmt: skip
    # Created, renamed, the rename delivered twice, then an older event arriving late.
    await publish(kafka_bootstrap, topic, str(student), created, renamed, renamed, stale)
    slashed = _event("user.created", classmate, _profile(classmate, "../Grace/Hopper\n", 1))
    await publish(kafka_bootstrap, topic, str(classmate), slashed)

    async def all_handled() -> bool:
        return await _processed(world) == 4  # the redelivered rename once

    await wait_for(all_handled)
    assert await world.service.scalar(
        "SELECT display_name FROM student_names WHERE user_id = $1", student
    ) == "Ada King"  # fmt: skip

    assignment = await world.assignment()
    await world.presigned_submit(assignment, "essay.pdf", PDF)
    await world.direct(assignment, "notes.txt", b"mine\n", headers=world.as_student(classmate))
    assert await _folders(world, assignment) == {
        f"Ada King ({student.hex[:8]})",
        f"Grace-Hopper ({classmate.hex[:8]})",
    }

    # Anonymous grading, grades not posted: no name, no id, though both names are known.
    hidden = await world.assignment(anonymous_grading=True, grade_posting="manual")
    await world.presigned_submit(hidden, "essay.pdf", PDF)
    (folder,) = await _folders(world, hidden)
    assert folder.startswith("anonymous-") and "Ada" not in folder and student.hex[:8] not in folder

    # Deleted: the name is forgotten, and a replayed newer profile does not bring it back.
    deleted = _event(
        "user.deleted", classmate, {"email": "x@example.edu", "deleted_at": datetime.now(UTC).isoformat()}
    )  # fmt: skip
    replayed = _event("user.updated", classmate, _profile(classmate, "Grace Hopper", 5))
    await publish(kafka_bootstrap, topic, str(classmate), deleted, replayed)

    async def deletion_handled() -> bool:
        return await _processed(world) == 6

    await wait_for(deletion_handled)
    assert await _folders(world, assignment) == {f"Ada King ({student.hex[:8]})", str(classmate)}


async def test_a_user_event_that_does_not_fit_goes_to_the_dlq_and_writes_nothing(
    world: World, kafka_bootstrap: str
) -> None:
    topic = f"{world.service.settings.kafka_topic_prefix}user"
    user = world.student
    incomplete = _event("user.created", user, {"profile": {"id": str(user)}})
    not_theirs = _event("user.created", user, _profile(uuid.uuid4(), "Someone Else", 1))
    no_college = encode_envelope(
        new_envelope("user.created", "user", str(user), None, _profile(user, "Nobody", 1))
    )
    poison = [b"\xff not an envelope", incomplete, not_theirs, no_college]
    await publish(kafka_bootstrap, topic, str(user), *poison)
    dead = await read_topic(kafka_bootstrap, f"{topic}.dlq", expected=len(poison))
    assert [record.value for record in dead] == poison
    headers = {name: value.decode() for name, value in dead[1].headers}
    assert headers["x-dlq-original-topic"] == topic and headers["x-dlq-error"]
    assert await world.service.scalar("SELECT count(*) FROM student_names") == 0
    assignment = await world.assignment()
    await world.presigned_submit(assignment, "essay.pdf", PDF)
    assert await _folders(world, assignment) == {str(user)}

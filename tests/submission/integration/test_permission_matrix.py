"""Every route of the submission service, by caller: the submitting student (owner), a classmate,
a student of the college outside the course, the course's TA, a TA without the grade
permission, the instructor, the college admin, another college's admin and student, and no token.

The table must list every route the app serves. For each route: no token is 401; every refused
caller gets its status (404 where the thing does not exist for them, 403 where they see it but
may not do this) and writes nothing (rows and S3 objects counted before and after); for reads
every allowed caller succeeds, for writes the least privileged allowed caller does.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from lms.submission.config import SubmissionSettings
from lms.submission.main import SERVICE
from lms_platform.kernel.permissions import Permission
from lms_platform.runtime import ServiceRuntime
from tests.submission.integration.conftest import OTHER_COLLEGE, PDF, RUBRIC, World

CALLERS = (
    "owner", "classmate", "outsider", "ta_readonly", "ta", "teacher", "admin",
    "other_admin", "other_student",
)  # fmt: skip
STUDENTS = frozenset({"owner", "classmate"})
GRADERS = frozenset({"ta", "teacher", "admin"})
READERS = GRADERS | {"ta_readonly"}
PLATFORM_PATHS = ("/health", "/ready", "/metrics", "/schema")


def headers_for(
    world: World, caller: str, outsider: uuid.UUID, readonly_ta: uuid.UUID
) -> dict[str, str]:
    s = world.service
    return {
        "owner": world.as_student(),
        "classmate": world.as_student(world.classmate),
        "outsider": world.as_student(outsider),
        "ta_readonly": s.bearer(str(readonly_ta), "college-a", roles=("teaching_assistant",),
                                permissions=(Permission.SUBMISSION_READ,)),
        "ta": world.as_ta(),
        "teacher": world.as_teacher(),
        "admin": world.as_admin(),
        "other_admin": world.as_admin(OTHER_COLLEGE),
        "other_student": world.as_student(college=OTHER_COLLEGE),
    }[caller]  # fmt: skip


@dataclass
class Fixture:
    """What the routes act on: an assignment, the owner's submission and file, a pending upload."""

    assignment: str = ""
    submission: str = ""
    file: str = ""
    upload: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


Call = Callable[[World, Fixture, dict[str, str]], Awaitable[Any]]


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    call: Call
    write: bool
    expect: int = 200
    forbidden: frozenset[str] = frozenset()  # these get 403; every other refused caller 404


async def _slot(w: World, f: Fixture, h: dict[str, str]) -> Any:
    return await w.slot(uuid.UUID(f.assignment), "b.pdf", PDF, headers=h)


async def _confirm(w: World, f: Fixture, h: dict[str, str]) -> Any:
    return await w.confirm(f.upload, headers=h)


async def _submit(w: World, f: Fixture, h: dict[str, str]) -> Any:
    return await w.client.post(
        "/submissions", json={"assignment_id": f.assignment, "kind": "text", "text": "t"}, headers=h
    )


async def _direct(w: World, f: Fixture, h: dict[str, str]) -> Any:
    return await w.direct(uuid.UUID(f.assignment), "d.pdf", PDF, headers=h)


async def _list(w: World, f: Fixture, h: dict[str, str]) -> Any:
    return await w.client.get(f"/submissions?assignment_id={f.assignment}", headers=h)


async def _get(w: World, f: Fixture, h: dict[str, str]) -> Any:
    return await w.client.get(f"/submissions/{f.submission}", headers=h)


async def _put(w: World, f: Fixture, h: dict[str, str]) -> Any:
    return await w.client.put(
        f"/submissions/{f.submission}", json={"kind": "text", "text": "v2"}, headers=h
    )


async def _grade(w: World, f: Fixture, h: dict[str, str]) -> Any:
    return await w.client.post(f"/submissions/{f.submission}/grade", json={"score": 5}, headers=h)


async def _download(w: World, f: Fixture, h: dict[str, str]) -> Any:
    return await w.client.get(f"/submissions/{f.submission}/files/{f.file}/download", headers=h)


async def _post(w: World, f: Fixture, h: dict[str, str]) -> Any:
    return await w.client.post(f"/assignments/{f.assignment}/grades/post", headers=h)


async def _zip(w: World, f: Fixture, h: dict[str, str]) -> Any:
    return await w.client.get(f"/assignments/{f.assignment}/submissions.zip", headers=h)


async def _put_rubric(w: World, f: Fixture, h: dict[str, str]) -> Any:
    return await w.client.put(f"/assignments/{f.assignment}/rubric", json=RUBRIC, headers=h)


async def _get_rubric(w: World, f: Fixture, h: dict[str, str]) -> Any:
    return await w.client.get(f"/assignments/{f.assignment}/rubric", headers=h)


async def _delete_rubric(w: World, f: Fixture, h: dict[str, str]) -> Any:
    return await w.client.delete(f"/assignments/{f.assignment}/rubric", headers=h)


async def _bulk(w: World, f: Fixture, h: dict[str, str]) -> Any:
    return await w.client.post(
        f"/assignments/{f.assignment}/grades",
        json={"grades": [{"submission_id": f.submission, "score": 5}]}, headers=h,
    )  # fmt: skip


async def _grade_student(w: World, f: Fixture, h: dict[str, str]) -> Any:
    # The classmate handed nothing in: the grade creates their submission.
    return await w.client.post(
        f"/assignments/{f.assignment}/students/{w.classmate}/grade", json={"score": 5}, headers=h
    )


async def _bulk_absent(w: World, f: Fixture, h: dict[str, str]) -> Any:
    return await w.client.post(
        f"/assignments/{f.assignment}/grades",
        json={"grades": [{"student_id": str(w.classmate), "score": 5}]}, headers=h,
    )  # fmt: skip


async def _placeholders(w: World, f: Fixture, h: dict[str, str]) -> Any:
    # The classmate handed nothing in: an allowed grader starts their submission.
    return await w.client.post(f"/assignments/{f.assignment}/submissions/placeholders", headers=h)


MATRIX: dict[tuple[str, str], Rule] = {
    ("POST", "/submissions/uploads"): Rule(STUDENTS, _slot, write=True, expect=201),
    ("POST", "/submissions/uploads/{upload_id}/confirm"): Rule(
        frozenset({"owner"}), _confirm, write=True
    ),
    ("POST", "/submissions"): Rule(STUDENTS, _submit, write=True, expect=201),
    ("POST", "/submissions/direct"): Rule(STUDENTS, _direct, write=True, expect=201),
    ("GET", "/submissions"): Rule(STUDENTS | READERS, _list, write=False),
    ("GET", "/submissions/{submission_id}"): Rule(
        frozenset({"owner"}) | READERS, _get, write=False
    ),
    ("PUT", "/submissions/{submission_id}"): Rule(frozenset({"owner"}), _put, write=True),
    ("POST", "/submissions/{submission_id}/grade"): Rule(
        GRADERS, _grade, write=True, forbidden=frozenset({"ta_readonly"})
    ),
    ("GET", "/submissions/{submission_id}/files/{file_id}/download"): Rule(
        frozenset({"owner"}) | READERS, _download, write=False
    ),
    ("GET", "/assignments/{assignment_id}/submissions.zip"): Rule(READERS, _zip, write=False),
    ("POST", "/assignments/{assignment_id}/grades/post"): Rule(
        GRADERS, _post, write=True, forbidden=frozenset({"ta_readonly"})
    ),
    ("POST", "/assignments/{assignment_id}/grades"): Rule(
        GRADERS, _bulk, write=True, forbidden=frozenset({"ta_readonly"})
    ),
    ("POST", "/assignments/{assignment_id}/students/{student_id}/grade"): Rule(
        GRADERS, _grade_student, write=True, forbidden=frozenset({"ta_readonly"})
    ),
    ("POST", "/assignments/{assignment_id}/submissions/placeholders"): Rule(
        GRADERS, _placeholders, write=True, forbidden=frozenset({"ta_readonly"})
    ),
    # The course's students read the rubric, as in Canvas; graders change it.
    ("GET", "/assignments/{assignment_id}/rubric"): Rule(
        STUDENTS | READERS, _get_rubric, write=False
    ),
    ("PUT", "/assignments/{assignment_id}/rubric"): Rule(
        GRADERS, _put_rubric, write=True, forbidden=frozenset({"ta_readonly"})
    ),
    ("DELETE", "/assignments/{assignment_id}/rubric"): Rule(
        GRADERS, _delete_rubric, write=True, expect=204, forbidden=frozenset({"ta_readonly"})
    ),
}


def test_the_matrix_lists_every_route() -> None:
    settings = SubmissionSettings(
        environment="test", database_url="postgresql+asyncpg://x@127.0.0.1:1/x"
    )
    schema = ServiceRuntime(SERVICE, settings).http_app().openapi_schema
    served = {
        (method.upper(), path)
        for path, item in (schema.paths or {}).items()
        if path not in PLATFORM_PATHS
        for method in ("get", "post", "put", "patch", "delete")
        if getattr(item, method, None) is not None
    }
    assert served == set(MATRIX)


async def _fixture(world: World) -> Fixture:
    assignment = await world.assignment()
    confirmed = (await world.presigned_submit(assignment, "a.pdf", PDF)).json()["submission"]
    pending = (await world.slot(assignment, "p.pdf", PDF)).json()
    await world.put_to_storage(pending, PDF)
    assert (await world.rubric(assignment)).status_code == 200
    return Fixture(
        assignment=str(assignment), submission=confirmed["id"],
        file=confirmed["latest"]["files"][0]["id"], upload=pending["upload"]["id"],
    )  # fmt: skip


@pytest.mark.parametrize("route", list(MATRIX), ids=[f"{m} {p}" for m, p in MATRIX])
async def test_route(world: World, route: tuple[str, str]) -> None:
    rule = MATRIX[route]
    outsider, readonly_ta = uuid.uuid4(), uuid.uuid4()
    await world.enroll(readonly_ta, "teaching_assistant")
    fixture = await _fixture(world)
    anonymous = await rule.call(world, fixture, {})
    assert anonymous.status_code == 401, f"no token: {anonymous.text}"
    for caller in CALLERS:
        if caller in rule.allowed:
            continue
        before = await world.counts()
        response = await rule.call(
            world, fixture, headers_for(world, caller, outsider, readonly_ta)
        )
        expected = 403 if caller in rule.forbidden else 404
        assert response.status_code == expected, f"{caller}: {response.status_code} {response.text}"
        assert await world.counts() == before, f"{caller} changed something"
    allowed = [c for c in CALLERS if c in rule.allowed]
    for caller in allowed[:1] if rule.write else allowed:
        response = await rule.call(
            world, fixture, headers_for(world, caller, outsider, readonly_ta)
        )
        assert (
            response.status_code == rule.expect
        ), f"{caller}: {response.status_code} {response.text}"


@pytest.mark.parametrize("call", [_grade_student, _bulk_absent], ids=["one", "bulk"])
async def test_grading_work_never_handed_in_creates_nothing_for_a_refused_caller(
    world: World, call: Call
) -> None:
    """The classmate handed nothing in: every refused caller of the single and the bulk route
    gets its status and creates no submission; a TA's grade creates exactly one."""
    outsider, readonly_ta = uuid.uuid4(), uuid.uuid4()
    await world.enroll(readonly_ta, "teaching_assistant")
    fixture = await _fixture(world)
    for caller in CALLERS:
        if caller in GRADERS:
            continue
        before = await world.counts()
        response = await call(world, fixture, headers_for(world, caller, outsider, readonly_ta))
        expected = 403 if caller == "ta_readonly" else 404
        assert response.status_code == expected, f"{caller}: {response.status_code} {response.text}"
        assert await world.counts() == before, f"{caller} changed something"
    before = await world.counts()
    response = await call(world, fixture, headers_for(world, "ta", outsider, readonly_ta))
    assert response.status_code == 200, response.text
    after = await world.counts()
    assert after["submissions"] == int(before["submissions"]) + 1
    assert after["attempts"] == before["attempts"] and after["files"] == before["files"]
    state = await world.service.scalar(
        "SELECT state || ' ' || score::text FROM submissions WHERE student_id = $1",
        world.classmate,
    )
    assert state == "returned 5.00"  # graded, and posted at once (automatic posting)

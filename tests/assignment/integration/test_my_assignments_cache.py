"""``GET /me/assignments`` keeps each student's computed list in Redis (a real server) and
never serves it once anything it depends on changed: an edit, unpublishing, an override, a
new or deleted assignment, the course's archive lock, and the student's own enrollments.
Each step reads the list through the API right after the change and checks that Redis holds
the entry that answered it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from lms.assignment.adapters.cache.due_lists import RedisDueLists
from lms.assignment.application.course_events import ApplyCourseSnapshot
from lms.assignment.application.ports import DueEntry, DueList
from lms.assignment.domain.courses import KnownCourse
from lms_platform.kernel.grading import DateSource, EffectiveDates
from lms_platform.kernel.membership import EnrollmentState, SectionRole
from tests.assignment.integration.conftest import COLLEGE, AssignmentApi


async def _mine(api: AssignmentApi, who: str = "student") -> list[dict[str, Any]]:
    response = await api.client.get("/me/assignments", headers=api.as_(who))
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def _cache(api: AssignmentApi) -> tuple[Redis, RedisDueLists]:
    redis = Redis.from_url(api.service.settings.redis_url)
    return redis, RedisDueLists(redis, service="assignment", ttl_seconds=60)


async def _stored(api: AssignmentApi, who: str = "student") -> DueList:
    redis, cache = _cache(api)
    try:
        stored = await cache.get(COLLEGE, api.cast.users[who])
        assert stored is not None, "the list was not kept in Redis"
        return stored
    finally:
        await redis.aclose()


async def _stored_ids(api: AssignmentApi, who: str = "student") -> list[str]:
    return [str(e.assignment_id) for e in (await _stored(api, who)).entries]


async def _change(api: AssignmentApi, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    response = await api.client.request(method, path, headers=api.as_("instructor"), **kwargs)
    assert response.status_code in (200, 201, 204), response.text
    return dict(response.json()) if response.content else {}


async def test_every_change_is_seen_on_the_next_read(api: AssignmentApi) -> None:
    first = await api.create(title="One", due_at="2026-10-05T00:00:00Z")
    assert [a["title"] for a in await _mine(api)] == ["One"]
    assert await _stored_ids(api) == [first["id"]]
    path = f"/assignments/{first['id']}"

    await _change(api, "PATCH", path, json={"title": "Renamed"})
    assert [a["title"] for a in await _mine(api)] == ["Renamed"]

    student = str(api.cast.users["student"])
    extension = {"target": "student", "target_id": student, "due_at": "2026-10-09T00:00:00Z"}
    override = await _change(api, "POST", f"{path}/overrides", json=extension)
    [seen] = await _mine(api)
    assert seen["due_at"] == "2026-10-09T00:00:00Z"
    await _change(api, "DELETE", f"{path}/overrides/{override['id']}")
    [seen] = await _mine(api)
    assert seen["due_at"] == "2026-10-05T00:00:00Z"

    second = await api.create(title="Two", due_at="2026-10-02T00:00:00Z")
    assert [a["title"] for a in await _mine(api)] == ["Two", "Renamed"]
    assert set(await _stored_ids(api)) == {second["id"], first["id"]}

    await _change(api, "PATCH", path, json={"status": "draft"})
    assert [a["title"] for a in await _mine(api)] == ["Two"]
    await _change(api, "DELETE", f"/assignments/{second['id']}")
    assert await _mine(api) == []
    await _change(api, "PATCH", path, json={"status": "published"})
    [back] = await _mine(api)
    assert back["title"] == "Renamed" and not back["locked"]

    # course.archived, as the consumer applies it: the lock shows at once.
    async with api.service.runtime.container() as request:
        archive = await request.get(ApplyCourseSnapshot)
        course = KnownCourse(
            tenant_id=COLLEGE,
            course_id=api.cast.course_id,
            status="archived",
            version=2,
            updated_at=datetime.now(UTC),
        )
        assert await archive(course) == 1
    [locked] = await _mine(api)
    assert locked["locked"]


async def test_the_students_enrollments_are_part_of_it(api: AssignmentApi) -> None:
    for_b = await api.create(title="For B", section_ids=[str(api.cast.section_b)])
    for_all = await api.create(title="For all")
    assert [a["id"] for a in await _mine(api)] == [for_all["id"]]
    student = api.cast.users["student"]
    enrollment_b = await api.enroll(student, api.cast.section_b)
    assert {a["id"] for a in await _mine(api)} == {for_b["id"], for_all["id"]}
    await api.enroll(
        student,
        api.cast.section_b,
        state=EnrollmentState.DROPPED,
        version=2,
        enrollment_id=enrollment_b.id,
    )
    assert [a["id"] for a in await _mine(api)] == [for_all["id"]]
    # A student of a new course sees its work too, though nothing in the old course changed.
    other_course, other_section = uuid.uuid4(), uuid.uuid4()
    await api.know_course(other_course)
    teacher = uuid.uuid4()
    await api.enroll(teacher, other_section, SectionRole.INSTRUCTOR, course_id=other_course)
    await api.enroll(student, other_section, course_id=other_course)
    elsewhere = await api.client.post(
        "/assignments",
        json={"course_id": str(other_course), "title": "Elsewhere", "status": "published"},
        headers=api.token(teacher, roles=("instructor",)),
    )
    assert elsewhere.status_code == 201, elsewhere.text
    assert {a["title"] for a in await _mine(api)} == {"For all", "Elsewhere"}


async def test_students_have_their_own_entries(api: AssignmentApi) -> None:
    shared = await api.create(title="Shared", due_at="2026-10-05T00:00:00Z")
    await _change(
        api,
        "POST",
        f"/assignments/{shared['id']}/overrides",
        json={"target": "section", "target_id": str(api.cast.section_b),
              "due_at": "2026-10-07T00:00:00Z"},
    )  # fmt: skip
    [mine] = await _mine(api, "student")
    [theirs] = await _mine(api, "other_section")
    assert mine["due_at"] == "2026-10-05T00:00:00Z"
    assert theirs["due_at"] == "2026-10-07T00:00:00Z"
    [kept_mine] = (await _stored(api, "student")).entries
    [kept_theirs] = (await _stored(api, "other_section")).entries
    assert (kept_mine.dates.due_source, kept_theirs.dates.due_source) == (
        DateSource.ASSIGNMENT,
        DateSource.SECTION,
    )


async def test_entries_round_trip_expire_and_redis_down_is_a_miss(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    cache = RedisDueLists(redis, service="assignment", ttl_seconds=30, namespace="cache-test")
    student = uuid.uuid4()
    now = datetime(2026, 10, 1, tzinfo=UTC)
    entry = DueEntry(
        assignment_id=uuid.uuid4(),
        course_id=uuid.uuid4(),
        created_at=now,
        dates=EffectiveDates(
            unlock_at=None, due_at=now, lock_at=None, due_source=DateSource.STUDENT
        ),
        details_hidden=True,
    )
    kept = DueList(
        revision=(3, 7),
        sections=frozenset({uuid.uuid4(), uuid.uuid4()}),
        computed_at=now,
        valid_until=None,
        entries=(entry,),
    )
    try:
        assert await cache.get(COLLEGE, student) is None
        await cache.put(COLLEGE, student, kept)
        assert await cache.get(COLLEGE, student) == kept
        assert 0 < await redis.ttl(cache.key(COLLEGE, student)) <= 30
        await redis.set(cache.key(COLLEGE, student), b"not msgpack of a list")
        assert await cache.get(COLLEGE, student) is None
    finally:
        await redis.aclose()
    unreachable = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.2)
    down = RedisDueLists(unreachable, service="assignment", ttl_seconds=30)
    try:
        assert await down.get(COLLEGE, student) is None
        await down.put(COLLEGE, student, kept)  # logged, not raised
    finally:
        await unreachable.aclose()

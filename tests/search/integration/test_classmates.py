"""Classmates in ``/search/users`` against the real servers: a person without ``user:read``
finds the people who share an active section with them (by name, public profile only), never
another section's, never another college's, and no longer once an enrollment is dropped."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from lms.search.config import SearchSettings
from lms_platform.testing.services import RunningService
from tests.search.integration.conftest import COLLEGE, OTHER_COLLEGE
from tests.search.integration.events import (
    enrollment_event,
    eventually,
    new_id,
    publish,
    user_event,
)
from tests.search.integration.world import World, admin, build, ids, student

NO_USER_READ = ("course:read", "assignment:read")


@dataclass
class Class:
    """Beside the world's student and instructor (both of ``world.section``): a classmate and
    an observer of the student there, a student of the other section, and someone of another
    college enrolled in a section with the same id."""

    world: World = field(default_factory=World)
    classmate: str = field(default_factory=new_id)
    classmate_enrollment: str = field(default_factory=new_id)
    observer: str = field(default_factory=new_id)
    stranger: str = field(default_factory=new_id)
    elsewhere: str = field(default_factory=new_id)

    def users(self) -> list[Any]:
        return [
            user_event(COLLEGE, self.classmate, name="Clara Mate", email="cmate77@uni.example"),
            user_event(COLLEGE, self.observer, name="Obi Server", email="obi@a.edu",
                       roles=("observer",)),
            user_event(COLLEGE, self.stranger, name="Stran Ger", email="stran@a.edu"),
            user_event(OTHER_COLLEGE, self.elsewhere, name="Clara Elsewhere", email="c@b.edu"),
        ]  # fmt: skip

    def enrollments(self, *, classmate_state: str = "active", version: int = 1) -> list[Any]:
        w = self.world
        return [
            w.enrol(),
            self.classmate_in_section(classmate_state, version),
            enrollment_event(COLLEGE, new_id(), user_id=self.observer, section_id=w.section,
                             course_id=w.course, role="observer", observed_user_id=w.student),
            enrollment_event(COLLEGE, new_id(), user_id=self.stranger,
                             section_id=w.other_section, course_id=w.course),
            enrollment_event(OTHER_COLLEGE, new_id(), user_id=self.elsewhere,
                             section_id=w.section, course_id=w.other_college_course),
        ]  # fmt: skip

    def classmate_in_section(self, state: str, version: int) -> Any:
        w = self.world
        return enrollment_event(
            COLLEGE, self.classmate_enrollment, user_id=self.classmate, section_id=w.section,
            course_id=w.course, state=state, version=version,
        )  # fmt: skip


async def users(
    service: RunningService[SearchSettings], headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    response = await service.client.get("/search/users", params=params, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def set_up(service: RunningService[SearchSettings]) -> Class:
    room = Class()
    await build(service, room.world)
    prefix = service.settings.kafka_topic_prefix
    bootstrap = service.settings.kafka_bootstrap_servers
    await publish(bootstrap, f"{prefix}user", room.users())
    await publish(bootstrap, f"{prefix}enrollment", room.enrollments())
    await eventually(
        lambda: users(service, admin(service), page_size=100), lambda r: r["total"] == 5
    )
    await eventually(  # the enrollments are in: the observer finds the observed student
        lambda: users(service, _token(service, room.observer)),
        lambda r: room.world.student in ids(r),
    )
    return room


def _token(service: RunningService[SearchSettings], user_id: str, role: str = "student") -> Any:
    return service.bearer(user_id, COLLEGE, roles=(role,), permissions=NO_USER_READ)


async def test_a_student_finds_the_people_of_their_section_and_no_one_else(
    search_service: RunningService[SearchSettings],
) -> None:
    room = await set_up(search_service)
    w = room.world
    found = await users(search_service, student(search_service, w.student), page_size=100)
    # Not the observer, not the other section's student, not the other college's user.
    assert ids(found) == {w.student, w.teacher, room.classmate}
    assert found["total"] == 3


async def test_a_classmate_shows_and_matches_their_public_profile_only(
    search_service: RunningService[SearchSettings],
) -> None:
    room = await set_up(search_service)
    me = student(search_service, room.world.student)
    by_name = await users(search_service, me, q="clar")
    assert ids(by_name) == {room.classmate}  # not "Clara Elsewhere" of the other college
    (hit,) = by_name["items"]
    assert hit["fields"] == {
        "doc_type": "user", "id": room.classmate, "display_name": "Clara Mate", "avatar_url": None,
    }  # fmt: skip
    assert set(hit["highlight"]) <= {"display_name"}
    # Their email, roles and status are not the student's to search or see.
    assert ids(await users(search_service, admin(search_service), q="cmate77")) == {room.classmate}
    assert ids(await users(search_service, me, q="cmate77")) == set()
    assert ids(await users(search_service, me, role="student")) == {room.world.student}
    own = await users(search_service, me, q="stu@a.edu")
    assert ids(own) == {room.world.student}
    assert own["items"][0]["fields"]["email"] == "stu@a.edu"  # their own profile in full
    faceted = await search_service.client.post(
        "/search", json={"types": ["user"], "facets": {"user": ["roles"]}}, headers=me
    )
    assert faceted.status_code == 200, faceted.text
    assert faceted.json()["facets"]["user"]["roles"] == [{"value": "student", "count": 1}]


async def test_a_dropped_classmate_is_no_longer_found(
    search_service: RunningService[SearchSettings],
) -> None:
    room = await set_up(search_service)
    me = student(search_service, room.world.student)
    assert room.classmate in ids(await users(search_service, me))
    await publish(
        search_service.settings.kafka_bootstrap_servers,
        f"{search_service.settings.kafka_topic_prefix}enrollment",
        [room.classmate_in_section("dropped", version=2)],
    )
    after = await eventually(
        lambda: users(search_service, me), lambda r: room.classmate not in ids(r)
    )
    assert ids(after) == {room.world.student, room.world.teacher}
    # And the dropped student no longer finds the section either: only themselves.
    dropped = await users(search_service, _token(search_service, room.classmate))
    assert ids(dropped) == {room.classmate}


async def test_staff_without_user_read_find_the_people_of_their_section(
    search_service: RunningService[SearchSettings],
) -> None:
    room = await set_up(search_service)
    w = room.world
    staff = _token(search_service, w.teacher, role="instructor")
    found = await users(search_service, staff, page_size=100)
    assert ids(found) == {w.teacher, w.student, room.classmate, room.observer}


async def test_an_observer_finds_the_observed_student_and_the_staff_not_the_class(
    search_service: RunningService[SearchSettings],
) -> None:
    room = await set_up(search_service)
    w = room.world
    found = await users(search_service, _token(search_service, room.observer, role="observer"))
    assert ids(found) == {room.observer, w.student, w.teacher}


async def test_a_section_of_a_thousand_students(
    search_service: RunningService[SearchSettings],
) -> None:
    """The terms filter of a 1000-student section: every classmate counted, pages exact."""
    world = World()
    await build(search_service, world)
    classmates = [new_id() for _ in range(1000)]
    prefix = search_service.settings.kafka_topic_prefix
    bootstrap = search_service.settings.kafka_bootstrap_servers
    await publish(
        bootstrap,
        f"{prefix}user",
        [user_event(COLLEGE, c, name=f"Peer {n}", email=f"p{n}@a.edu")
         for n, c in enumerate(classmates)],
    )  # fmt: skip
    await publish(
        bootstrap,
        f"{prefix}enrollment",
        [world.enrol()]
        + [enrollment_event(COLLEGE, new_id(), user_id=c, section_id=world.section,
                            course_id=world.course) for c in classmates],
    )  # fmt: skip
    me = student(search_service, world.student)
    everyone = len(classmates) + 2  # and the student and the instructor
    await eventually(
        lambda: users(search_service, me), lambda r: r["total"] == everyone, timeout=60
    )
    started = time.perf_counter()
    page = await users(search_service, me, q="peer", page_size=100)
    elapsed = time.perf_counter() - started
    assert page["total"] == len(classmates)
    assert len(page["items"]) == 100 and page["next_cursor"] is not None
    assert elapsed < 2.0, f"a search over a 1000-student section took {elapsed:.2f} s"

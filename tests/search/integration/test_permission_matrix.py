"""Every route of the search service, by caller: a student and a teaching assistant of the
course, its instructor, a designer of the student's section without ``user:read``, an observer
of the student, the college's admin, another college's admin, a platform operator, a service
credential (an API key with ``course:read``) and no token.

The table lists every route the app serves (the first test fails on a new route without an
entry). For the searches, each caller finds exactly what the visibility rules allow, counts
included; the rebuild is refused to everyone but the operator and then writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from elasticsearch import AsyncElasticsearch

from lms.search.adapters.elastic.mappings import IndexNames
from lms.search.config import SearchSettings
from lms.search.domain.documents import DocType
from lms_platform.testing.services import RunningService
from tests.search.integration.conftest import COLLEGE, OTHER_COLLEGE
from tests.search.integration.events import enrollment_event, eventually, new_id, publish
from tests.search.integration.world import World, build, ids, search

PLATFORM_PATHS = ("/health", "/ready", "/metrics", "/schema")
_STUDENT = ("course:read", "assignment:read", "submission:create", "note:write")
_TA = (*_STUDENT, "submission:read", "submission:grade", "user:read")
_INSTRUCTOR = (*_TA, "course:create", "course:update", "assignment:create", "enrollment:manage")
_DESIGNER = ("course:read", "assignment:read", "assignment:create")
_OBSERVER = ("course:read", "assignment:read")
_ADMIN = (*_INSTRUCTOR, "course:manage", "course:delete", "user:manage", "account:manage")


@dataclass
class Others:
    """Members of the student's section beside the world's: a designer and an observer."""

    ta: str = field(default_factory=new_id)
    designer: str = field(default_factory=new_id)
    observer: str = field(default_factory=new_id)


def callers(
    service: RunningService[SearchSettings], world: World, others: Others
) -> dict[str, Any]:
    """Tokens as auth mints them (its default role -> permission table); the designer's role
    is given no ``user:read`` here, to show a section's staff find its people without it."""
    ta = others.ta
    return {
        "student": service.bearer(world.student, COLLEGE, roles=("student",), permissions=_STUDENT),
        "ta": service.bearer(ta, COLLEGE, roles=("teaching_assistant",), permissions=_TA),
        "instructor": service.bearer(
            world.teacher, COLLEGE, roles=("instructor",), permissions=_INSTRUCTOR
        ),
        "designer": service.bearer(
            others.designer, COLLEGE, roles=("designer",), permissions=_DESIGNER
        ),
        "observer": service.bearer(
            others.observer, COLLEGE, roles=("observer",), permissions=_OBSERVER
        ),
        "admin": service.bearer(new_id(), COLLEGE, roles=("college_admin",), permissions=_ADMIN),
        "other_college": service.bearer(
            new_id(), OTHER_COLLEGE, roles=("college_admin",), permissions=_ADMIN
        ),
        "operator": service.bearer(new_id(), COLLEGE, roles=("super_admin",)),
        "service": service.bearer("key-search-sync", COLLEGE, roles=(), permissions=("course:read",)),
        "anonymous": {},
    }  # fmt: skip


def expected(world: World, others: Others) -> dict[str, dict[str, set[str]]]:
    """Per caller and type, the ids found with an empty query. Without ``user:read``, the users
    found are oneself and the people of one's active sections (docs/services/search.md)."""
    all_assignments = {
        world.for_my_section, world.unpublished, world.for_other_section, world.for_everyone,
        world.not_unlocked,
    }  # fmt: skip
    users = {world.student, world.teacher}  # the designer and observer have no profile
    section = {world.student, world.teacher, others.designer, others.observer}
    both_courses = {world.course, world.draft_course}
    # Notes: no role reads another person's notes (docs/services/notes.md); the TA is an active
    # member of the course (another section), so finds the note shared with the course.
    return {
        "student": {"course": {world.course}, "assignment": world.visible_to_student,
                    "user": {world.student, world.teacher},
                    "note": world.notes_of_enrolled_student},
        "ta": {"course": {world.course}, "assignment": all_assignments, "user": users,
               "note": {world.course_note}},
        "instructor": {"course": {world.course}, "assignment": all_assignments, "user": users,
                       "note": world.notes_of_teacher},
        # Staff of the student's section: its drafts, everyone in it (no profile, no hit).
        "designer": {"course": {world.course}, "assignment": all_assignments,
                     "user": section & users, "note": {world.section_note, world.course_note}},
        # An observer finds no assignment through that role; the notes shared with their
        # section and course (any active member does); in users, the observed student and
        # the section's staff, not the class.
        "observer": {"course": {world.course}, "assignment": set(),
                     "user": {world.student, world.teacher},
                     "note": {world.section_note, world.course_note}},
        "admin": {"course": both_courses, "assignment": all_assignments, "user": users,
                  "note": set()},
        "other_college": {"course": {world.other_college_course}, "assignment": set(),
                          "user": set(), "note": set()},
        "operator": {"course": both_courses, "assignment": all_assignments, "user": users,
                     "note": set()},
        "service": {"course": {world.course}, "assignment": set(), "user": set(), "note": set()},
    }  # fmt: skip


ROUTES: dict[tuple[str, str], tuple[str, ...]] = {
    # route -> the types it searches
    ("POST", "/search"): ("course", "assignment", "user", "note"),
    ("GET", "/search/courses"): ("course",),
    ("GET", "/search/assignments"): ("assignment",),
    ("GET", "/search/users"): ("user",),
    ("GET", "/search/notes"): ("note",),
}
REBUILD = ("POST", "/search/index")


async def test_the_table_lists_every_route(search_service: RunningService[SearchSettings]) -> None:
    served = {
        (method, route.path)
        for route in search_service.runtime.http_app().routes
        for method in getattr(route, "methods", ())
        if method not in ("HEAD", "OPTIONS") and not route.path.startswith(PLATFORM_PATHS)
    }
    assert served == {*ROUTES, REBUILD}


async def test_every_caller_finds_what_they_may_and_nothing_else(
    search_service: RunningService[SearchSettings],
) -> None:
    world = World()
    await build(search_service, world)
    others = Others()
    prefix = search_service.settings.kafka_topic_prefix
    await publish(
        search_service.settings.kafka_bootstrap_servers,
        f"{prefix}enrollment",
        [
            world.enrol(),
            enrollment_event(COLLEGE, new_id(), user_id=others.ta, section_id=world.other_section,
                             course_id=world.course, role="teaching_assistant"),
            enrollment_event(COLLEGE, new_id(), user_id=others.designer, role="designer",
                             section_id=world.section, course_id=world.course),
            enrollment_event(COLLEGE, new_id(), user_id=others.observer, role="observer",
                             section_id=world.section, course_id=world.course,
                             observed_user_id=world.student),
        ],
    )  # fmt: skip
    headers = callers(search_service, world, others)
    await eventually(
        lambda: search(search_service, headers["student"], types=["assignment"]),
        lambda r: r["total"] == 2,
    )
    await eventually(
        lambda: search(search_service, headers["ta"], types=["assignment"]),
        lambda r: r["total"] == 5,
    )
    await eventually(  # the student's section and course shares, once enrolled
        lambda: search(search_service, headers["student"], types=["note"]),
        lambda r: r["total"] == 4,
    )
    await eventually(
        lambda: search(search_service, headers["observer"], types=["user"]),
        lambda r: r["total"] == 2,
    )
    wanted = expected(world, others)
    for (method, path), types in ROUTES.items():
        for caller, token in headers.items():
            if method == "POST":
                response = await search_service.client.post(
                    path, json={"page_size": 100}, headers=token
                )
            else:
                response = await search_service.client.get(
                    path, params={"page_size": 100}, headers=token
                )
            if caller == "anonymous":
                assert response.status_code == 401, (path, response.text)
                continue
            assert response.status_code == 200, (method, path, caller, response.text)
            body = response.json()
            should = set().union(*(wanted[caller][t] for t in types))
            assert ids(body) == should, (method, path, caller)
            assert body["total"] == len(should), (method, path, caller)


async def test_only_the_operator_may_rebuild_and_a_refusal_writes_nothing(
    search_service: RunningService[SearchSettings],
) -> None:
    world = World()
    await build(search_service, world)
    headers = callers(search_service, world, Others())
    names = IndexNames(search_service.settings.index_prefix)
    es = await search_service.runtime.container.get(AsyncElasticsearch)

    async def versions() -> dict[str, list[str]]:
        return {t.value: sorted(await es.indices.get_alias(name=names.alias(t))) for t in DocType}

    before = await versions()
    for caller, token in headers.items():
        if caller == "operator":
            continue
        response = await search_service.client.post("/search/index", json={}, headers=token)
        assert response.status_code == (401 if caller == "anonymous" else 403), caller
        assert response.headers["content-type"].startswith("application/problem+json")
    assert await versions() == before
    response = await search_service.client.post(
        "/search/index", json={"types": ["course"]}, headers=headers["operator"]
    )
    assert response.status_code == 200, response.text
    after = await versions()
    assert after["course"] == [names.version(DocType.COURSE, 2)]
    assert after["user"] == before["user"] and after["assignment"] == before["assignment"]

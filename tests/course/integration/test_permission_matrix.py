"""Every route of the course service, by caller: the observer, student, teaching assistant,
instructor and designer of a section; an instructor of another section of the same course; the
college's admin; another college's admin; a service credential; and no token.

The table must list every route the app serves (the first test fails on a new route without an
entry). For each route: no token is 401; every refused caller gets its status (403, or 404
where the thing is hidden from them, e.g. in another college) and writes nothing (row counts
and row versions before and after); for reads every allowed caller succeeds, for writes the
least privileged allowed caller does. Each route runs against its own fresh world.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from lms.course.config import CourseSettings
from lms.course.main import SERVICE
from lms_platform.kernel.roles import Role
from lms_platform.runtime import ServiceRuntime
from tests.course.integration.conftest import OTHER_COLLEGE, CourseApi
from tests.course.integration.test_roster_import import finished
from tests.course.oneroster import minimal_bundle

# Least privileged first: a write is made by the first allowed caller in this order.
CALLERS = (
    "service", "observer", "student", "ta", "designer", "other_section", "instructor", "admin",
    "other_college",
)  # fmt: skip
MEMBERS = frozenset(
    {"observer", "student", "ta", "designer", "other_section", "instructor", "admin"}
)
EDITORS = frozenset({"designer", "other_section", "instructor", "admin"})  # may edit the course
SECTION_STAFF = frozenset({"ta", "designer", "instructor", "admin"})
ENROLLERS = frozenset({"instructor", "admin"})
ADMIN = frozenset({"admin"})
PLATFORM_PATHS = ("/health", "/ready", "/metrics", "/schema")


@dataclass
class World:
    ids: dict[str, str] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)


Body = Callable[[World], Any]


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    body: Body | None = None
    expect: int | None = None  # the allowed call's status when it is not a plain success
    hidden: frozenset[str] = frozenset({"other_college", "service"})  # these get 404, not 403
    refusals: dict[str, int] = field(default_factory=dict)  # other statuses for some callers
    own_college: bool = False  # other_college acts in its own college (lists it, creates there)
    content: bytes | None = None  # a raw body instead of JSON
    content_type: str = "application/json"


def _json(value: Any) -> Body:
    return lambda _world: value


def _term(_: World) -> Any:
    return {"name": "Fall 2026", "start_date": "2026-09-01", "end_date": "2026-12-20"}


COLLECTION = frozenset({"other_college", "service"})  # refused on collections by permission: 403

PROTECTED: dict[tuple[str, str], Rule] = {
    ("POST", "/terms"): Rule(ADMIN, _term, hidden=frozenset(), own_college=True),
    ("GET", "/terms"): Rule(MEMBERS, hidden=frozenset(), own_college=True),
    ("POST", "/batches"): Rule(
        ADMIN, _json({"code": "B-NEW", "name": "Intake"}), hidden=frozenset(), own_college=True
    ),
    ("GET", "/batches"): Rule(MEMBERS, hidden=frozenset(), own_college=True),
    ("POST", "/courses"): Rule(
        EDITORS, _json({"code": "NEW-1", "title": "New"}), hidden=frozenset(), own_college=True
    ),
    ("GET", "/courses"): Rule(MEMBERS, hidden=frozenset(), own_college=True),
    ("GET", "/courses/{course_id:uuid}"): Rule(MEMBERS),
    ("PATCH", "/courses/{course_id:uuid}"): Rule(
        EDITORS,
        _json(
            {
                "title": "Renamed",
                "grading_scheme": [
                    {"name": "Pass", "min_percent": 50},
                    {"name": "Fail", "min_percent": 0},
                ],
            }
        ),
    ),  # fmt: skip
    # The course has active enrollments: deleting it is a conflict, after the checks.
    ("DELETE", "/courses/{course_id:uuid}"): Rule(ADMIN, expect=409),
    ("GET", "/courses/{course_id:uuid}/sections"): Rule(MEMBERS),
    ("POST", "/sections"): Rule(
        EDITORS,
        lambda w: {"course_id": w.ids["course_id"], "code": "NEW", "name": "New"},
        # The course is named in the body: one the caller cannot see is invalid input.
        refusals={"other_college": 422, "service": 422},
    ),
    ("GET", "/sections"): Rule(MEMBERS, hidden=frozenset(), own_college=True),
    ("GET", "/sections/{section_id:uuid}"): Rule(MEMBERS),
    ("PATCH", "/sections/{section_id:uuid}"): Rule(EDITORS, _json({"schedule": "Mon 9-11"})),
    ("GET", "/sections/{section_id:uuid}/enrollments"): Rule(SECTION_STAFF),
    ("POST", "/sections/{section_id:uuid}/enrollments"): Rule(
        ENROLLERS, lambda w: {"user_id": w.ids["newcomer"]}
    ),
    ("POST", "/sections/{section_id:uuid}/enrollments/bulk"): Rule(
        ENROLLERS, lambda w: {"items": [{"user_id": w.ids["newcomer"]}]}
    ),
    ("PATCH", "/enrollments/{enrollment_id:uuid}"): Rule(
        ENROLLERS, _json({"role": "teaching_assistant"})
    ),
    ("POST", "/enrollments/{enrollment_id:uuid}/drop"): Rule(ENROLLERS),
    ("GET", "/enrollments"): Rule(
        frozenset({"service", "admin"}), hidden=frozenset(), own_college=True
    ),
    ("GET", "/me/courses"): Rule(MEMBERS | {"other_college", "service"}, hidden=frozenset()),
    ("GET", "/courses/{course_id:uuid}/modules"): Rule(MEMBERS),
    ("POST", "/courses/{course_id:uuid}/modules"): Rule(EDITORS, _json({"title": "Week 2"})),
    ("PATCH", "/modules/{module_id:uuid}"): Rule(EDITORS, _json({"title": "Week one"})),
    ("DELETE", "/modules/{module_id:uuid}"): Rule(EDITORS),
    ("POST", "/modules/{module_id:uuid}/items"): Rule(
        EDITORS, _json({"title": "Slides", "type": "file", "reference": "files/1"})
    ),
    ("PUT", "/modules/{module_id:uuid}/items/order"): Rule(
        EDITORS, lambda w: {"item_ids": [w.ids["item_id"]]}
    ),
    ("PATCH", "/items/{item_id:uuid}"): Rule(EDITORS, _json({"title": "Slides v2"})),
    ("DELETE", "/items/{item_id:uuid}"): Rule(EDITORS),
    ("POST", "/roster-imports"): Rule(
        ADMIN,
        content=minimal_bundle("someone@uni.edu"),
        content_type="application/zip",
        hidden=frozenset(),
        own_college=True,
        expect=202,
    ),  # fmt: skip
    ("GET", "/roster-imports/{job_id:uuid}"): Rule(ADMIN, hidden=frozenset({"other_college"})),
}

PUBLIC: set[tuple[str, str]] = set()


def _served_routes(settings: CourseSettings) -> set[tuple[str, str]]:
    app = ServiceRuntime(SERVICE, settings).http_app()
    served: set[tuple[str, str]] = set()
    for route in app.routes:
        if route.path.startswith(PLATFORM_PATHS):
            continue
        for method in getattr(route, "methods", ()):
            if method not in ("HEAD", "OPTIONS"):
                served.add((method, route.path))
    return served


def test_every_route_is_in_the_matrix(course_settings: CourseSettings) -> None:
    served = _served_routes(course_settings)
    assert served - PROTECTED.keys() - PUBLIC == set(), "routes without a matrix entry"
    assert (PROTECTED.keys() | PUBLIC) - served == set(), "matrix entries for missing routes"


async def build_world(api: CourseApi) -> World:
    world = World()
    users = {name: await api.add_user() for name in (
        "observer", "student", "ta", "designer", "other_section", "instructor", "target", "newcomer"
    )}  # fmt: skip
    course = await api.create_course(code=f"CS-{uuid.uuid4().hex[:6]}")
    await api.publish(course["id"])
    section = await api.create_section(course["id"], "A", capacity=30)
    other_section = await api.create_section(course["id"], "B")
    await api.enroll(section["id"], users["student"])
    await api.enroll(section["id"], users["ta"], "teaching_assistant")
    await api.enroll(section["id"], users["instructor"], "instructor")
    await api.enroll(section["id"], users["designer"], "designer")
    await api.enroll(
        section["id"], users["observer"], "observer", observed_user_id=users["student"]
    )
    await api.enroll(other_section["id"], users["other_section"], "instructor")
    target = await api.enroll(section["id"], users["target"])
    module = await api.client.post(
        f"/courses/{course['id']}/modules",
        json={"title": "Week 1", "published": True},
        headers=api.admin(),
    )
    assert module.status_code == 201, module.text
    item = await api.client.post(
        f"/modules/{module.json()['id']}/items",
        json={"title": "Intro", "type": "page", "published": True}, headers=api.admin(),
    )  # fmt: skip
    assert item.status_code == 201, item.text
    job = await api.client.post(
        "/roster-imports", content=minimal_bundle("nobody@uni.edu"),
        headers={**api.admin(), "content-type": "application/zip"},
    )  # fmt: skip
    assert job.status_code == 202, job.text
    await finished(api, job.json()["id"])  # the worker is done with it before the calls start
    world.ids = {
        "course_id": course["id"], "section_id": section["id"], "enrollment_id": target["id"],
        "module_id": module.json()["id"], "item_id": item.json()["id"], "newcomer": users["newcomer"],
        "job_id": job.json()["id"],
    }  # fmt: skip
    platform_roles = {
        "observer": (Role.STUDENT,), "student": (Role.STUDENT,), "ta": (Role.TEACHING_ASSISTANT,),
        "designer": (Role.INSTRUCTOR,), "other_section": (Role.INSTRUCTOR,),
        "instructor": (Role.INSTRUCTOR,),
    }  # fmt: skip
    world.headers = {
        name: api.token(users[name], roles=roles) for name, roles in platform_roles.items()
    }
    world.headers["admin"] = api.admin()
    world.headers["other_college"] = api.admin(OTHER_COLLEGE)
    world.headers["service"] = api.token("svc-chat", roles=(), permissions={"enrollment:sync"})
    return world


def _expected_refusal(rule: Rule, caller: str) -> int:
    if caller in rule.refusals:
        return rule.refusals[caller]
    return 404 if caller in rule.hidden else 403


@pytest.mark.parametrize(("method", "path"), sorted(PROTECTED), ids=lambda v: str(v))
async def test_route(api: CourseApi, method: str, path: str) -> None:
    rule = PROTECTED[(method, path)]
    world = await build_world(api)
    url = path
    for name, value in world.ids.items():
        url = url.replace(f"{{{name}:uuid}}", value)
    body = rule.body(world) if rule.body else None

    async def call(headers: dict[str, str] | None) -> Any:
        if rule.content is not None:
            return await api.client.request(
                method,
                url,
                content=rule.content,
                headers={**(headers or {}), "content-type": rule.content_type},
            )
        return await api.client.request(method, url, json=body, headers=headers or {})

    before = await api.row_counts()
    anonymous = await call(None)
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.headers["content-type"].startswith("application/problem+json")

    allowed = [
        c for c in CALLERS if c in rule.allowed or (rule.own_college and c == "other_college")
    ]
    for caller in CALLERS:
        if caller in allowed:
            continue
        response = await call(world.headers[caller])
        expected = _expected_refusal(rule, caller)
        assert response.status_code == expected, f"{caller}: {response.status_code} {response.text}"
        assert response.headers["content-type"].startswith("application/problem+json")
    assert await api.row_counts() == before, "a refused call wrote something"

    if method == "GET":
        for caller in allowed:
            response = await call(world.headers[caller])
            assert response.status_code == 200, f"{caller}: {response.text}"
            if caller == "other_college":  # its own college: nothing of college A shows
                assert not set(world.ids.values()) & _ids_in(response.json())
        return
    first = allowed[0]
    response = await call(world.headers[first])
    defaults = {"POST": (200, 201), "DELETE": (204,)}
    expected_codes = (rule.expect,) if rule.expect else defaults.get(method, (200,))
    assert (
        response.status_code in expected_codes
    ), f"{first}: {response.status_code} {response.text}"


def _ids_in(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for item in value.values():
            found |= _ids_in(item)
    elif isinstance(value, list):
        for item in value:
            found |= _ids_in(item)
    elif isinstance(value, str):
        found.add(value)
    return found

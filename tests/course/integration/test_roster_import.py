"""OneRoster 1.2 CSV import: good rows, bad rows (file, line, field), an unknown sourcedId, a
delta bundle; exact counts, and importing twice changes nothing."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from tests.course.integration.conftest import CourseApi
from tests.course.oneroster import bundle, minimal_bundle, user_row

MODIFIED = "2026-11-01T10:00:00Z"
LATER = "2026-11-15T10:00:00Z"

BULK = {
    "orgs.csv": [
        "org-1,,,Main School,school,,",
        "org-bad,,,Nowhere,galaxy,,",  # line 3: type
    ],
    "academicSessions.csv": [
        "term-1,,,Fall 2026,term,2026-09-01,2026-12-20,,2026",
        "term-bad,,,Broken,term,2026-12-20,2026-09-01,,2026",  # line 3: endDate before startDate
    ],
    "courses.csv": [
        "course-1,,,term-1,Algebra,ALG-1,,org-1,,",
        "course-2,,,term-1,Geometry,GEO-1,,org-missing,,",  # line 3: unknown orgSourcedId
    ],
    "classes.csv": [
        "class-1,,,Algebra A,,course-1,ALG-1A,scheduled,,org-1,term-1,,,",
        "class-2,,,Algebra B,,course-1,ALG-1B,lecture,,org-1,term-1,,,",  # line 3: classType
    ],
    "users.csv": [
        user_row("u-s1", "s1@uni.edu"),
        user_row("u-s2", "s2@uni.edu"),
        user_row("u-s3", "s3@uni.edu"),
        user_row("u-t", "teacher@uni.edu"),
        user_row("u-g", "parent@uni.edu", agents="u-s1"),
        user_row("u-ghost", "ghost@uni.edu"),  # line 7: no account with this email
        user_row("u-noemail", ""),  # line 8: email required
    ],
    "roles.csv": [
        "r-1,,,u-s1,primary,student,,,org-1,",
        "r-2,,,u-ghost,primary,student,,,org-1,",  # line 3: the user was not imported
    ],
    "enrollments.csv": [
        "e-1,,,class-1,org-1,u-s1,student,false,,",
        "e-2,,,class-1,org-1,u-s2,student,false,,",
        "e-3,,,class-1,org-1,u-t,teacher,true,,",
        "e-4,,,class-1,org-1,u-g,guardian,false,,",
        "e-5,,,class-missing,org-1,u-s1,student,false,,",  # line 6: unknown classSourcedId
        "e-6,,,class-1,org-1,u-ghost,student,false,,",  # line 7: unknown userSourcedId
        "e-7,,,class-1,org-1,u-s3,administrator,false,,",  # line 8: no section role
    ],
}
ALL_BULK = dict.fromkeys(BULK, "bulk")

DELTA = {
    "classes.csv": [
        f"class-1,active,{LATER},Algebra A (renamed),,course-1,ALG-1A,scheduled,,org-1,term-1,,,"
    ],
    "enrollments.csv": [
        f"e-2,tobedeleted,{LATER},class-1,org-1,u-s2,student,false,,",
        f"e-1,active,{LATER},class-1,org-1,u-s1,student,false,,",  # the same content again
        f"e-8,active,{LATER},class-1,org-1,u-s3,student,false,,",
        "e-9,,,class-1,org-1,u-s3,student,false,,",  # line 5: a delta row needs its date and status
    ],
}
DELTA_MODES = {"classes.csv": "delta", "enrollments.csv": "delta"}

EXPECTED_BULK = {
    "orgs.csv": {"total": 2, "created": 1, "failed": 1},
    "academicSessions.csv": {"total": 2, "created": 1, "failed": 1},
    "courses.csv": {"total": 2, "created": 1, "failed": 1},
    "classes.csv": {"total": 2, "created": 1, "failed": 1},
    "users.csv": {"total": 7, "created": 5, "failed": 2},
    "roles.csv": {"total": 2, "created": 1, "failed": 1},
    "enrollments.csv": {"total": 7, "created": 4, "failed": 3},
}
EXPECTED_ERRORS = {
    ("orgs.csv", 3, "type", "invalid"),
    ("academicSessions.csv", 3, "endDate", "invalid"),
    ("courses.csv", 3, "orgSourcedId", "unknown_reference"),
    ("classes.csv", 3, "classType", "invalid"),
    ("users.csv", 7, "email", "no_account"),
    ("users.csv", 8, "email", "required"),
    ("roles.csv", 3, "userSourcedId", "unknown_reference"),
    ("enrollments.csv", 6, "classSourcedId", "unknown_reference"),
    ("enrollments.csv", 7, "userSourcedId", "unknown_reference"),
    ("enrollments.csv", 8, "role", "unsupported"),
}


async def upload(
    api: CourseApi, content: bytes, media_type: str = "application/zip"
) -> dict[str, Any]:
    response = await api.client.post(
        "/roster-imports", content=content, headers={**api.admin(), "content-type": media_type}
    )
    assert response.status_code == 202, response.text
    return await finished(api, response.json()["id"])


async def finished(api: CourseApi, job_id: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        job = (await api.client.get(f"/roster-imports/{job_id}", headers=api.admin())).json()
        if job["status"] in ("succeeded", "failed"):
            return dict(job)
        assert asyncio.get_running_loop().time() < deadline, job
        await asyncio.sleep(0.1)


def _counts(job: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {
        name: {k: v for k, v in counts.items() if v}
        for name, counts in job["counts"].items()
        if counts["total"]
    }


async def _state(api: CourseApi) -> dict[str, Any]:
    rows = await api.row_counts()
    rows.pop("known_users")
    rows.pop("roster_imports")  # every upload is a job
    enrollments = await api.service.scalar(
        "SELECT string_agg(k.email || ':' || e.role || ':' || e.state, ',' ORDER BY k.email) "
        "FROM enrollments e JOIN known_users k ON k.id = e.user_id"
    )
    return {**rows, "enrollments_by_user": enrollments}


async def test_bulk_then_delta_bundles_give_exact_counts_and_twice_changes_nothing(
    api: CourseApi,
) -> None:
    users = {}
    for email in ("s1@uni.edu", "s2@uni.edu", "s3@uni.edu", "teacher@uni.edu", "parent@uni.edu"):
        users[email] = await api.add_user(email=email)

    first = await upload(api, bundle(BULK, ALL_BULK))
    assert first["status"] == "succeeded", first
    assert _counts(first) == EXPECTED_BULK
    assert {
        (e["file"], e["line"], e["field"], e["code"]) for e in first["errors"]
    } == EXPECTED_ERRORS
    assert first["total"] == 24 and first["processed"] == 24 and first["progress"] == 1.0

    course = (await api.client.get("/courses?q=ALG-1", headers=api.admin())).json()["items"]
    assert [c["code"] for c in course] == ["ALG-1"] and course[0]["status"] == "published"
    after_first = await _state(api)
    assert after_first["enrollments_by_user"] == (
        "parent@uni.edu:observer:active,s1@uni.edu:student:active,"
        "s2@uni.edu:student:active,teacher@uni.edu:instructor:active"
    )
    observer = await api.service.scalar(
        "SELECT observed_user_id FROM enrollments WHERE user_id = $1",
        uuid.UUID(users["parent@uni.edu"]),
    )
    assert str(observer) == users["s1@uni.edu"]

    again = await upload(api, bundle(BULK, ALL_BULK))
    assert _counts(again) == {
        name: {"total": c["total"], "unchanged": c["created"], "failed": c["failed"]}
        for name, c in EXPECTED_BULK.items()
    }
    assert await _state(api) == after_first  # nothing written, no event either

    delta = await upload(api, bundle(DELTA, DELTA_MODES))
    assert _counts(delta) == {
        "classes.csv": {"total": 1, "updated": 1},
        "enrollments.csv": {"total": 4, "deleted": 1, "unchanged": 1, "created": 1, "failed": 1},
    }
    assert {(e["file"], e["line"], e["field"], e["code"]) for e in delta["errors"]} == {
        ("enrollments.csv", 5, "dateLastModified", "required")
    }
    after_delta = await _state(api)
    assert after_delta["enrollments_by_user"] == (
        "parent@uni.edu:observer:active,s1@uni.edu:student:active,s2@uni.edu:student:dropped,"
        "s3@uni.edu:student:active,teacher@uni.edu:instructor:active"
    )
    sections = (
        await api.client.get(f"/courses/{course[0]['id']}/sections", headers=api.admin())
    ).json()
    assert [s["name"] for s in sections["items"]] == ["Algebra A (renamed)"]

    delta_again = await upload(api, bundle(DELTA, DELTA_MODES))
    assert _counts(delta_again) == {
        "classes.csv": {"total": 1, "unchanged": 1},
        "enrollments.csv": {"total": 4, "unchanged": 3, "failed": 1},
    }
    assert await _state(api) == after_delta


async def test_a_bad_upload_is_refused_and_leaves_nothing(api: CourseApi) -> None:
    admin = api.admin()
    before = (await api.row_counts(), await api.count("roster_imports"))
    cases = [
        (b"not a zip at all", "application/zip", 422),
        (minimal_bundle("x@uni.edu"), "text/csv", 415),
        (
            bundle(
                {"orgs.csv": ["org-1,,,School,school,,"]}, {"orgs.csv": "bulk", "users.csv": "bulk"}
            ),
            "application/zip",
            422,
        ),
        (
            bundle({"orgs.csv": ["org-1,,,School,school,,"]}, {"orgs.csv": "sometimes"}),
            "application/zip",
            422,
        ),
    ]
    for content, media_type, status in cases:
        response = await api.client.post(
            "/roster-imports", content=content, headers={**admin, "content-type": media_type}
        )
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await api.row_counts(), await api.count("roster_imports")) == before


async def test_a_bundle_over_the_size_limit_is_a_413(api: CourseApi) -> None:
    limit = api.service.settings.roster_max_bytes
    response = await api.client.post(
        "/roster-imports",
        content=b"0" * (limit + 1),
        headers={**api.admin(), "content-type": "application/zip"},
    )
    assert response.status_code == 413
    assert await api.count("roster_imports") == 0


async def test_a_bundle_sent_as_plain_bytes_is_imported_like_a_zip(api: CourseApi) -> None:
    await api.add_user(email="x@uni.edu")
    job = await upload(api, minimal_bundle("x@uni.edu"), "application/octet-stream")
    assert job["status"] == "succeeded", job
    assert job["errors"] == []
    assert await api.count("sections") == 1

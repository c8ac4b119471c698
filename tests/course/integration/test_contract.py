"""The course API's contract: schemathesis, with every check, against the real running service.

Two passes with every check on: a college admin of a college with a catalogue in it (a term,
a batch, a published course with a section, enrolled users, a module with an item), over
every phase, and an instructor of that section over the generated phases (fuzzing, stateful),
whose refusals (403) and hidden things (404) the document must foresee too. A stale If-Match
is a 412 for any request, valid or not: preconditions come before the content (RFC 9110,
13.2.1).
"""

from __future__ import annotations

from pathlib import Path

from lms_platform.kernel.roles import Role
from lms_platform.testing.contract import Allowance, ExplicitCase, run_contract
from tests.course.integration.conftest import CourseApi

# 34 operations (user has 7 at 25 each): fewer examples per operation bound the run time
# (docs/services/course.md). The instructor's pass is about refusals, which need no variety.
MAX_EXAMPLES = 10
INSTRUCTOR_EXAMPLES = 5
_DATES = "an end date is not before its start date (also the stored one): a rule across fields"
_IN_COLLEGE = "must name a {} of the caller's college, which is data"
ALLOWANCES = (
    Allowance(
        "positive_data_acceptance", (422,), r"^POST /(terms|batches)$", _DATES,
    ),
    Allowance(
        "positive_data_acceptance", (422,), r"^(POST /courses|PATCH /courses/[{]course_id[}])$",
        "term_id " + _IN_COLLEGE.format("term") + "; " + _DATES
        + "; a grading scheme's floors go strictly down to 0 and its letters differ (across items)",
    ),
    Allowance(
        "positive_data_acceptance", (422,),
        r"^(POST /sections|PATCH /sections/[{]section_id[}])$",
        "course_id and batch_id " + _IN_COLLEGE.format("course or batch") + "; " + _DATES,
    ),
    Allowance(
        "positive_data_acceptance", (422,), r"^POST /sections/[{]section_id[}]/enrollments$",
        "user_id must be an active user of the college (known from user.* events), and an "
        "observer's observed_user_id a student of the section: data",
    ),
    Allowance(
        "positive_data_acceptance", (422,), r"^POST /sections/[{]section_id[}]/enrollments/bulk$",
        "a user appears at most once in items: uniqueItems compares whole items, not one field",
    ),
    Allowance(
        "positive_data_acceptance", (422,), r"^PATCH /enrollments/[{]enrollment_id[}]$",
        "only an observer (the stored role when role is absent) follows a student, who must be "
        "a student of the section: the enrollment's state and data",
    ),
    Allowance(
        "positive_data_acceptance", (422,),
        r"^(POST /courses/[{]course_id[}]/modules|PATCH /modules/[{]module_id[}])$",
        "prerequisite_ids must name other modules of the same course, without a cycle: data",
    ),
    Allowance(
        "positive_data_acceptance", (422,), r"^PUT /modules/[{]module_id[}]/items/order$",
        "item_ids must list every item of the module exactly once: data",
    ),
    Allowance(
        "positive_data_acceptance", (422,), r"^POST /roster-imports$",
        "the bundle is a zip of OneRoster CSV files, checked file by file and row by row; the "
        "schema can only say application/zip",
    ),
    Allowance(
        "positive_data_acceptance", (400,),
        r"^GET /(terms|batches|courses|sections|enrollments"
        r"|courses/[{]course_id[}]/sections|sections/[{]section_id[}]/enrollments)$",
        "a cursor is opaque and signed: only a next_cursor this API issued, for the same list, "
        "sort and filters, is valid (400); and a cursor goes without an offset",
    ),
)  # fmt: skip
HUGE_OFFSET = 3922646421714803361613256740306944
EXPLICIT = (
    ExplicitCase(
        "GET",
        "/enrollments",
        query={"cursor": "garbage"},
        expect={400},
        why="a cursor this API never returned is a 400, never a 500",
    ),
    ExplicitCase(
        "GET",
        "/courses",
        query={"cursor": "garbage", "sort": "-title"},
        expect={400},
        why="a list's cursor this API never returned is a 400, never a 500",
    ),
    ExplicitCase(
        "GET",
        "/courses",
        query={"limit": 41, "offset": HUGE_OFFSET},
        expect={400},
        why="an offset past any page is a 400, never a 500",
    ),
)


async def _catalogue(api: CourseApi) -> str:
    """A college with something in every table; the id of the section's instructor."""
    admin = api.admin()
    term = await api.client.post(
        "/terms",
        json={"name": "Fall", "start_date": "2026-09-01", "end_date": "2026-12-20"},
        headers=admin,
    )
    assert term.status_code == 201, term.text
    batch = await api.client.post(
        "/batches", json={"code": "B2026", "name": "Intake 2026"}, headers=admin
    )
    assert batch.status_code == 201, batch.text
    course = await api.create_course(term_id=term.json()["id"])
    await api.publish(course["id"])
    section = await api.create_section(course["id"], capacity=30, batch_id=batch.json()["id"])
    instructor = await api.add_user()
    await api.enroll(section["id"], instructor, role="instructor")
    for _ in range(3):
        await api.enroll(section["id"], await api.add_user())
    module = await api.client.post(
        f"/courses/{course['id']}/modules", json={"title": "Week 1"}, headers=admin
    )
    assert module.status_code == 201, module.text
    item = await api.client.post(
        f"/modules/{module.json()['id']}/items",
        json={"title": "Welcome", "type": "page"},
        headers=admin,
    )
    assert item.status_code == 201, item.text
    return instructor


async def test_the_contract_holds_for_a_college_admin(api: CourseApi, tmp_path: Path) -> None:
    await _catalogue(api)
    result = await run_contract(
        str(api.client.base_url),
        headers=api.admin(),
        report_dir=tmp_path,
        max_examples=MAX_EXAMPLES,
        state_statuses=(412,),
        allowances=ALLOWANCES,
        explicit=EXPLICIT,
    )
    result.assert_passed()


async def test_the_contract_holds_for_an_instructor(api: CourseApi, tmp_path: Path) -> None:
    instructor = await _catalogue(api)
    result = await run_contract(
        str(api.client.base_url),
        headers=api.token(instructor, roles=(Role.INSTRUCTOR,)),
        report_dir=tmp_path,
        max_examples=INSTRUCTOR_EXAMPLES,
        phases=("fuzzing", "stateful"),
        state_statuses=(412,),
        allowances=ALLOWANCES,
        explicit=EXPLICIT,
    )
    result.assert_passed()

"""Demo data of the course service, through its public API as the demo college's admin: a
term, a batch, two published courses with sections, and the demo accounts enrolled (Grace
and Alan teach, Tess assists, the students study; Ada is in both courses)."""

from __future__ import annotations

from typing import Any

import httpx

from lms.devstack.demo import (
    ADMIN,
    DEMO_USERS,
    INSTRUCTOR,
    STUDENT,
    TEACHING_ASSISTANT,
    DemoContext,
    DemoStep,
    bearer,
    wait_until,
)

ALAN = "alan@demo.edu"
COURSES = (
    ("CS101", "Introduction to Computer Science", "Programs, data and the machine."),
    ("MATH201", "Discrete Mathematics", "Logic, sets, graphs and counting."),
)


def _catalogue(context: DemoContext) -> None:
    admin = ADMIN.email
    term = context.call(
        "course", "POST", "/terms", as_user=admin, expect=201,
        json={"name": "Fall 2026", "start_date": "2026-09-01", "end_date": "2026-12-20"},
    )  # fmt: skip
    batch = context.call(
        "course", "POST", "/batches", as_user=admin, expect=201,
        json={"code": "INTAKE-2026", "name": "Intake 2026"},
    )  # fmt: skip
    sections: dict[str, str] = {}
    for code, title, description in COURSES:
        course = context.call(
            "course", "POST", "/courses", as_user=admin, expect=201,
            json={"code": code, "title": title, "description": description, "term_id": term["id"]},
        )  # fmt: skip
        context.call(
            "course",
            "PATCH",
            f"/courses/{course['id']}",
            as_user=admin,
            json={"status": "published"},
        )
        section = context.call(
            "course", "POST", "/sections", as_user=admin, expect=201,
            json={"course_id": course["id"], "code": "A", "name": f"{code} section A",
                  "batch_id": batch["id"], "capacity": 30, "waitlist": True,
                  "schedule": "Mon and Wed 10:00-11:30"},
        )  # fmt: skip
        module = context.call(
            "course", "POST", f"/courses/{course['id']}/modules", as_user=admin, expect=201,
            json={"title": "Week 1", "published": True},
        )  # fmt: skip
        context.call(
            "course", "POST", f"/modules/{module['id']}/items", as_user=admin, expect=201,
            json={"title": "Welcome", "type": "page", "published": True},
        )  # fmt: skip
        sections[code] = section["id"]
    context.state["course_sections"] = sections


def _enroll(context: DemoContext, section_id: str, email: str, role: str) -> None:
    client = context.client("course")
    headers = bearer(context.token(ADMIN.email))
    body = {"user_id": context.accounts[email]["id"], "role": role}

    def enrolled() -> bool:
        response: httpx.Response = client.post(
            f"/sections/{section_id}/enrollments", json=body, headers=headers
        )
        if response.status_code == 422:  # user.created has not reached the course service yet
            return False
        if response.status_code not in (201, 409):  # 409: enrolled by an earlier attempt
            raise RuntimeError(f"enrolling {email}: {response.status_code} {response.text[:300]}")
        return True

    wait_until(enrolled, f"{email} in the course service (user.created via Kafka)")


def _enrollments(context: DemoContext) -> None:
    sections: dict[str, Any] = context.state["course_sections"]
    cs, math = sections["CS101"], sections["MATH201"]
    _enroll(context, cs, INSTRUCTOR.email, "instructor")
    _enroll(context, math, ALAN, "instructor")
    _enroll(context, cs, TEACHING_ASSISTANT.email, "teaching_assistant")
    students = [u.email for u in DEMO_USERS if u.roles == ("student",)]
    for index, email in enumerate(students):
        _enroll(context, cs if index % 2 == 0 else math, email, "student")
    _enroll(context, math, STUDENT.email, "student")  # Ada takes both


COURSE_STEPS = [
    DemoStep("Creating a term, a batch, two courses with sections and content", _catalogue),
    DemoStep(
        "Enrolling the demo accounts (once user.created reached the course service)", _enrollments
    ),
]

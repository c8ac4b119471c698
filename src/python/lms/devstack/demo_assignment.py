"""Demo data of the assignment service, through its public API with real auth tokens: in each
demo course (from the course service's demo, ``context.state["course_sections"]``) its
instructor sets a late policy and creates a few assignments, one with an extension for Ada.

The assignment service learns who teaches what from ``enrollment.*`` events, so each first
call waits until the instructor's enrollment has reached it (a 404 until then)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from lms.devstack.demo import INSTRUCTOR, STUDENT, DemoContext, DemoStep, call_once_known
from lms.devstack.demo_course import ALAN

TEACHERS = {"CS101": INSTRUCTOR.email, "MATH201": ALAN}


def _course_of(context: DemoContext, section_id: str) -> str:
    section = context.call("course", "GET", f"/sections/{section_id}", as_user=TEACHERS["CS101"])
    return str(section["course_id"])


def _when(days: float) -> str:
    start = datetime.now(UTC).replace(hour=23, minute=59, second=0, microsecond=0)
    return (start + timedelta(days=days)).isoformat()


def _when_known(
    context: DemoContext, email: str, method: str, path: str, body: dict[str, Any]
) -> Any:
    return call_once_known(
        context, "assignment", method, path, as_user=email, json=body,
        what=f"{email}'s enrollment in the assignment service (enrollment.* via Kafka)",
    )  # fmt: skip


def _assignments(context: DemoContext) -> None:
    sections: dict[str, str] = context.state["course_sections"]
    made: dict[str, list[str]] = {}
    for code, section_id in sections.items():
        teacher = TEACHERS[code]
        course_id = _course_of(context, section_id)
        _when_known(
            context, teacher, "PUT", f"/courses/{course_id}/late-policy",
            {"late_deduction_enabled": True, "late_deduction_percent": 10, "late_interval": "day",
             "minimum_percent_enabled": True, "minimum_percent": 50,
             "missing_deduction_enabled": True, "missing_deduction_percent": 100},
        )  # fmt: skip
        bodies = [
            {"title": f"{code}: Problem set 1", "due_at": _when(-2), "lock_at": _when(5),
             "points_possible": 20, "submission_types": ["file"],
             "file_rules": {"allowed_extensions": ["pdf"], "max_file_bytes": 10_000_000}},
            {"title": f"{code}: Essay", "unlock_at": _when(-7), "due_at": _when(7),
             "lock_at": _when(10), "points_possible": 50, "submission_types": ["text", "file"],
             "allowed_attempts": 2, "description": "Two pages on this week's topic."},
            {"title": f"{code}: Quiz preparation", "unlock_at": _when(14), "due_at": _when(21),
             "points_possible": 0, "grading_type": "pass_fail", "submission_types": ["none"],
             "announce_before_unlock": True, "description": "Hidden until it unlocks."},
        ]  # fmt: skip
        made[code] = []
        for body in bodies:
            created = _when_known(
                context, teacher, "POST", "/assignments",
                {**body, "course_id": course_id, "status": "published"},
            )  # fmt: skip
            made[code].append(created["id"])
        # An extension for Ada on the first problem set.
        context.call(
            "assignment", "POST", f"/assignments/{made[code][0]}/overrides", as_user=teacher,
            expect=201,
            json={"target": "student", "target_id": context.accounts[STUDENT.email]["id"],
                  "due_at": _when(3), "lock_at": _when(6)},
        )  # fmt: skip
        context.call(
            "assignment", "POST", "/assignments", as_user=teacher, expect=201,
            json={"title": f"{code}: Final project (draft)", "course_id": course_id},
        )  # fmt: skip
    context.state["assignments"] = made
    # Ada (a student of both courses) sees her extension: the dates that apply to her.
    seen = context.call(
        "assignment", "GET", f"/assignments/{made['CS101'][0]}", as_user=STUDENT.email
    )
    if seen["date_sources"]["due_at"] != "student":
        raise RuntimeError(f"Ada's extension is not what she sees: {seen}")


ASSIGNMENT_STEPS = [
    DemoStep(
        "Creating late policies and assignments (once the instructors' enrollments arrived)",
        _assignments,
    ),
]

"""Demo data of the chat service, through its REST API as the demo people: in each demo course
(``context.state["course_sections"]``) the instructor welcomes the course room and the section
room, and Ada answers in CS101's section; Ada opens a direct room with Edsger and writes to
him, so he finds one unread message when he logs in.

Course and section rooms follow ``enrollment.*`` events, so each room is waited for until the
instructor's enrollment has reached the chat service (it is missing from ``GET /rooms`` until
then)."""

from __future__ import annotations

from typing import Any

from lms.devstack.demo import STUDENT, DemoContext, DemoStep, wait_until
from lms.devstack.demo_assignment import TEACHERS
from lms.devstack.demo_notes import EDSGER


def _rooms_of(context: DemoContext, email: str) -> list[dict[str, Any]]:
    rooms: list[dict[str, Any]] = context.call("chat", "GET", "/rooms", as_user=email)["items"]
    return rooms


def _section_room(context: DemoContext, email: str, section_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    def known() -> bool:
        rooms = _rooms_of(context, email)
        found[:] = [r for r in rooms if r["kind"] == "section" and r["section_id"] == section_id]
        return bool(found)

    wait_until(known, f"{email}'s section room in chat (enrollment.* via Kafka)")
    return found[0]


def _course_room(context: DemoContext, email: str, course_id: str) -> dict[str, Any]:
    rooms = _rooms_of(context, email)
    return next(r for r in rooms if r["kind"] == "course" and r["course_id"] == course_id)


def _post(context: DemoContext, email: str, room_id: str, body: str, client_id: str) -> None:
    context.call(
        "chat", "POST", f"/rooms/{room_id}/messages", as_user=email, expect=201,
        json={"body": body, "client_id": client_id},
    )  # fmt: skip


def _chat(context: DemoContext) -> None:
    sections: dict[str, str] = context.state["course_sections"]
    for code, section_id in sections.items():
        teacher = TEACHERS[code]
        section_room = _section_room(context, teacher, section_id)
        course_room = _course_room(context, teacher, section_room["course_id"])
        _post(context, teacher, course_room["id"], f"Welcome to {code}! Questions go here.",
              f"demo-{code}-welcome")  # fmt: skip
        _post(context, teacher, section_room["id"], "Office hours: Thursdays, 14:00.",
              f"demo-{code}-office-hours")  # fmt: skip
        if code == "CS101":
            ada_room = _section_room(context, STUDENT.email, section_id)
            _post(context, STUDENT.email, ada_room["id"], "Thanks! Is the first lab graded?",
                  "demo-cs101-ada")  # fmt: skip
    edsger_id = context.accounts[EDSGER]["id"]
    direct = context.call(
        "chat", "POST", "/rooms", as_user=STUDENT.email, expect=201,
        json={"kind": "direct", "member_id": edsger_id},
    )  # fmt: skip
    _post(context, STUDENT.email, direct["id"], "Shall we start the project on Monday?",
          "demo-ada-edsger")  # fmt: skip
    mine = next(r for r in _rooms_of(context, EDSGER) if r["id"] == direct["id"])
    if mine["unread"] != 1:
        raise RuntimeError(f"Edsger's direct room with Ada is not one unread message: {mine}")


CHAT_STEPS = [
    DemoStep("Posting course, section and direct chat messages (once the rooms exist)", _chat),
]

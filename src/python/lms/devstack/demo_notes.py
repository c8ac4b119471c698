"""Demo data of the notes service, through its public API as the demo students: Ada's notes on
CS101 (one pinned, one shared with her section, one shared with Edsger to edit), and a note of
Edsger's shared with Ada. The shares wait until the enrollment and user events reached the
notes service's read models (a share with a target it does not know yet is a 422)."""

from __future__ import annotations

from lms.devstack.demo import STUDENT, DemoContext, DemoStep, call_once_known

EDSGER = "student2@demo.edu"


def _share(context: DemoContext, email: str, note_id: str, body: dict[str, str], what: str) -> None:
    # A share with a target the read model has not seen yet is a 422.
    call_once_known(
        context, "notes", "POST", f"/notes/{note_id}/share", as_user=email, json=body,
        what=what, not_yet=frozenset({422}),
    )  # fmt: skip


def _notes(context: DemoContext) -> None:
    sections = context.state.get("course_sections", {})
    ada, edsger = STUDENT.email, EDSGER
    pinned = context.call(
        "notes", "POST", "/notes", as_user=ada, expect=201,
        json={"title": "How to study for CS101", "pinned": True, "tags": ["cs101", "study"],
              "body": "- read the chapter **before** the lecture\n- do the exercises"},
    )  # fmt: skip
    for_section = context.call(
        "notes", "POST", "/notes", as_user=ada, expect=201,
        json={"title": "Week 1: what a program is", "tags": ["cs101", "week-1"],
              "body": "A program is a precise description of a computation."},
    )  # fmt: skip
    together = context.call(
        "notes", "POST", "/notes", as_user=ada, expect=201,
        json={"title": "Project plan (with Edsger)", "tags": ["project"],
              "body": "1. pick a topic\n2. split the work"},
    )  # fmt: skip
    if "CS101" in sections:
        _share(context, ada, for_section["id"], {"kind": "section", "target_id": sections["CS101"]},
               "Ada's week-1 note with CS101 section A (enrollment events)")  # fmt: skip
    edsger_id = context.accounts[edsger]["id"]
    _share(context, ada, together["id"],
           {"kind": "user", "target_id": edsger_id, "permission": "edit"},
           "Ada's project plan with Edsger (user events)")  # fmt: skip
    theirs = context.call(
        "notes", "POST", "/notes", as_user=edsger, expect=201,
        json={"title": "Graph algorithms cheat sheet", "tags": ["math201"],
              "body": "Dijkstra: greedy, non-negative weights."},
    )  # fmt: skip
    _share(context, edsger, theirs["id"],
           {"kind": "user", "target_id": context.accounts[ada]["id"]},
           "Edsger's cheat sheet with Ada")  # fmt: skip
    context.state["notes"] = [pinned["id"], for_section["id"], together["id"], theirs["id"]]


NOTES_STEPS = [
    DemoStep("Writing and sharing demo notes (once enrollments reached the notes service)", _notes),
]

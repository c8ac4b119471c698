"""Demo data of the submission service, through its public API: in CS101 Ada hands in her
essay as text and her first problem set as a PDF (streamed through ``/submissions/direct``, into
S3), Barbara hands in the essay too; Grace grades both essays and posts the grades, so Ada sees
a posted grade and a comment, and the problem set waits in the grading queue.

The submission service learns the assignments and the enrollments from ``assignment.*`` and
``enrollment.*`` events, so each first call waits while it answers 404."""

from __future__ import annotations

from typing import Any

from lms.devstack.demo import INSTRUCTOR, STUDENT, DemoContext, DemoStep, call_once_known

BARBARA = "student3@demo.edu"  # in CS101 with Ada (demo_course enrols every other student)

# The smallest file the service's content check takes as a PDF (it reads the magic bytes).
PROBLEM_SET_PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)


def _hand_in_text(context: DemoContext, email: str, assignment_id: str, text: str) -> Any:
    return call_once_known(
        context, "submission", "POST", "/submissions", as_user=email,
        json={"kind": "text", "assignment_id": assignment_id, "text": text},
        what=f"assignment {assignment_id} and {email}'s enrollment in the submission service",
    )  # fmt: skip


def _submissions(context: DemoContext) -> None:
    problem_set, essay = context.state["assignments"]["CS101"][:2]
    ada = _hand_in_text(
        context, STUDENT.email, essay,
        "Programs are descriptions of processes; this essay argues that reading them is a "
        "skill of its own.",
    )  # fmt: skip
    barbara = _hand_in_text(
        context, BARBARA, essay, "Abstraction is about what a module promises, not how."
    )
    pdf = call_once_known(
        context, "submission", "POST", "/submissions/direct", as_user=STUDENT.email,
        params={"assignment_id": problem_set},
        files={"file": ("problem-set-1.pdf", PROBLEM_SET_PDF, "application/pdf")},
        what="Ada's PDF for CS101 problem set 1",
    )  # fmt: skip
    grader = INSTRUCTOR.email
    for submission, score, comment in [
        (ada, 46, "Well argued; cite the reading in the second part."),
        (barbara, 41, "Good point, argue it at more length."),
    ]:
        call_once_known(
            context, "submission", "POST", f"/submissions/{submission['id']}/grade",
            as_user=grader, json={"score": score, "comment": comment},
            what="Grace's enrollment as CS101's teacher in the submission service",
        )  # fmt: skip
    context.call("submission", "POST", f"/assignments/{essay}/grades/post", as_user=grader)
    seen = context.call("submission", "GET", f"/submissions/{ada['id']}", as_user=STUDENT.email)
    if seen["posted_at"] is None or seen["score"] != 46:
        raise RuntimeError(f"Ada does not see her posted essay grade: {seen}")
    context.state["submissions"] = [ada["id"], barbara["id"], pdf["id"]]


SUBMISSION_STEPS = [
    DemoStep(
        "Handing in and grading demo submissions (once assignments and enrollments arrived)",
        _submissions,
    ),
]

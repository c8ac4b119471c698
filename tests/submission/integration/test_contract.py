"""The submission API's contract: schemathesis, with every check, against the real running service
(real PostgreSQL, Kafka and S3), for a student of a course with an assignment and a submission,
and for a college admin (who may change the rubric and grade).

Any finding fails this test (docs/api-contract.md). Add an ``ExplicitCase`` for each finding you
fix; an ``Allowance`` or a ``Waiver`` needs a reason no schema could give.
"""

from __future__ import annotations

from pathlib import Path

from lms_platform.testing.contract import Allowance, ExplicitCase, run_contract
from tests.submission.integration.conftest import PDF, World

MAX_EXAMPLES = 25
# As for the user and assignment services' lists: a cursor is opaque and signed, so no schema
# can describe the strings the service issued; one the generator draws is a cursor never issued.
ALLOWANCES = (
    Allowance(
        "positive_data_acceptance",
        (400,),
        r"^GET /submissions$",
        "a cursor this API never issued is a 400; only next_cursor values are valid",
    ),
    Allowance(
        "positive_data_acceptance",
        (422,),
        r"^PUT /assignments/\{assignment_id\}/rubric$",
        "a rating is worth at most its criterion and ids are unique across the rubric (rules "
        "across fields); points have at most two decimals, which JSON Schema's multipleOf 0.01 "
        "cannot say of binary floats",
    ),
    Allowance(
        "positive_data_acceptance",
        (422,),
        r"^POST /(submissions/\{submission_id\}"
        r"|assignments/\{assignment_id\}/students/\{student_id\})/grade$",
        "a rubric assessment names the rubric's own criteria and ratings, within each "
        "criterion's points: what the rubric holds, which no schema of the route can state; "
        "by student, an empty body for a student who handed nothing in records nothing",
    ),
)


async def test_the_contract_holds_for_a_student(world: World, tmp_path: Path) -> None:
    assignment = await world.assignment()
    await world.presigned_submit(assignment, "a.pdf", PDF)
    assert (await world.rubric(assignment)).status_code == 200
    result = await run_contract(
        str(world.client.base_url), headers=world.as_student(), report_dir=tmp_path,
        max_examples=MAX_EXAMPLES, allowances=ALLOWANCES,
    )  # fmt: skip
    result.assert_passed()


async def test_the_contract_holds_for_a_college_admin(world: World, tmp_path: Path) -> None:
    assignment = await world.assignment()
    assert (await world.rubric(assignment)).status_code == 200
    submission = await world.text_submission(assignment, world.classmate)
    explicit = [
        ExplicitCase(
            "POST", "/submissions/{submission_id}/grade", body={"rubric_assessment": {}},
            path_parameters={"submission_id": submission}, expect={422},
            why="an empty assessment was a 400 the schema did not state; the rubric's rule: 422",
        ),
        ExplicitCase(
            "POST", "/submissions/{submission_id}/grade",
            body={"rubric_assessment": {"a\u0000": {"points": 1}}},
            path_parameters={"submission_id": submission}, expect={400},
            why="a criterion id with NUL was refused (400) while the schema stated no key form",
        ),
        ExplicitCase(
            "POST", "/assignments/{assignment_id}/students/{student_id}/grade",
            body={"rubric_assessment": {"thesis": {"points": 5}}},
            path_parameters={"assignment_id": str(assignment), "student_id": str(world.student)},
            expect={200}, why="a student who handed nothing in is graded by rubric all the same",
        ),
        ExplicitCase(
            "POST", "/assignments/{assignment_id}/grades",
            body={"grades": [{"student_id": str(world.student), "rubric_assessment": {}}]},
            path_parameters={"assignment_id": str(assignment)}, expect={400},
            why="an empty assessment in a bulk grade breaks the schema (minProperties): the "
            "whole request is refused, not reported as one item",
        ),
        ExplicitCase(
            "POST", "/assignments/{assignment_id}/grades",
            body={"grades": [{"submission_id": submission,
                              "rubric_assessment": {"thesis": {"points": 6, "rating_id": "full"}}}]},
            path_parameters={"assignment_id": str(assignment)}, expect={200},
            why="a bulk grade may carry a rubric assessment",
        ),
        ExplicitCase(
            "POST", "/assignments/{assignment_id}/submissions/placeholders",
            path_parameters={"assignment_id": str(assignment)}, expect={200},
            why="the student who handed nothing in gets a placeholder; its answer is the schema's",
        ),
    ]  # fmt: skip
    result = await run_contract(
        str(world.client.base_url), headers=world.as_admin(), report_dir=tmp_path,
        max_examples=MAX_EXAMPLES, phases=("fuzzing", "stateful"), allowances=ALLOWANCES,
        explicit=explicit,
    )  # fmt: skip
    result.assert_passed()

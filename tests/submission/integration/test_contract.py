"""The submission API's contract: schemathesis, with every check, against the real running service
(real PostgreSQL, Kafka and S3), for a student of a course with an assignment and a submission,
and for a college admin.

Any finding fails this test (docs/api-contract.md). Add an ``ExplicitCase`` for each finding you
fix; an ``Allowance`` or a ``Waiver`` needs a reason no schema could give.
"""

from __future__ import annotations

from pathlib import Path

from lms_platform.testing.contract import Allowance, run_contract
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
)


async def test_the_contract_holds_for_a_student(world: World, tmp_path: Path) -> None:
    assignment = await world.assignment()
    await world.presigned_submit(assignment, "a.pdf", PDF)
    result = await run_contract(
        str(world.client.base_url), headers=world.as_student(), report_dir=tmp_path,
        max_examples=MAX_EXAMPLES, allowances=ALLOWANCES,
    )  # fmt: skip
    result.assert_passed()


async def test_the_contract_holds_for_a_college_admin(world: World, tmp_path: Path) -> None:
    await world.assignment()
    result = await run_contract(
        str(world.client.base_url), headers=world.as_admin(), report_dir=tmp_path,
        max_examples=MAX_EXAMPLES, phases=("fuzzing", "stateful"), allowances=ALLOWANCES,
    )  # fmt: skip
    result.assert_passed()

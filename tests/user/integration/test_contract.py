"""The user API's contract: schemathesis, with every check, against the real running service.

Two passes with every check on: a college admin of a college with profiles in it, over every
phase, and a super admin over the generated phases (fuzzing, stateful): the coverage phase's
cases do not depend on the caller, and it is the slow one (about 600 cases per write, one per
time zone). A stale If-Match is a 412 for any request, valid or not: preconditions come before
the content (RFC 9110, 13.2.1).
"""

from __future__ import annotations

from pathlib import Path

from lms_platform.kernel.roles import Role
from lms_platform.testing.contract import Allowance, ExplicitCase, run_contract
from tests.user.integration.conftest import RunningUserService

MAX_EXAMPLES = 25
# Found by schemathesis on the devstack: a 500, because the offset reached PostgreSQL.
HUGE_OFFSET = 3922646421714803361613256740306944
EXPLICIT = (
    ExplicitCase(
        "GET",
        "/users",
        query={"limit": 41, "offset": HUGE_OFFSET},
        expect={400},
        why="an offset past any page is a 400, never a 500",
    ),
)
# A cursor is opaque and signed: no schema can describe the strings the service issued, so a
# string the generator draws is a cursor this API never issued, and that is a 400.
ALLOWANCES = (
    Allowance(
        "positive_data_acceptance",
        (400,),
        r"^GET /users$",
        "a cursor this API never issued is a 400; only next_cursor values are valid",
    ),
)


async def _with_profiles(user_service: RunningUserService) -> None:
    for n in range(3):
        await user_service.create_user(email=f"student{n}@example.edu", display_name=f"S {n}")


async def test_the_contract_holds_for_a_college_admin(
    user_service: RunningUserService, tmp_path: Path
) -> None:
    await _with_profiles(user_service)
    result = await run_contract(
        str(user_service.client.base_url),
        headers=user_service.admin(),
        report_dir=tmp_path,
        max_examples=MAX_EXAMPLES,
        state_statuses=(412,),
        explicit=EXPLICIT,
        allowances=ALLOWANCES,
    )
    result.assert_passed()


async def test_the_contract_holds_for_a_super_admin(
    user_service: RunningUserService, tmp_path: Path
) -> None:
    await _with_profiles(user_service)
    result = await run_contract(
        str(user_service.client.base_url),
        headers=user_service.token("root", roles=(Role.SUPER_ADMIN,)),
        report_dir=tmp_path,
        max_examples=MAX_EXAMPLES,
        phases=("fuzzing", "stateful"),
        state_statuses=(412,),
        explicit=EXPLICIT,
        allowances=ALLOWANCES,
    )
    result.assert_passed()

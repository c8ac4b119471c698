"""The auth API's contract: schemathesis, with every check, against the real running service.

Two passes: the platform's super admin, and a college admin of a college with accounts in it.
Every check is on; where a rule cannot be stated in a schema, an ``Allowance`` names the
operations, the extra statuses and why (printed with every run).
"""

from __future__ import annotations

from pathlib import Path

from lms_platform.testing.contract import Allowance, ExplicitCase, run_contract
from tests.auth.integration.conftest import PASSWORD, RunningAuthService

MAX_EXAMPLES = 20
_POLICY = "the new password must also meet the college's password policy, which is data"
ALLOWANCES = (
    Allowance(
        "positive_data_acceptance",
        (400, 422),
        r"^POST /auth/(password-reset/complete|verify-email|invitations/accept)$",
        "an emailed token that was never issued is a 400 invalid_token; " + _POLICY,
    ),
    Allowance(
        "positive_data_acceptance",
        (422,),
        r"^POST /auth/password$",
        "the current password must be the caller's; " + _POLICY,
    ),
    Allowance(
        "positive_data_acceptance",
        (422,),
        r"^POST /(auth/signup|colleges/\{college_id\}/accounts)$",
        "the password must meet the college's password policy, which is data",
    ),
    Allowance(
        "positive_data_acceptance",
        (422,),
        r"^POST /colleges/\{college_id\}/account-imports$",
        "the import checks the CSV header and rows; the schema can only say text/csv",
    ),
    Allowance(
        "positive_data_acceptance",
        (422,),
        r"^POST /colleges/\{college_id\}/accounts/bulk-update$",
        "set must name roles, active or both (null is neither): a rule across fields",
    ),
    Allowance(
        "positive_data_acceptance",
        (422,),
        r"^POST /colleges/\{college_id\}/api-keys$",
        "expires_at must be in the future, and a key holds no scope its creator lacks",
    ),
    Allowance(
        "positive_data_acceptance",
        (422,),
        r"^PUT /colleges/\{college_id\}/roles/\{role\}/permissions$",
        "college_admin keeps role:assign and college:configure: a rule across path and body",
    ),
)
HUGE_OFFSET = 3922646421714803361613256740306944
EXPLICIT = (
    ExplicitCase(
        "GET",
        "/colleges",
        query={"limit": 41, "offset": HUGE_OFFSET},
        expect={400},
        why="an offset past any page is a 400, never a 500",
    ),
)


async def _college_admin(auth: RunningAuthService) -> dict[str, str]:
    college = await auth.create_college("uni-a")
    await auth.create_account(college["id"], "admin@uni-a.edu", roles=("college_admin",))
    for n in range(3):
        await auth.create_account(college["id"], f"student{n}@uni-a.edu")
    tokens = await auth.tokens("uni-a", "admin@uni-a.edu", PASSWORD)
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_the_contract_holds_for_the_super_admin(
    auth_service: RunningAuthService, tmp_path: Path
) -> None:
    result = await run_contract(
        auth_service.base_url,
        headers=auth_service.root,
        report_dir=tmp_path,
        max_examples=MAX_EXAMPLES,
        allowances=ALLOWANCES,
        explicit=EXPLICIT,
    )
    result.assert_passed()


async def test_the_contract_holds_for_a_college_admin(
    auth_service: RunningAuthService, tmp_path: Path
) -> None:
    result = await run_contract(
        auth_service.base_url,
        headers=await _college_admin(auth_service),
        report_dir=tmp_path,
        max_examples=MAX_EXAMPLES,
        allowances=ALLOWANCES,
    )
    result.assert_passed()

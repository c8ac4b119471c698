"""The assignment API's contract: schemathesis, with every check, against the real running
service.

Two passes with every check on: the course's instructor (staff with every assignment
permission) over every phase, with assignments and an override in the course, and a student of
the course over the generated phases (fuzzing, stateful), who is refused every change. A stale
If-Match is a 412 for any request, valid or not: preconditions come before the content
(RFC 9110, 13.2.1).
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from lms.assignment.config import AssignmentSettings
from lms_platform.testing.contract import Allowance, ExplicitCase, run_contract
from tests.assignment.integration.conftest import AssignmentApi

MAX_EXAMPLES = 20
_DECIMALS = (
    "amounts (points, percentages) have at most two decimals; JSON Schema's multipleOf 0.01 "
    "cannot say that of binary floats (57 * 0.01 is 0.5700000000000001)"
)
_DATES = "unlock_at <= due_at <= lock_at: a rule across fields"
ALLOWANCES = (
    Allowance(
        "positive_data_acceptance",
        (422,),
        r"^(POST /assignments|(PUT|PATCH) /assignments/\{assignment_id\})$",
        f"{_DATES}, and an override's dates must stay within the assignment's; {_DECIMALS}",
    ),
    Allowance(
        "positive_data_acceptance",
        (422,),
        r"^(POST /assignments/\{assignment_id\}/overrides"
        r"|PUT /assignments/\{assignment_id\}/overrides/\{override_id\})$",
        "an override sets at least one date, and its dates, with those it inherits from the "
        f"assignment, must stay in order ({_DATES})",
    ),
    Allowance(
        "positive_data_acceptance",
        (422,),
        r"^PUT /courses/\{course_id\}/late-policy$",
        _DECIMALS,
    ),
    # As for the user service's list: a cursor is opaque and signed, so no schema can describe
    # the strings the service issued; one the generator draws is a cursor never issued.
    Allowance(
        "positive_data_acceptance",
        (400,),
        r"^GET /(me/)?assignments$",
        "a cursor this API never issued is a 400; only next_cursor values are valid",
    ),
)
HUGE_OFFSET = 3922646421714803361613256740306944
EXPLICIT = (
    ExplicitCase(
        "GET",
        "/me/assignments",
        query={"limit": 41, "offset": HUGE_OFFSET},
        expect={400},
        why="an offset past any page is a 400, never a 500",
    ),
)


@pytest.fixture
def assignment_settings(assignment_settings: AssignmentSettings) -> AssignmentSettings:
    """The deployed body limit (the tests' 64 KiB is below the longest description, so a
    schema-valid body would be a 413)."""
    deployed = AssignmentSettings().max_request_body_bytes
    return msgspec.structs.replace(assignment_settings, max_request_body_bytes=deployed)


async def _with_assignments(api: AssignmentApi) -> None:
    first = await api.create(title="Essay", due_at="2026-10-05T00:00:00Z")
    await api.create(title="Draft", status="draft")
    override = await api.client.post(
        f"/assignments/{first['id']}/overrides",
        json={"target": "student", "target_id": str(api.cast.users["student"]),
              "due_at": "2026-10-09T00:00:00Z"},
        headers=api.as_("instructor"),
    )  # fmt: skip
    assert override.status_code == 201, override.text


async def test_the_contract_holds_for_the_instructor(api: AssignmentApi, tmp_path: Path) -> None:
    await _with_assignments(api)
    result = await run_contract(
        str(api.client.base_url),
        headers=api.as_("instructor"),
        report_dir=tmp_path,
        max_examples=MAX_EXAMPLES,
        state_statuses=(412,),
        allowances=ALLOWANCES,
        explicit=EXPLICIT,
    )
    result.assert_passed()


async def test_the_contract_holds_for_a_student(api: AssignmentApi, tmp_path: Path) -> None:
    await _with_assignments(api)
    result = await run_contract(
        str(api.client.base_url),
        headers=api.as_("student"),
        report_dir=tmp_path,
        max_examples=MAX_EXAMPLES,
        phases=("fuzzing", "stateful"),
        state_statuses=(412,),
        allowances=ALLOWANCES,
        explicit=EXPLICIT,
    )
    result.assert_passed()

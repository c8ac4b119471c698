"""The notification API's contract: schemathesis, with every check, against the real running service.

Two passes: a college admin (every route is theirs to call: their own inbox and preferences,
the college's history and templates), over every phase; and a student over the generated
phases, for whom the admin routes are 403. Any finding fails this test (docs/api-contract.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lms_platform.testing.contract import Allowance, ExplicitCase, run_contract
from tests.notification.integration.conftest import COLLEGE
from tests.notification.integration.events import RunningNotification
from tests.notification.permissions import default_permissions

ADMIN = ("college_admin",)

MAX_EXAMPLES = 25
ALLOWANCES = (
    Allowance(
        "positive_data_acceptance",
        (422,),
        r"^PUT /me/notification-preferences$",
        "a critical type stays immediate, each type x channel comes once and quiet hours have a "
        "length: rules across items and fields",
    ),
    Allowance(
        "positive_data_acceptance",
        (422,),
        r"^PUT /notification-defaults$",
        "a critical type keeps its email channel and each type comes once: rules across items",
    ),
    Allowance(
        "positive_data_acceptance",
        (422,),
        r"^POST /me/push-subscriptions$",
        "p256dh must be a point on the P-256 curve, which no pattern can say",
    ),
    Allowance(
        "positive_data_acceptance",
        (400,),
        r"^PUT /templates/\{kind\}/\{channel\}$",
        "a template may use only its type's variables, in valid Jinja: checked by compiling it",
    ),
    Allowance(
        "positive_data_acceptance",
        (400, 422),
        r"^POST /templates/\{kind\}/\{channel\}/preview$",
        "a draft has a subject and a text body and comes without a version (a rule across "
        "fields), and compiles with only its type's variables",
    ),
)
HUGE_OFFSET = 3922646421714803361613256740306944
EXPLICIT = (
    ExplicitCase(
        "GET",
        "/notifications",
        query={"limit": 10, "offset": HUGE_OFFSET},
        expect={400},
        why="an offset past any page is a 400, never a 500",
    ),
)


@pytest.fixture
def notification_overrides() -> dict[str, Any]:
    # The production body limit: a 50 000-character template body fits, as it does in production.
    return {"max_request_body_bytes": 1_048_576}


async def test_the_contract_holds_for_a_college_admin(
    notification_service: RunningNotification, tmp_path: Path
) -> None:
    headers = notification_service.bearer(
        "admin-" + COLLEGE, COLLEGE, roles=ADMIN, permissions=default_permissions(ADMIN)
    )
    result = await run_contract(
        str(notification_service.client.base_url),
        headers=headers,
        report_dir=tmp_path,
        max_examples=MAX_EXAMPLES,
        explicit=EXPLICIT,
        allowances=ALLOWANCES,
    )
    result.assert_passed()


async def test_the_contract_holds_for_a_student(
    notification_service: RunningNotification, tmp_path: Path
) -> None:
    result = await run_contract(
        str(notification_service.client.base_url),
        headers=notification_service.bearer("student-1", COLLEGE, roles=("student",)),
        report_dir=tmp_path,
        max_examples=MAX_EXAMPLES,
        phases=("fuzzing", "stateful"),
        explicit=EXPLICIT,
        allowances=ALLOWANCES,
    )
    result.assert_passed()

"""The search API's contract: schemathesis, with every check, against the real running service
(with documents indexed, so that searches return hits, facets and cursors).

Two passes: a college admin over every phase, and a platform operator over the generated
phases. Any finding fails this test (docs/api-contract.md).
"""

from __future__ import annotations

from pathlib import Path

from lms.search.config import SearchSettings
from lms_platform.kernel.roles import Role
from lms_platform.testing.contract import Allowance, ExplicitCase, run_contract
from lms_platform.testing.services import RunningService
from tests.search.integration.conftest import COLLEGE
from tests.search.integration.world import World, admin, build

MAX_EXAMPLES = 25
ALLOWANCES = (
    Allowance(
        "positive_data_acceptance",
        (422,),
        "^(POST /search|GET /search/(courses|assignments|users|notes))$",
        "a cursor is opaque: only the service knows which strings it handed out; and filters "
        "or facets of a type left out of `types` (a rule across two fields)",
    ),
)
EXPLICIT = (
    ExplicitCase(
        "POST",
        "/search",
        body={"cursor": "bm90LWEtY3Vyc29y"},
        expect={422},
        why="a cursor this service did not hand out is a 422, never a 500",
    ),
    ExplicitCase(
        "POST",
        "/search",
        body={"types": ["course"], "filters": {"user": {"roles": ["student"]}}},
        expect={422},
        why="filters of a type that is not searched are refused",
    ),
)


async def test_the_contract_holds_for_a_college_admin(
    search_service: RunningService[SearchSettings], tmp_path: Path
) -> None:
    await build(search_service, World())
    result = await run_contract(
        str(search_service.client.base_url),
        headers=admin(search_service),
        report_dir=tmp_path,
        max_examples=MAX_EXAMPLES,
        explicit=EXPLICIT,
        allowances=ALLOWANCES,
        state_statuses=(409,),
    )
    result.assert_passed()


async def test_the_contract_holds_for_a_platform_operator(
    search_service: RunningService[SearchSettings], tmp_path: Path
) -> None:
    await build(search_service, World())
    result = await run_contract(
        str(search_service.client.base_url),
        headers=search_service.bearer("root", COLLEGE, roles=(Role.SUPER_ADMIN,)),
        report_dir=tmp_path,
        max_examples=MAX_EXAMPLES,
        phases=("fuzzing", "stateful"),
        allowances=ALLOWANCES,
        state_statuses=(409,),
    )
    result.assert_passed()

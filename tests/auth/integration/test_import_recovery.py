"""An import job outlives the process that ran it: a job left ``running`` by a crash is resumed
by another process, and two workers racing for one job never import a row twice."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import msgspec
import pytest

from lms.auth.adapters.imports.worker import ImportWorker
from lms.auth.config import AuthSettings
from lms.auth.main import SERVICE
from lms_platform.runtime import ServiceRuntime
from tests.auth.integration.conftest import RunningAuthService

ROWS = 9
CSV = (
    "email,display_name,roles\n"
    + "".join(f"person{n}@uni-a.edu,Person {n},student\n" for n in range(ROWS))
).encode()


@pytest.fixture
def auth_settings(auth_settings: AuthSettings) -> AuthSettings:
    # No background worker: the test decides when each batch runs, and in which process.
    return msgspec.structs.replace(auth_settings, run_import_worker=False, run_relay=False)


@contextlib.asynccontextmanager
async def another_process(settings: AuthSettings) -> AsyncIterator[ImportWorker]:
    """A second auth service on the same database, as another process would be."""
    service = ServiceRuntime(SERVICE, settings)
    try:
        yield ImportWorker(service.container, settings.import_poll_seconds)
    finally:
        await service.close()


async def _queue_job(service: RunningAuthService) -> tuple[str, str]:
    college = await service.create_college("uni-a")
    response = await service.client.post(
        f"/colleges/{college['id']}/account-imports?batch_size=2",
        content=CSV,
        headers={**service.root, "Content-Type": "text/csv"},
    )
    assert response.status_code == 202, response.text
    return college["id"], response.json()["id"]


async def _job(service: RunningAuthService, job_id: str) -> dict[str, object]:
    response = await service.client.get(f"/account-imports/{job_id}", headers=service.root)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _drain(worker: ImportWorker) -> int:
    batches = 0
    while await worker.run_once():
        batches += 1
    return batches


async def test_a_job_left_running_by_a_crash_is_finished_by_another_process(
    auth_service: RunningAuthService,
) -> None:
    college_id, job_id = await _queue_job(auth_service)
    worker = ImportWorker(auth_service.service.container, auth_service.settings.import_poll_seconds)
    assert await worker.run_once()  # one batch, then "the crash"
    halfway = await _job(auth_service, job_id)
    assert (halfway["status"], halfway["processed"], halfway["created"]) == ("running", 2, 2)

    async with another_process(auth_service.settings) as survivor:
        assert await _drain(survivor) == 4  # the remaining 7 rows in batches of 2

    done = await _job(auth_service, job_id)
    assert (done["status"], done["total"], done["created"], done["failed"]) == (
        "succeeded",
        ROWS,
        ROWS,
        0,
    )
    assert (
        await auth_service.scalar(
            "SELECT count(*) FROM accounts WHERE college_id = $1::uuid", college_id
        )
        == ROWS
    )
    assert (
        await auth_service.scalar(
            "SELECT count(*) FROM audit_log WHERE action = 'bulk.import_finished'"
        )
        == 1
    )


async def test_two_workers_racing_for_one_job_import_each_row_once(
    auth_service: RunningAuthService,
) -> None:
    college_id, job_id = await _queue_job(auth_service)
    async with another_process(auth_service.settings) as rival:
        mine = ImportWorker(
            auth_service.service.container, auth_service.settings.import_poll_seconds
        )
        batches = await asyncio.gather(_drain(mine), _drain(rival))
    assert sum(batches) == 5  # 9 rows in batches of 2, whoever ran them

    done = await _job(auth_service, job_id)
    assert (done["status"], done["created"], done["skipped_existing"]) == ("succeeded", ROWS, 0)
    assert (
        await auth_service.scalar(
            "SELECT count(*) FROM accounts WHERE college_id = $1::uuid", college_id
        )
        == ROWS
    )
    assert (
        await auth_service.scalar(
            "SELECT count(*) FROM outbox WHERE event_type = 'account.registered'"
        )
        == ROWS + 1
    )  # and the bootstrap super admin's

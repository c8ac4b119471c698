"""Under load no request holds one pooled connection while it waits for another: with a pool of
one (and one overflow), many students asking for slots and confirming at once all succeed. Before
the fix each request kept its first connection while the membership reader waited for a second,
and a deadline spike timed out on the pool."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import msgspec.structs
import pytest

from lms.submission.config import SubmissionSettings
from lms.submission.main import SERVICE
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.s3 import S3Bucket
from lms_platform.testing.services import RunningService, running_service
from tests.submission.integration.conftest import PDF, World

STUDENTS = 12


@pytest.fixture
async def small_pool_service(
    submission_settings: SubmissionSettings, tokens: TokenFactory
) -> AsyncIterator[RunningService[SubmissionSettings]]:
    settings = msgspec.structs.replace(submission_settings, database_pool_size=1)
    async with running_service(SERVICE, settings, tokens=tokens) as running:
        yield running


async def test_a_burst_of_students_fits_a_tiny_pool(
    small_pool_service: RunningService[SubmissionSettings], s3_bucket: S3Bucket
) -> None:
    world = World(small_pool_service, s3_bucket)
    students = [uuid.uuid4() for _ in range(STUDENTS)]
    for student in students:
        await world.enroll(student, "student")
    assignment = await world.assignment()

    async def hand_in(student: uuid.UUID) -> int:
        response = await world.presigned_submit(
            assignment, "a.pdf", PDF, headers=world.as_student(student)
        )
        return response.status_code

    statuses = await asyncio.wait_for(asyncio.gather(*(hand_in(s) for s in students)), timeout=60)
    assert statuses == [200] * STUDENTS
    assert await world.service.scalar("SELECT count(*) FROM attempts") == STUDENTS

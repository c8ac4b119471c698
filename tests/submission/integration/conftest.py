"""The submission service running for real: uvicorn on a free port, PostgreSQL, Redis, Kafka
and S3 (SeaweedFS), with a small world seeded into its read models: one course with a section,
a teacher, a TA, two students and an outsider, and assignments as the assignment service's
events carry them."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from lms.submission.config import SubmissionSettings
from lms.submission.main import SERVICE
from lms_platform.kernel.permissions import Permission
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.dsn import to_asyncpg_dsn
from lms_platform.testing.outbox import OUTBOX_INSERTS_SQL
from lms_platform.testing.s3 import S3Bucket
from lms_platform.testing.services import (
    RunningService,
    migrate_with,
    running_service,
    settings_for_test,
)

COLLEGE = "college-a"
OTHER_COLLEGE = "college-b"

P = Permission
STUDENT_PERMISSIONS = (P.COURSE_READ, P.ASSIGNMENT_READ, P.SUBMISSION_CREATE, P.SUBMISSION_READ_OWN)
TA_PERMISSIONS = (*STUDENT_PERMISSIONS, P.SUBMISSION_READ, P.SUBMISSION_GRADE)
INSTRUCTOR_PERMISSIONS = (*TA_PERMISSIONS, P.ASSIGNMENT_CREATE, P.ASSIGNMENT_UPDATE)
ADMIN_PERMISSIONS = (*INSTRUCTOR_PERMISSIONS, P.COURSE_MANAGE)


@pytest.fixture(scope="session")
def submission_template(make_database_template: Callable[..., str]) -> str:
    return make_database_template("submission_template", migrate_with(SERVICE))


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest.fixture
def submission_settings(
    fresh_database: Callable[..., str],
    submission_template: str,
    redis_url: str,
    kafka_bootstrap: str,
    kafka_namespace: str,
    s3_bucket: S3Bucket,
) -> SubmissionSettings:
    return settings_for_test(
        SubmissionSettings,
        dsn=fresh_database(submission_template),
        redis_url=redis_url,
        kafka_bootstrap=kafka_bootstrap,
        kafka_namespace=kafka_namespace,
        s3_endpoint_url=s3_bucket.endpoint_url,
        s3_bucket=s3_bucket.name,
        s3_access_key=s3_bucket.access_key,
        s3_secret_key=s3_bucket.secret_key,
        direct_max_bytes=2 * 1024 * 1024,
        multipart_threshold=6 * 1024 * 1024,
        part_bytes=5 * 1024 * 1024,
        max_request_body_bytes=1024 * 1024,  # production's: the largest JSON body fits
    )


@pytest.fixture
async def submission_service(
    submission_settings: SubmissionSettings, tokens: TokenFactory
) -> AsyncIterator[RunningService[SubmissionSettings]]:
    async with running_service(SERVICE, submission_settings, tokens=tokens) as running:
        yield running


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


PDF = b"%PDF-1.7\n" + b"0123456789abcdef" * 64 + b"\n%%EOF\n"
ZIP = b"PK\x03\x04" + b"\x00" * 60


# Two criteria worth 6 and 4 points: the first with its own ids, the second named by the service.
RUBRIC: dict[str, Any] = {
    "title": "Essay rubric",
    "criteria": [
        {"id": "thesis", "description": "Thesis", "long_description": "A clear claim", "points": 6,
         "ratings": [{"id": "full", "description": "Clear", "points": 6},
                     {"id": "some", "description": "Vague", "points": 3},
                     {"id": "none", "description": "Missing", "points": 0}]},
        {"description": "Style", "points": 4,
         "ratings": [{"description": "Polished", "points": 4}, {"description": "Rough", "points": 1}]},
    ],
}  # fmt: skip


@dataclass
class World:
    """One college's course, its people and assignments, in the service's own read models."""

    service: RunningService[SubmissionSettings]
    bucket: S3Bucket
    course_id: uuid.UUID = field(default_factory=uuid.uuid4)
    section_id: uuid.UUID = field(default_factory=uuid.uuid4)
    teacher: uuid.UUID = field(default_factory=uuid.uuid4)
    ta: uuid.UUID = field(default_factory=uuid.uuid4)
    student: uuid.UUID = field(default_factory=uuid.uuid4)
    classmate: uuid.UUID = field(default_factory=uuid.uuid4)
    outsider: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def client(self) -> httpx.AsyncClient:
        return self.service.client

    def as_student(self, who: uuid.UUID | None = None, college: str = COLLEGE) -> dict[str, str]:
        return self.service.bearer(
            str(who or self.student), college, roles=("student",), permissions=STUDENT_PERMISSIONS
        )

    def as_teacher(self, college: str = COLLEGE) -> dict[str, str]:
        return self.service.bearer(
            str(self.teacher), college, roles=("instructor",), permissions=INSTRUCTOR_PERMISSIONS
        )

    def as_ta(self) -> dict[str, str]:
        return self.service.bearer(
            str(self.ta), COLLEGE, roles=("teaching_assistant",), permissions=TA_PERMISSIONS
        )

    def as_admin(self, college: str = COLLEGE) -> dict[str, str]:
        return self.service.bearer(
            f"admin-{college}", college, roles=("college_admin",), permissions=ADMIN_PERMISSIONS
        )

    async def execute(self, sql: str, *args: Any) -> None:
        url = self.service.settings.database_url.replace(
            "postgresql+asyncpg://", "postgresql://", 1
        )
        connection = await asyncpg.connect(to_asyncpg_dsn(url))
        try:
            await connection.execute(sql, *args)
        finally:
            await connection.close()

    async def enroll(
        self, user: uuid.UUID, role: str, *, tenant: str = COLLEGE, section: uuid.UUID | None = None
    ) -> None:
        await self.execute(
            "INSERT INTO memberships (enrollment_id, tenant_id, user_id, section_id, course_id, role, state,"
            " version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'active', 1, now())",
            uuid.uuid4(), tenant, user, section or self.section_id, self.course_id, role,
        )  # fmt: skip

    async def assignment(self, tenant: str = COLLEGE, **changes: Any) -> uuid.UUID:
        """An assignment as the assignment service's snapshot describes it, kept in the copy."""
        now = datetime.now(UTC)
        snapshot: dict[str, Any] = {
            "id": str(uuid.uuid4()), "course_id": str(self.course_id), "section_ids": [],
            "title": "Essay", "description": "", "status": "published",
            "unlock_at": None, "due_at": (now + timedelta(days=1)).isoformat(), "lock_at": None,
            "points_possible": 10.0, "grading_type": "points",
            "submission_types": ["file", "text", "url"],
            "file_rules": {"allowed_extensions": ["pdf", "txt"], "max_file_bytes": None, "multiple_files": True},
            "allowed_attempts": -1, "anonymous_grading": False, "grade_posting": "automatic",
            "announce_before_unlock": False, "locked": False, "overrides": [],
            "created_by": str(self.teacher), "created_at": now.isoformat(), "published_at": now.isoformat(),
            "updated_at": now.isoformat(), "deleted_at": None, "version": 1,
        }  # fmt: skip
        snapshot.update(changes)
        await self.execute(
            "INSERT INTO assignment_copies (id, tenant_id, course_id, version, snapshot, deleted, updated_at)"
            " VALUES ($1, $2, $3, $4, $5::jsonb, false, now())",
            uuid.UUID(snapshot["id"]), tenant, self.course_id, snapshot["version"], json.dumps(snapshot),
        )  # fmt: skip
        return uuid.UUID(snapshot["id"])

    async def late_policy(self, **policy: Any) -> None:
        await self.execute(
            "INSERT INTO late_policy_copies (course_id, tenant_id, version, policy, updated_at)"
            " VALUES ($1, $2, 1, $3::jsonb, now())",
            self.course_id, COLLEGE, json.dumps(policy),
        )  # fmt: skip

    async def rubric(
        self, assignment: uuid.UUID, *, headers: dict[str, str] | None = None, **body: Any
    ) -> httpx.Response:
        return await self.client.put(
            f"/assignments/{assignment}/rubric", json={**RUBRIC, **body},
            headers=self.as_teacher() if headers is None else headers,
        )  # fmt: skip

    async def text_submission(self, assignment: uuid.UUID, who: uuid.UUID | None = None) -> str:
        response = await self.client.post(
            "/submissions", json={"assignment_id": str(assignment), "kind": "text", "text": "t"},
            headers=self.as_student(who),
        )  # fmt: skip
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    # -- the presigned path --------------------------------------------------------------

    async def slot(self, assignment: uuid.UUID, filename: str, data: bytes, *, headers: dict[str, str] | None = None,
                   declared_sha: str | None = None, size: int | None = None) -> httpx.Response:  # fmt: skip
        return await self.client.post(
            "/submissions/uploads",
            json={"assignment_id": str(assignment), "filename": filename,
                  "size": len(data) if size is None else size, "sha256": declared_sha or sha256(data)},
            headers=self.as_student() if headers is None else headers,
        )  # fmt: skip

    async def put_to_storage(self, slot: dict[str, Any], data: bytes) -> httpx.Response:
        async with httpx.AsyncClient(timeout=30) as plain:
            return await plain.put(slot["url"], content=data, headers=slot["headers"])

    async def confirm(
        self, upload_id: str, *, headers: dict[str, str] | None = None, **body: Any
    ) -> httpx.Response:
        return await self.client.post(
            f"/submissions/uploads/{upload_id}/confirm",
            json=body,
            headers=self.as_student() if headers is None else headers,
        )

    async def presigned_submit(self, assignment: uuid.UUID, filename: str, data: bytes,
                               headers: dict[str, str] | None = None) -> httpx.Response:  # fmt: skip
        slot = await self.slot(assignment, filename, data, headers=headers)
        assert slot.status_code == 201, slot.text
        put = await self.put_to_storage(slot.json(), data)
        assert put.status_code == 200, put.text
        return await self.confirm(slot.json()["upload"]["id"], headers=headers)

    async def direct(self, assignment: uuid.UUID, filename: str, data: bytes, *,
                     headers: dict[str, str] | None = None, sha: str | None = None) -> httpx.Response:  # fmt: skip
        params = {"assignment_id": str(assignment)}
        if sha is not None:
            params["sha256"] = sha
        return await self.client.post(
            "/submissions/direct",
            params=params,
            files={"file": (filename, data, "application/octet-stream")},
            headers=self.as_student() if headers is None else headers,
        )

    async def counts(self) -> dict[str, int | str]:
        """Rows and objects, for before/after comparisons."""
        scalar = self.service.scalar
        return {
            "submissions": await scalar("SELECT count(*) FROM submissions"),
            "attempts": await scalar("SELECT count(*) FROM attempts"),
            "files": await scalar("SELECT count(*) FROM submitted_files"),
            "uploads": await scalar("SELECT count(*) FROM uploads"),
            "comments": await scalar("SELECT count(*) FROM submission_comments"),
            "rubrics": await scalar("SELECT count(*) FROM rubrics"),
            "rubric_versions": await scalar("SELECT coalesce(sum(version), 0) FROM rubrics"),
            "assessments": await scalar("SELECT count(*) FROM rubric_assessments"),
            # Any grade written moves a submission's version.
            "versions": await scalar("SELECT coalesce(sum(version), 0) FROM submissions"),
            "outbox": await scalar(OUTBOX_INSERTS_SQL),
            "objects": len(self.bucket.keys()),
            "multipart": len(self.bucket.multipart_uploads()),
        }


@pytest.fixture
async def world(
    submission_service: RunningService[SubmissionSettings], s3_bucket: S3Bucket
) -> World:
    w = World(submission_service, s3_bucket)
    await w.enroll(w.teacher, "instructor")
    await w.enroll(w.ta, "teaching_assistant")
    await w.enroll(w.student, "student")
    await w.enroll(w.classmate, "student")
    return w

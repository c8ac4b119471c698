"""OneRoster 1.2 CSV bundle imports over HTTP: upload a zip, then follow the job."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.params import FromPath

from lms.course.application.errors import BundleTooLarge
from lms.course.application.roster_import import GetRosterImport, RosterLimits, StartRosterImport
from lms.course.domain.roster_jobs import RosterImport
from lms_platform.http.openapi import problems, raw_body
from lms_platform.kernel.principal import Principal

# A zip under its own names, or as plain bytes (what generic HTTP clients send); the content
# is checked either way.
ZIP_MEDIA_TYPES = frozenset(
    {"application/zip", "application/x-zip-compressed", "application/octet-stream"}
)


class RowErrorResponse(msgspec.Struct, kw_only=True):
    file: str
    line: int
    field: str | None
    code: str
    message: str


class FileCounts(msgspec.Struct, kw_only=True):
    total: int
    created: int
    updated: int
    deleted: int
    unchanged: int
    failed: int


class RosterImportResponse(msgspec.Struct, kw_only=True):
    id: UUID
    college_id: str
    status: str
    modes: dict[str, str]
    total: int
    processed: int
    progress: float  # processed / total, 0 to 1
    counts: dict[str, FileCounts]
    errors: list[RowErrorResponse]
    errors_truncated: bool
    failure_reason: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def from_domain(cls, job: RosterImport) -> RosterImportResponse:
        return cls(
            id=job.id, college_id=job.tenant_id, status=job.status.value, modes=job.modes,
            total=job.total, processed=job.processed,
            progress=round(job.processed / job.total, 4) if job.total else 1.0,
            counts={name: FileCounts(**counts) for name, counts in job.counts.items()},
            errors=[RowErrorResponse(file=e.file, line=e.line, field=e.field, code=str(e.code), message=e.message)
                    for e in job.errors],
            errors_truncated=job.errors_truncated, failure_reason=job.failure_reason,
            created_at=job.created_at, started_at=job.started_at, finished_at=job.finished_at,
        )  # fmt: skip


async def _limited(body: AsyncIterator[bytes], declared: int | None, limit: int) -> Any:
    # A declared length over the limit is refused before a byte is read.
    if declared is not None and declared > limit:
        raise BundleTooLarge(f"the bundle is larger than {limit} bytes; split it")
    async for chunk in body:
        if chunk:
            yield chunk


class RosterImportsController(Controller):
    path = "/roster-imports"
    tags = ["roster imports"]

    @post(
        "/",
        status_code=202,
        summary="Import a OneRoster 1.2 CSV bundle (zip); answers a job",
        request_max_body_size=None,  # the use case counts bytes against its own limit
        operation_class=raw_body(
            *sorted(ZIP_MEDIA_TYPES),
            description="A OneRoster 1.2 CSV bundle: a zip with manifest.csv and the files it lists",
        ),
        responses=problems(403),
    )
    @inject
    async def upload(
        self, request: Request[Any, Any, Any], principal: FromDishka[Principal],
        limits: FromDishka[RosterLimits], use_case: FromDishka[StartRosterImport],
    ) -> Response[RosterImportResponse]:  # fmt: skip
        media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type not in ZIP_MEDIA_TYPES:
            raise HTTPException(
                status_code=415,
                detail="send the bundle as application/zip (or application/octet-stream)",
            )
        body = _limited(request.stream(), request.content_length, limits.max_bytes)
        try:
            job = await use_case(principal, body)
        except BundleTooLarge as exc:
            raise HTTPException(status_code=413, detail=exc.detail) from exc
        return Response(
            RosterImportResponse.from_domain(job), status_code=202,
            headers={"Location": f"/roster-imports/{job.id}"},
        )  # fmt: skip

    @get(
        "/{job_id:uuid}",
        summary="An import job: status, progress, counts per file, row errors",
        responses=problems(403),
    )
    @inject
    async def get_job(
        self,
        job_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[GetRosterImport],
    ) -> RosterImportResponse:
        return RosterImportResponse.from_domain(await use_case(principal, job_id))

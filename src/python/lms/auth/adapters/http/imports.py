"""CSV account imports over HTTP: upload a ``text/csv`` body, then follow the job."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import FromPath, QueryParameter

from lms.auth.application.imports import GetImportJob, StartAccountImport
from lms.auth.config import AuthSettings
from lms.auth.domain.csv_rows import ImportTooLarge
from lms.auth.domain.imports import ImportJob
from lms_platform.http.openapi import problems, raw_body
from lms_platform.kernel.principal import Principal

CSV_MEDIA_TYPES = frozenset({"text/csv", "application/csv"})


class RowErrorResponse(msgspec.Struct, kw_only=True):
    line: int
    field: str | None
    code: str
    message: str


class ImportJobResponse(msgspec.Struct, kw_only=True):
    id: UUID
    college_id: UUID
    status: str
    batch_size: int
    total: int
    processed: int
    progress: float  # processed / total, 0 to 1
    created: int
    skipped_existing: int
    failed: int
    errors: list[RowErrorResponse]
    errors_truncated: bool
    failure_reason: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def from_domain(cls, job: ImportJob) -> ImportJobResponse:
        return cls(
            id=job.id,
            college_id=job.college_id,
            status=job.status.value,
            batch_size=job.batch_size,
            total=job.total,
            processed=job.processed,
            progress=round(job.processed / job.total, 4) if job.total else 1.0,
            created=job.created,
            skipped_existing=job.skipped_existing,
            failed=job.failed,
            errors=[
                RowErrorResponse(line=e.line, field=e.field, code=e.code, message=e.message)
                for e in job.errors
            ],
            errors_truncated=job.errors_truncated,
            failure_reason=job.failure_reason,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


async def _limited(body: AsyncIterator[bytes], declared: int | None, limit: int) -> Any:
    # A declared length over the limit is refused before a byte is read.
    if declared is not None and declared > limit:
        raise ImportTooLarge(f"the file is larger than {limit} bytes; split it")
    async for chunk in body:
        if b"\x00" in chunk:  # no text holds NUL (PostgreSQL cannot store it); nothing is queued
            raise ValidationException("the file may not contain NUL (U+0000)")
        if chunk:
            yield chunk


class ImportsController(Controller):
    tags = ["accounts"]

    @post(
        "/colleges/{college_id:uuid}/account-imports",
        status_code=202,
        summary="Import accounts from a CSV file (email, display_name, roles); answers a job",
        # The use case counts bytes against ``import_max_bytes`` while it parses.
        request_max_body_size=None,
        operation_class=raw_body(
            *sorted(CSV_MEDIA_TYPES), description="The CSV file: email,display_name,roles"
        ),
        responses=problems(403),
    )
    @inject
    async def upload(
        self,
        request: Request[Any, Any, Any],
        college_id: FromPath[UUID],
        principal: FromDishka[Principal],
        settings: FromDishka[AuthSettings],
        use_case: FromDishka[StartAccountImport],
        batch_size: Annotated[int | None, QueryParameter(ge=1)] = None,
    ) -> Response[ImportJobResponse]:
        media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type not in CSV_MEDIA_TYPES:
            raise HTTPException(status_code=415, detail="send the file as text/csv")
        body = _limited(request.stream(), request.content_length, settings.import_max_bytes)
        try:
            job = await use_case(principal, college_id, body, batch_size)
        except ImportTooLarge as exc:
            raise HTTPException(status_code=413, detail=exc.detail) from exc
        return Response(
            ImportJobResponse.from_domain(job),
            status_code=202,
            headers={"Location": f"/account-imports/{job.id}"},
        )

    @get(
        "/account-imports/{job_id:uuid}",
        summary="An import job: status, progress, errors",
        responses=problems(403),
    )
    @inject
    async def get_job(
        self,
        job_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[GetImportJob],
    ) -> ImportJobResponse:
        return ImportJobResponse.from_domain(await use_case(principal, job_id))

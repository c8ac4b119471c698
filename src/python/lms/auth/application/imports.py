"""CSV import of accounts as a job.

Upload (``StartAccountImport``): the body is read as a stream, decoded and parsed as it arrives;
every row is validated before anything is stored, so a file over the size or row limit, or
one without a valid header, leaves nothing behind. The valid rows and the job are stored in one
transaction; rows with errors are reported on the job with their line numbers.

Processing (``RunImportBatch``, called by the worker in a loop): one transaction per batch
locks the job row (``FOR UPDATE SKIP LOCKED``), creates the batch's accounts with their
``account.registered`` events and advances the job's progress. A crash loses at most the batch
in flight, which rolls back, and the next claim resumes where the job stands. Rows are
idempotent by email: an email that already has an account in the college is counted as
``skipped_existing``.

Imported accounts have no password: they set one through a reset or an invitation.
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterable
from dataclasses import dataclass
from uuid import UUID

from lms.auth.application.accounts import ensure_college
from lms.auth.application.audit import AuditRecorder
from lms.auth.application.authorization import ensure_admin_of
from lms.auth.application.ports import ImportQueueSignal, ImportUnitOfWork
from lms.auth.domain.audit import AuditAction, AuditOutcome
from lms.auth.domain.csv_rows import AccountCsvParser, AccountRow, ImportTooLarge, RowError
from lms.auth.domain.events import account_registered
from lms.auth.domain.imports import ImportJob, ImportStatus
from lms.auth.domain.model import Account
from lms_platform.kernel.errors import Conflict, InvalidInput, NotFound
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportLimits:
    max_bytes: int = 5 * 1024 * 1024
    max_rows: int = 10_000
    default_batch_size: int = 200
    max_batch_size: int = 1_000
    max_errors: int = 1_000  # stored on the job; the counts stay exact beyond it


class StartAccountImport:
    def __init__(
        self,
        uow: ImportUnitOfWork,
        clock: Clock,
        ids: IdGenerator,
        audit: AuditRecorder,
        limits: ImportLimits,
        signal: ImportQueueSignal,
    ) -> None:
        self._uow, self._clock, self._ids, self._audit = uow, clock, ids, audit
        self._limits, self._signal = limits, signal

    async def __call__(
        self,
        principal: Principal,
        college_id: UUID,
        body: AsyncIterable[bytes],
        batch_size: int | None = None,
    ) -> ImportJob:
        ensure_admin_of(principal, college_id)
        size = batch_size if batch_size is not None else self._limits.default_batch_size
        if not 1 <= size <= self._limits.max_batch_size:
            raise InvalidInput(
                f"batch_size must be between 1 and {self._limits.max_batch_size}",
                field="batch_size",
            )
        await ensure_college(self._uow, college_id)
        parser, received = await self._parse(body)
        rows, errors = _refuse_ungrantable(principal, parser.rows, parser.errors)
        job = ImportJob.queue(
            id=self._ids.new_id(),
            college_id=college_id,
            created_by=_account_id(principal),
            batch_size=size,
            max_batch_size=self._limits.max_batch_size,
            total=parser.total,
            valid_rows=len(rows),
            errors=errors,
            max_errors=self._limits.max_errors,
            now=self._clock.now(),
        )
        await self._uow.imports.add(job, rows)
        self._audit.record(
            AuditAction.BULK_IMPORT_STARTED,
            college_id=college_id,
            actor=principal,
            target_type="import_job",
            target_id=job.id,
            details={
                "bytes": received,
                "total": job.total,
                "valid_rows": job.valid_rows,
                "failed": job.failed,
                "batch_size": job.batch_size,
            },
        )
        await self._uow.commit()
        self._signal.job_queued()
        return job

    async def _parse(self, body: AsyncIterable[bytes]) -> tuple[AccountCsvParser, int]:
        parser = AccountCsvParser(max_rows=self._limits.max_rows)
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        received = 0
        try:
            async for chunk in body:
                received += len(chunk)
                if received > self._limits.max_bytes:
                    raise ImportTooLarge(
                        f"the file is larger than {self._limits.max_bytes} bytes; split it",
                        extra={"max_bytes": self._limits.max_bytes},
                    )
                parser.feed(decoder.decode(chunk))
            parser.feed(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            raise InvalidInput("the file is not UTF-8 text", field="file") from exc
        parser.finish()
        return parser, received


def _account_id(principal: Principal) -> UUID | None:
    try:
        return UUID(principal.user_id)
    except ValueError:  # an API-key or service principal
        return None


def _refuse_ungrantable(
    principal: Principal, rows: list[AccountRow], errors: list[RowError]
) -> tuple[list[AccountRow], list[RowError]]:
    if principal.is_super_admin:
        return rows, errors
    allowed = [row for row in rows if Role.SUPER_ADMIN not in row.roles]
    refused = [
        RowError(
            line=row.line,
            field="roles",
            code="refused",
            message="only a super admin may grant super_admin",
        )
        for row in rows
        if Role.SUPER_ADMIN in row.roles
    ]
    return allowed, [*errors, *refused]


class GetImportJob:
    def __init__(self, uow: ImportUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal, job_id: UUID) -> ImportJob:
        job = await self._uow.imports.get(job_id)
        if job is None or not principal.can_see_tenant(str(job.college_id)):
            raise NotFound("import job not found")
        ensure_admin_of(principal, job.college_id)
        return job


class RunImportBatch:
    """One batch of the oldest unfinished job; False when there was nothing to do."""

    def __init__(
        self, uow: ImportUnitOfWork, clock: Clock, ids: IdGenerator, audit: AuditRecorder
    ) -> None:
        self._uow, self._clock, self._ids, self._audit = uow, clock, ids, audit

    async def __call__(self) -> bool:
        job = await self._uow.imports.claim_next()
        if job is None:
            await self._uow.rollback()
            return False
        try:
            await self._batch(job)
        except Conflict:
            # An email of the batch got an account concurrently; the batch rolled back and
            # its retry counts that row as skipped_existing.
            return True
        except Exception as exc:
            await self._uow.rollback()
            await self._fail(job.id, exc)
            raise
        return True

    async def _batch(self, job: ImportJob) -> None:
        now = self._clock.now()
        job.start(now)
        rows = await self._uow.imports.rows(job.id, job.next_position, job.batch_size)
        existing = await self._uow.accounts.existing_emails(
            job.college_id, [row.email for row in rows]
        )
        created = 0
        for row in rows:
            if row.email in existing:
                continue
            account = Account.register(
                id=self._ids.new_id(),
                college_id=job.college_id,
                email=row.email,
                display_name=row.display_name,
                password_hash=None,
                roles=row.roles,
                now=now,
            )
            await self._uow.accounts.add(account)
            self._uow.record(account_registered(account))
            created += 1
        job.batch_done(
            rows=len(rows), created=created, skipped_existing=len(rows) - created, now=now
        )
        if job.is_finished:
            await self._uow.imports.delete_rows(job.id)  # personal data not needed any more
            self._finished(job)
        await self._uow.imports.save(job)
        await self._uow.commit()

    async def _fail(self, job_id: UUID, exc: Exception) -> None:
        job = await self._uow.imports.lock(job_id)
        if job is None or job.is_finished:
            await self._uow.rollback()
            return
        job.fail(f"internal error ({type(exc).__name__})", self._clock.now())
        await self._uow.imports.delete_rows(job.id)
        await self._uow.imports.save(job)
        self._finished(job)
        await self._uow.commit()

    def _finished(self, job: ImportJob) -> None:
        self._audit.record(
            AuditAction.BULK_IMPORT_FINISHED,
            outcome=(
                AuditOutcome.SUCCESS
                if job.status is ImportStatus.SUCCEEDED
                else AuditOutcome.FAILURE
            ),
            college_id=job.college_id,
            actor_id=job.created_by,
            target_type="import_job",
            target_id=job.id,
            details={
                "status": job.status.value,
                "total": job.total,
                "created": job.created,
                "skipped_existing": job.skipped_existing,
                "failed": job.failed,
            },
        )

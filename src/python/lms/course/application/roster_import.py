"""OneRoster 1.2 CSV bundle import, as a job.

Upload (``StartRosterImport``): the zip is streamed to a temporary file with its size
counted; then each CSV file the manifest lists is read and validated row by row (file, line
and field named), and the valid rows and the job are stored in one transaction. A bundle
over the size or row limits, without a valid manifest, or lacking a listed file leaves
nothing behind.

Processing (``RunRosterBatch``, called by the worker in a loop): one transaction per batch
locks the job (``FOR UPDATE SKIP LOCKED``) and applies its rows in file order (orgs, sessions,
courses, classes, users, roles, enrollments), each in its own savepoint, so a row that cannot
be applied (an unknown sourcedId, a user without an account) is reported and the rest go on.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import AsyncIterable
from dataclasses import dataclass
from typing import IO, Protocol
from uuid import UUID

from lms.course.application.access import ROSTER_IMPORT, require
from lms.course.application.errors import BundleTooLarge
from lms.course.application.ports import RosterStore
from lms.course.application.roster_apply import RosterApplier, RowRefused, refusal
from lms.course.domain.roster import (
    FILES,
    FileMode,
    RosterFileParser,
    RosterRow,
    RowError,
    parse_manifest,
)
from lms.course.domain.roster_jobs import ImportStatus, RosterImport, empty_counts
from lms_platform.kernel.errors import DomainError, InvalidInput, NotFound
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal


@dataclass(frozen=True, slots=True, kw_only=True)
class RosterLimits:
    max_bytes: int = 20 * 1024 * 1024  # the zip as uploaded
    max_unpacked_bytes: int = 200 * 1024 * 1024  # its CSV files, unpacked (no zip bombs)
    max_rows: int = 200_000
    batch_size: int = 500
    max_errors: int = 1_000


class ImportQueueSignal(Protocol):
    def job_queued(self) -> None: ...


class StartRosterImport:
    def __init__(
        self, store: RosterStore, clock: Clock, ids: IdGenerator, limits: RosterLimits,
        signal: ImportQueueSignal,
    ) -> None:  # fmt: skip
        self._store, self._clock, self._ids = store, clock, ids
        self._limits, self._signal = limits, signal

    async def __call__(self, principal: Principal, body: AsyncIterable[bytes]) -> RosterImport:
        require(principal, ROSTER_IMPORT)
        with tempfile.TemporaryFile() as spool:
            await self._spool(body, spool)
            modes, parsers = self._parse(spool)
        rows = [row for name in FILES if name in parsers for row in parsers[name].rows]
        errors = [error for name in FILES if name in parsers for error in parsers[name].errors]
        totals = {name: parser.total for name, parser in parsers.items()}
        counts = empty_counts(totals)
        for error in errors:
            counts[error.file]["failed"] += 1
        now = self._clock.now()
        job = RosterImport(
            id=self._ids.new_id(), tenant_id=principal.tenant_id, created_by=principal.user_id,
            status=ImportStatus.QUEUED, modes={k: v.value for k, v in modes.items()},
            counts=counts, max_errors=self._limits.max_errors, total=sum(totals.values()),
            valid_rows=len(rows), batch_size=self._limits.batch_size, created_at=now,
            updated_at=now,
        )  # fmt: skip
        job.add_errors(errors)
        if not rows:
            job.batch_done(0, now)
        await self._store.imports.add(job, rows)
        await self._store.commit()
        self._signal.job_queued()
        return job

    async def _spool(self, body: AsyncIterable[bytes], spool: IO[bytes]) -> None:
        received = 0
        async for chunk in body:
            received += len(chunk)
            if received > self._limits.max_bytes:
                raise BundleTooLarge(
                    f"the bundle is larger than {self._limits.max_bytes} bytes; split it",
                    extra={"max_bytes": self._limits.max_bytes},
                )
            spool.write(chunk)
        spool.seek(0)

    def _parse(self, spool: IO[bytes]) -> tuple[dict[str, FileMode], dict[str, RosterFileParser]]:
        try:
            bundle = zipfile.ZipFile(spool)
        except zipfile.BadZipFile as exc:
            raise InvalidInput("the upload is not a zip file", field="bundle") from exc
        with bundle:
            names = {
                info.filename.rsplit("/", 1)[-1]: info
                for info in bundle.infolist()
                if not info.is_dir()
            }
            if sum(info.file_size for info in names.values()) > self._limits.max_unpacked_bytes:
                raise BundleTooLarge(
                    f"the bundle unpacks to more than {self._limits.max_unpacked_bytes} bytes"
                )
            if "manifest.csv" not in names:
                raise InvalidInput("the bundle has no manifest.csv", field="manifest.csv")
            modes = parse_manifest(self._lines(bundle, names["manifest.csv"]))
            parsers: dict[str, RosterFileParser] = {}
            rows_left = self._limits.max_rows
            for name in FILES:
                if modes[name] is FileMode.ABSENT:
                    continue
                if name not in names:
                    raise InvalidInput(
                        f"the manifest lists {name}, which the bundle lacks", field=name
                    )
                parser = RosterFileParser(name, modes[name])
                for _ in parser.parse(self._lines(bundle, names[name]), max_rows=rows_left):
                    pass
                rows_left -= parser.total
                parsers[name] = parser
        return modes, parsers

    @staticmethod
    def _lines(bundle: zipfile.ZipFile, info: zipfile.ZipInfo) -> io.TextIOWrapper:
        try:
            return io.TextIOWrapper(bundle.open(info), encoding="utf-8-sig", newline="")
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
            raise InvalidInput(
                f"{info.filename} cannot be read from the zip", field=info.filename
            ) from exc


class GetRosterImport:
    def __init__(self, store: RosterStore) -> None:
        self._store = store

    async def __call__(self, principal: Principal, job_id: UUID) -> RosterImport:
        job = await self._store.imports.get(job_id)
        if job is None or not principal.can_see_tenant(job.tenant_id):
            raise NotFound("import job not found")
        require(principal, ROSTER_IMPORT)
        return job


class RunRosterBatch:
    """One batch of the oldest unfinished job; False when there was nothing to do."""

    def __init__(self, store: RosterStore, clock: Clock, ids: IdGenerator) -> None:
        self._store, self._clock, self._ids = store, clock, ids

    async def __call__(self) -> bool:
        job = await self._store.imports.claim_next()
        if job is None:
            await self._store.rollback()
            return False
        try:
            await self._batch(job)
        except Exception as exc:
            await self._store.rollback()
            await self._fail(job.id, exc)
            raise
        return True

    async def _batch(self, job: RosterImport) -> None:
        now = self._clock.now()
        job.start(now)
        rows = await self._store.imports.rows(job.id, job.next_position, job.batch_size)
        applier = RosterApplier(self._store, self._clock, self._ids, job.tenant_id, job.created_by)
        errors: list[RowError] = []
        for row in rows:
            outcome = await self._apply(applier, row, errors)
            job.count(row.file, outcome)
        job.add_errors(errors)
        job.batch_done(len(rows), self._clock.now())
        if job.is_finished:
            await self._store.imports.delete_rows(job.id)
        await self._store.imports.save(job)
        await self._store.commit()

    async def _apply(self, applier: RosterApplier, row: RosterRow, errors: list[RowError]) -> str:
        try:
            async with self._store.savepoint():
                return (await applier.apply(row)).outcome
        except (RowRefused, DomainError) as error:
            field, code, message = refusal(error, row)
            errors.append(RowError(row.file, row.line, field, code, message))
            return "failed"

    async def _fail(self, job_id: UUID, exc: Exception) -> None:
        job = await self._store.imports.lock(job_id)
        if job is None or job.is_finished:
            await self._store.rollback()
            return
        job.fail(f"internal error ({type(exc).__name__})", self._clock.now())
        await self._store.imports.delete_rows(job.id)
        await self._store.imports.save(job)
        await self._store.commit()

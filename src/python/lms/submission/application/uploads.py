"""Uploads, two paths. Presigned (the default): a slot, the client's PUT straight into storage,
then a confirmation that checks the stored bytes (size, SHA-256, type from the first bytes) and,
by default, hands them in. Direct: the bytes stream through the service into storage, counted,
hashed and sniffed on the way. Anything refused leaves no object and no row behind."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from lms.submission.application.errors import NothingUploaded
from lms.submission.application.handing_in import HandIn, stored, submitter
from lms.submission.application.ports import ObjectStore, SubmissionUnitOfWork, UploadLimits
from lms.submission.domain.assignments import SubmissionKind
from lms.submission.domain.errors import (
    AttemptLimitReached,
    ChecksumMismatch,
    UnsupportedFileType,
    UploadTooLarge,
)
from lms.submission.domain.files import SNIFF_BYTES, content_matches, content_type_for
from lms.submission.domain.submissions import Submission, Work, check_window, evaluate_attempt
from lms.submission.domain.uploads import Upload, UploadStatus, check_file, size_limit
from lms_platform.kernel.errors import InvalidInput, NotFound
from lms_platform.kernel.membership import MembershipReader
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal


@dataclass(frozen=True, slots=True)
class PartUrl:
    number: int
    url: str
    size: int


@dataclass(frozen=True, slots=True)
class UploadSlot:
    upload: Upload
    url: str | None  # one PUT
    parts: Sequence[PartUrl]  # or a multipart plan


class RequestUpload:
    def __init__(
        self, uow: SubmissionUnitOfWork, memberships: MembershipReader, store: ObjectStore,
        limits: UploadLimits, clock: Clock, ids: IdGenerator,
    ) -> None:  # fmt: skip
        self._uow, self._memberships, self._store = uow, memberships, store
        self._limits, self._clock, self._ids = limits, clock, ids

    async def __call__(
        self, principal: Principal, assignment_id: UUID, filename: str, size: int, sha256: str
    ) -> UploadSlot:
        rules, _, student, sections = await submitter(
            self._uow, self._memberships, principal, assignment_id
        )
        if not rules.accepts(SubmissionKind.FILE):
            raise InvalidInput("this assignment takes no files", field="assignment_id")
        name, extension = check_file(rules, filename, size, self._limits.max_file_bytes)
        now = self._clock.now()
        # Refuse a slot the student could not use (locked, attempts used) before any upload.
        policy = await self._uow.copies.policy(rules.tenant_id, rules.course_id)
        check_window(
            rules, evaluate_attempt(now, rules, rules.dates_for(student, sections), policy, now)
        )
        content_type = content_type_for(extension)
        limits = self._limits
        upload_id = self._ids.new_id()
        multipart = size > limits.multipart_threshold
        upload = Upload.slot(
            id=upload_id, rules=rules, student_id=student, filename=name, extension=extension,
            size=size, content_type=content_type, sha256=sha256.lower(), now=now,
            ttl=timedelta(seconds=limits.slot_ttl_seconds),
            part_bytes=limits.part_bytes if multipart else None,
        )  # fmt: skip
        ttl = limits.url_ttl_seconds
        url: str | None = None
        parts: list[PartUrl] = []
        if multipart:
            upload.multipart_id = await self._store.start_multipart(
                upload.key, content_type=content_type
            )
            count = -(-size // limits.part_bytes)
            for number in range(1, count + 1):
                part_size = min(limits.part_bytes, size - (number - 1) * limits.part_bytes)
                part_url = await self._store.presign_part(
                    upload.key,
                    upload_id=upload.multipart_id,
                    part_number=number,
                    expires_seconds=ttl,
                )
                parts.append(PartUrl(number, part_url, part_size))
        else:
            url = await self._store.presign_put(
                upload.key, content_type=content_type, size=size, expires_seconds=ttl
            )
        await self._uow.uploads.add(upload)
        await self._uow.commit()
        return UploadSlot(upload, url, parts)


async def _verify(store: ObjectStore, upload: Upload) -> None:
    """Raises unless the stored object is the declared one: its size, type and SHA-256."""
    size = await store.size_of(upload.key)
    if size is None:
        raise NothingUploaded("nothing was uploaded for this slot yet", field="upload_id")
    if size != upload.size:
        kind = UploadTooLarge if size > upload.size else ChecksumMismatch
        raise kind(f"the stored file has {size} bytes, not the declared {upload.size}")
    digest = hashlib.sha256()
    head = b""
    async for chunk in store.read(upload.key):
        sniffing = len(head) < SNIFF_BYTES
        head += chunk[: SNIFF_BYTES - len(head)] if sniffing else b""
        # Refuse a wrong type as soon as its first bytes are in: no need to read the rest.
        if (
            sniffing
            and len(head) in (SNIFF_BYTES, size)
            and not content_matches(upload.extension, head)
        ):
            raise UnsupportedFileType(f"the content is not a .{upload.extension} file")
        digest.update(chunk)
    if len(head) < SNIFF_BYTES and not content_matches(upload.extension, head):
        raise UnsupportedFileType(f"the content is not a .{upload.extension} file")
    if digest.hexdigest() != upload.sha256:
        raise ChecksumMismatch("the stored file's SHA-256 is not the declared one")


class ConfirmUpload:
    """Checks the stored bytes and, with ``submit``, hands them in as one attempt. A retried
    confirmation answers what the first did: one attempt, never two."""

    def __init__(
        self, uow: SubmissionUnitOfWork, memberships: MembershipReader, store: ObjectStore,
        hand_in: HandIn,
    ) -> None:  # fmt: skip
        self._uow, self._memberships, self._store, self._hand_in = uow, memberships, store, hand_in

    async def __call__(
        self, principal: Principal, upload_id: UUID, *, submit: bool = True,
        parts: Sequence[tuple[int, str]] = (),
    ) -> tuple[Upload, Submission | None]:  # fmt: skip
        uow = self._uow
        upload = await self._own(principal, upload_id)
        await uow.rollback()  # no connection held while storage is read
        if upload.status is UploadStatus.PENDING:
            # Verified outside any transaction: reading a large object must not hold a connection.
            if upload.multipart_id is not None:
                done = await self._store.complete_multipart(
                    upload.key, upload_id=upload.multipart_id, parts=parts
                )
                if not done and await self._store.size_of(upload.key) is None:
                    raise NothingUploaded(
                        "the parts are missing or do not match the plan", field="parts"
                    )
            try:
                await _verify(self._store, upload)
            except NothingUploaded:
                raise
            except InvalidInput:
                await self._discard(upload)
                raise
            await uow.rollback()  # end the read transaction; the next one locks the row
            upload = await self._own(principal, upload_id, for_update=True)
            if upload.status is UploadStatus.PENDING:
                upload.status = UploadStatus.READY
                await uow.uploads.save(upload)
                if not submit:
                    await uow.commit()
                    return upload, None
        if upload.status is UploadStatus.SUBMITTED:
            assert upload.submission_id is not None
            return upload, await uow.submissions.get(principal.tenant_id, upload.submission_id)
        if not submit or upload.status is not UploadStatus.READY:
            await uow.commit()
            return upload, None
        rules, _, student, sections = await submitter(
            uow, self._memberships, principal, upload.assignment_id
        )
        upload = await self._own(principal, upload_id, for_update=True)
        if upload.status is UploadStatus.SUBMITTED:  # a concurrent confirmation was first
            assert upload.submission_id is not None
            return upload, await uow.submissions.get(principal.tenant_id, upload.submission_id)
        work = Work(kind=SubmissionKind.FILE, files=(stored(upload),))
        submission = await self._hand_in(principal, rules, student, sections, work, [upload])
        return upload, submission

    async def _own(
        self, principal: Principal, upload_id: UUID, *, for_update: bool = False
    ) -> Upload:
        upload = await self._uow.uploads.get(principal.tenant_id, upload_id, for_update=for_update)
        if (
            upload is None
            or str(upload.student_id) != principal.user_id
            or upload.status is UploadStatus.EXPIRED
        ):
            raise NotFound("upload not found")
        return upload

    async def _discard(self, upload: Upload) -> None:
        await self._store.delete(upload.key)
        await self._uow.rollback()
        await self._uow.uploads.delete(upload.id)
        await self._uow.commit()


class _Counted:
    """The request body, counted against the limit, hashed and sniffed as it streams by."""

    def __init__(self, chunks: AsyncIterator[bytes], limit: int, extension: str) -> None:
        self._chunks, self._limit, self._extension = chunks, limit, extension
        self.size = 0
        self.digest = hashlib.sha256()
        self.head = b""
        self._checked = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._chunks:
            self.size += len(chunk)
            if self.size > self._limit:
                raise UploadTooLarge(
                    f"the file is larger than {self._limit} bytes", extra={"max_bytes": self._limit}
                )
            if not self._checked:
                self.head += chunk[: SNIFF_BYTES - len(self.head)]
                if len(self.head) >= SNIFF_BYTES:
                    self.check_type()
            self.digest.update(chunk)
            yield chunk
        self.check_type()

    def check_type(self) -> None:
        if not self._checked and not content_matches(self._extension, self.head):
            raise UnsupportedFileType(f"the content is not a .{self._extension} file")
        self._checked = True


class DirectUpload:
    """``POST /submissions/direct``: one file streamed through the service into storage (never
    whole in memory), then handed in. ``sha256``, when given, must match what arrived."""

    def __init__(
        self, uow: SubmissionUnitOfWork, memberships: MembershipReader, store: ObjectStore,
        limits: UploadLimits, hand_in: HandIn, clock: Clock, ids: IdGenerator,
    ) -> None:  # fmt: skip
        self._uow, self._memberships, self._store, self._limits = uow, memberships, store, limits
        self._hand_in, self._clock, self._ids = hand_in, clock, ids

    async def __call__(
        self, principal: Principal, assignment_id: UUID, filename: str,
        chunks: AsyncIterator[bytes], *, declared_size: int | None, sha256: str | None,
    ) -> Submission:  # fmt: skip
        rules, _, student, sections = await submitter(
            self._uow, self._memberships, principal, assignment_id
        )
        if not rules.accepts(SubmissionKind.FILE):
            raise InvalidInput("this assignment takes no files", field="assignment_id")
        limit = min(size_limit(rules, self._limits.max_file_bytes), self._limits.direct_max_bytes)
        name, extension = check_file(rules, filename, min(declared_size or 1, limit + 1), limit)
        submission = await self._uow.submissions.of_student(rules.tenant_id, rules.id, student)
        if submission is not None and not rules.attempts_left(len(submission.attempts)):
            raise AttemptLimitReached(f"all {rules.allowed_attempts} allowed attempts are used")
        await self._uow.rollback()  # no transaction open while the body streams
        now = self._clock.now()
        upload = Upload.slot(
            id=self._ids.new_id(), rules=rules, student_id=student, filename=name, extension=extension,
            size=0, content_type=content_type_for(extension), sha256="0" * 64, now=now, ttl=timedelta(0),
        )  # fmt: skip
        counted = _Counted(chunks, limit, extension)
        await self._store.put_stream(
            upload.key, counted.__aiter__(), content_type=upload.content_type
        )
        try:
            if counted.size == 0:
                raise InvalidInput("the file is empty", field="file")
            if sha256 is not None and counted.digest.hexdigest() != sha256.lower():
                raise ChecksumMismatch("the file's SHA-256 is not the declared one")
            upload.size, upload.sha256, upload.status = (
                counted.size,
                counted.digest.hexdigest(),
                UploadStatus.READY,
            )
            await self._uow.uploads.add(upload)
            work = Work(kind=SubmissionKind.FILE, files=(stored(upload),))
            return await self._hand_in(principal, rules, student, sections, work, [upload])
        except BaseException:
            await self._store.delete(upload.key)
            raise


class ExpireUploads:
    """Deletes what slots never confirmed left in storage; returns how many it expired."""

    def __init__(self, uow: SubmissionUnitOfWork, store: ObjectStore, clock: Clock) -> None:
        self._uow, self._store, self._clock = uow, store, clock

    async def __call__(self, limit: int = 100) -> int:
        expired = await self._uow.uploads.expired(self._clock.now(), limit)
        for upload in expired:
            if upload.multipart_id is not None:
                await self._store.abort_multipart(upload.key, upload_id=upload.multipart_id)
            await self._store.delete(upload.key)
            upload.status = UploadStatus.EXPIRED
            await self._uow.uploads.save(upload)
        await self._uow.commit()
        return len(expired)


class ExpireUploadsStep:
    """One step of the expiry worker: True while there was something to expire."""

    def __init__(self, expire: ExpireUploads) -> None:
        self._expire = expire

    async def __call__(self) -> bool:
        return await self._expire() > 0

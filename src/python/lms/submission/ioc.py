"""The submission service's dishka providers: each port bound to its adapter
(``provide(Impl, provides=Port)``), and the use cases. The platform runtime adds the engine,
sessions, Redis, clock, ids and the outbox stager."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lms.submission.adapters.persistence.unit_of_work import SubmissionSqlAlchemyUnitOfWork
from lms.submission.application.assignment_copies import KeepAssignment, KeepLatePolicy
from lms.submission.application.bulk_grading import BulkGrade
from lms.submission.application.course_schemes import KeepCourseScheme
from lms.submission.application.grading import ApplyGrade, GradeSubmission, PostGrades
from lms.submission.application.grading_by_student import GradeStudent
from lms.submission.application.handing_in import HandIn, Resubmit, Submit
from lms.submission.application.placeholders import MakePlaceholders
from lms.submission.application.ports import ObjectStore, SubmissionUnitOfWork, UploadLimits
from lms.submission.application.reading import (
    ArchiveOfAssignment,
    DownloadFile,
    GetSubmission,
    ListSubmissions,
)
from lms.submission.application.rubrics import DeleteRubric, GetRubric, PutRubric
from lms.submission.application.student_names import ForgetStudentName, KeepStudentName
from lms.submission.application.uploads import (
    ConfirmUpload,
    DirectUpload,
    ExpireUploads,
    ExpireUploadsStep,
    RequestUpload,
)
from lms.submission.config import SubmissionSettings
from lms_platform.kernel.membership import MembershipReader
from lms_platform.membership import RequestMembershipReader
from lms_platform.runtime import JobWakeup
from lms_platform.storage import S3Config, open_s3_store


def s3_config(settings: SubmissionSettings) -> S3Config:
    return S3Config(
        endpoint_url=settings.s3_endpoint_url, bucket=settings.s3_bucket,
        access_key=settings.s3_access_key, secret_key=settings.s3_secret_key,
        region=settings.s3_region, public_endpoint_url=settings.s3_public_endpoint_url,
        stream_part_bytes=settings.stream_part_bytes, max_pool_connections=settings.s3_max_connections,
        create_bucket=settings.s3_create_bucket,
    )  # fmt: skip


class SubmissionAdaptersProvider(Provider):
    scope = Scope.APP

    def __init__(self, settings: SubmissionSettings) -> None:
        super().__init__()
        self._settings = settings

    unit_of_work = provide(
        SubmissionSqlAlchemyUnitOfWork, provides=SubmissionUnitOfWork, scope=Scope.REQUEST
    )

    @provide
    async def object_store(self) -> AsyncIterator[ObjectStore]:
        async with open_s3_store(s3_config(self._settings)) as store:
            yield store

    @provide(scope=Scope.REQUEST)
    def memberships(
        self, session: AsyncSession, sessions: async_sessionmaker[AsyncSession]
    ) -> MembershipReader:
        # In the request's (or message's) transaction if one is open: never a second connection.
        return RequestMembershipReader(session, sessions)

    wakeup = provide(JobWakeup)

    @provide
    def limits(self) -> UploadLimits:
        s = self._settings
        return UploadLimits(
            max_file_bytes=s.max_file_bytes, direct_max_bytes=s.direct_max_bytes,
            multipart_threshold=s.multipart_threshold, part_bytes=s.part_bytes,
            slot_ttl_seconds=s.slot_ttl_seconds, url_ttl_seconds=s.url_ttl_seconds,
        )  # fmt: skip


class SubmissionUseCasesProvider(Provider):
    scope = Scope.REQUEST
    uploads = (
        provide(RequestUpload)
        + provide(ConfirmUpload)
        + provide(DirectUpload)
        + provide(ExpireUploads)
        + provide(ExpireUploadsStep)
    )
    submitting = provide(HandIn) + provide(Submit) + provide(Resubmit)
    reading = (
        provide(GetSubmission)
        + provide(ListSubmissions)
        + provide(DownloadFile)
        + provide(ArchiveOfAssignment)
    )
    grading = (
        provide(GradeSubmission)
        + provide(GradeStudent)
        + provide(PostGrades)
        + provide(BulkGrade)
        + provide(MakePlaceholders)
    )
    rubrics = provide(ApplyGrade) + provide(PutRubric) + provide(GetRubric) + provide(DeleteRubric)
    copies = provide(KeepAssignment) + provide(KeepLatePolicy) + provide(KeepCourseScheme)
    names = provide(KeepStudentName) + provide(ForgetStudentName)


def providers(settings: SubmissionSettings) -> Sequence[Provider]:
    return [SubmissionAdaptersProvider(settings), SubmissionUseCasesProvider()]

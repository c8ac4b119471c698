"""The submission API: upload slots and confirmations, direct uploads, submissions and their
attempts, downloads, grading and posting."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, get, post, put
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import FromQuery, Parameter
from litestar.response import Stream

from lms.submission.adapters.http.bulk_schemas import BulkGradeRequest, BulkGradeResponse
from lms.submission.adapters.http.multipart import MultipartError, MultipartReader, boundary_of
from lms.submission.adapters.http.rubric_schemas import criterion_scores
from lms.submission.adapters.http.schemas import (
    ConfirmRequest,
    ConfirmResponse,
    DownloadResponse,
    FileWork,
    GradeRequest,
    PlaceholdersResponse,
    PostedResponse,
    ResubmitRequest,
    SubmissionResponse,
    SubmitRequest,
    TextWork,
    UploadRequest,
    UploadResponse,
    UploadSlotResponse,
    UrlWork,
)
from lms.submission.adapters.http.zipping import ZipMember, zip_stream
from lms.submission.application.bulk_grading import MAX_BULK_ITEMS, BulkGrade, TooManyItems
from lms.submission.application.grading import GradeCommand, GradeSubmission, PostGrades
from lms.submission.application.grading_by_student import GradeStudent
from lms.submission.application.handing_in import Resubmit, Submit
from lms.submission.application.placeholders import MakePlaceholders
from lms.submission.application.ports import ObjectStore
from lms.submission.application.reading import (
    ArchiveOfAssignment,
    DownloadFile,
    GetSubmission,
    ListSubmissions,
    SubmissionView,
)
from lms.submission.application.uploads import ConfirmUpload, DirectUpload, RequestUpload
from lms.submission.domain.assignments import SubmissionKind
from lms.submission.domain.errors import UnsupportedFileType, UploadTooLarge
from lms.submission.domain.submissions import LateStatus, WorkflowState
from lms_platform.http.openapi import problems
from lms_platform.http.pagination import (
    CursorPageResponse,
    CursorQuery,
    IncludeTotalQuery,
    LimitQuery,
    OffsetQuery,
    cursor_page_request,
    query_binding,
    to_cursor_page_response,
)
from lms_platform.http.problems import problem_response
from lms_platform.kernel.errors import DomainError, InvalidInput
from lms_platform.kernel.pagination import DEFAULT_LIMIT
from lms_platform.kernel.principal import Principal


@dataclass
class DirectUploadOperation(Operation):
    """The form the direct upload reads itself, streamed: one part, the file."""

    def __post_init__(self) -> None:
        form = Schema(
            type=OpenAPIType.OBJECT,
            properties={"file": Schema(type=OpenAPIType.STRING, description="the file's bytes")},
            required=["file"],
            additional_properties=False,
        )
        self.request_body = RequestBody(
            content={"multipart/form-data": OpenAPIMediaType(schema=form)},
            description="one part named file, with its filename", required=True,
        )  # fmt: skip


INCLUDES = frozenset({"history", "comments", "rubric"})
_INCLUDE_PATTERN = "^(history|comments|rubric)(,(history|comments|rubric))*$"
Include = Annotated[
    str | None,
    Parameter(
        description="comma-separated: history, comments, rubric (the rubric assessment)",
        max_length=64,
        pattern=_INCLUDE_PATTERN,
    ),
]


def _status(status: int) -> Any:
    def handle(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
        return problem_response(request, status, code=exc.code, detail=exc.detail, extra=exc.extra)

    return handle


# A refusal of the file itself has its own status: too large 413, the wrong type 415.
FILE_ERRORS: dict[int | type[Exception], Any] = {
    UploadTooLarge: _status(413),
    UnsupportedFileType: _status(415),
}


def _includes(raw: str | None) -> frozenset[str]:
    names = frozenset(n.strip() for n in (raw or "").split(",") if n.strip())
    unknown = names - INCLUDES
    if unknown:
        raise InvalidInput(f"include takes {', '.join(sorted(INCLUDES))}", field="include")
    return names


def _work(data: TextWork | UrlWork | FileWork) -> tuple[SubmissionKind, dict[str, Any]]:
    if isinstance(data, TextWork):
        return SubmissionKind.TEXT, {"text": data.text}
    if isinstance(data, UrlWork):
        return SubmissionKind.URL, {"url": data.url}
    return SubmissionKind.FILE, {"upload_ids": data.upload_ids}


def _command(data: GradeRequest) -> GradeCommand:
    return GradeCommand(
        score=Decimal(str(data.score)) if data.score is not None else None, excused=data.excused,
        late_status=LateStatus(data.late_status) if data.late_status else None, comment=data.comment,
        rubric_assessment=criterion_scores(data.rubric_assessment)
        if data.rubric_assessment is not None else None,
    )  # fmt: skip


def _one(view: SubmissionView, include: frozenset[str] = frozenset()) -> SubmissionResponse:
    return SubmissionResponse.of(view, include)


def _view_of_own(submission: Any) -> SubmissionView:
    return SubmissionView(submission, show_grade=submission.posted, anonymous=False)


class UploadsController(Controller):
    path = "/submissions/uploads"
    tags = ["uploads"]
    exception_handlers = FILE_ERRORS

    @post("/", status_code=201, summary="Ask for an upload slot: a presigned PUT or a multipart plan",
          responses=problems(403, 404, 413, 415, 422))  # fmt: skip
    @inject
    async def request_slot(
        self,
        data: UploadRequest,
        principal: FromDishka[Principal],
        use_case: FromDishka[RequestUpload],
    ) -> UploadSlotResponse:
        slot = await use_case(principal, data.assignment_id, data.filename, data.size, data.sha256)
        return UploadSlotResponse.of(slot)

    @post("/{upload_id:uuid}/confirm", status_code=200,
          summary="Confirm an upload: the stored bytes are checked, then handed in as one attempt",
          responses=problems(403, 409, 413, 415, 422))  # fmt: skip
    @inject
    async def confirm(
        self, upload_id: UUID, data: ConfirmRequest, principal: FromDishka[Principal],
        use_case: FromDishka[ConfirmUpload],
    ) -> ConfirmResponse:  # fmt: skip
        upload, submission = await use_case(
            principal,
            upload_id,
            submit=data.submit,
            parts=[(p.part_number, p.etag) for p in data.parts],
        )
        return ConfirmResponse(
            upload=UploadResponse.of(upload),
            submission=_one(_view_of_own(submission)) if submission is not None else None,
        )


class SubmissionsController(Controller):
    path = "/submissions"
    tags = ["submissions"]
    exception_handlers = FILE_ERRORS

    @post("/", status_code=201, summary="Hand in text, a URL or confirmed uploads (a new attempt)",
          responses=problems(403, 404, 409))  # fmt: skip
    @inject
    async def submit(
        self, data: SubmitRequest, principal: FromDishka[Principal], use_case: FromDishka[Submit]
    ) -> SubmissionResponse:
        kind, fields = _work(data)
        submission = await use_case(principal, data.assignment_id, kind, **fields)
        return _one(_view_of_own(submission))

    @post(
        "/direct", status_code=201,
        summary="Upload one small file through the service, streamed (multipart/form-data, part file)",
        request_max_body_size=None,  # the use case counts the file's bytes against its own limit
        operation_class=DirectUploadOperation,
        responses=problems(403, 404, 409),
    )  # fmt: skip
    @inject
    async def direct(
        self, request: Request[Any, Any, Any], principal: FromDishka[Principal],
        use_case: FromDishka[DirectUpload], assignment_id: FromQuery[UUID],
        sha256: Annotated[str | None, Parameter(pattern="^[0-9a-f]{64}$")] = None,
    ) -> SubmissionResponse:  # fmt: skip
        try:
            reader = MultipartReader(
                request.stream(), boundary_of(request.headers.get("content-type", ""))
            )
        except MultipartError as error:
            raise HTTPException(
                status_code=415, detail=f"send the file as multipart/form-data ({error})"
            ) from error
        try:
            while (part := await reader.next_part()) is not None:
                if part.name != "file":
                    continue  # other parts are skipped, never kept
                submission = await use_case(
                    principal, assignment_id, part.filename or "file", reader.chunks(),
                    declared_size=None, sha256=sha256,
                )  # fmt: skip
                return _one(_view_of_own(submission))
        except MultipartError as error:
            raise InvalidInput(f"the form is malformed: {error}", field="file") from error
        raise InvalidInput("the form has no part named file", field="file")

    @get("/", summary="Submissions: one assignment's (graders) or the caller's own, filtered, in cursor pages",
         description="Pages follow `next_cursor` (bound to the filters it was issued for); the order "
         "is hand-in time, then id, stable while submissions arrive.",
         responses=problems(404, 422))  # fmt: skip
    @inject
    async def list_submissions(
        self, principal: FromDishka[Principal], use_case: FromDishka[ListSubmissions],
        assignment_id: UUID | None = None, student_id: UUID | None = None,
        workflow_state: Annotated[
            Literal["unsubmitted", "submitted", "graded", "returned", "excused"] | None,
            Parameter(query="state"),
        ] = None,
        late: bool | None = None, include: Include = None,
        limit: LimitQuery = DEFAULT_LIMIT, cursor: CursorQuery = None, offset: OffsetQuery = 0,
        include_total: IncludeTotalQuery = False,
    ) -> CursorPageResponse[SubmissionResponse]:  # fmt: skip
        wanted = _includes(include)
        binding = query_binding(
            "submissions", assignment_id=assignment_id, student_id=student_id,
            state=workflow_state, late=late,
        )  # fmt: skip
        request = cursor_page_request(
            limit=limit, cursor=cursor, offset=offset, include_total=include_total, binding=binding
        )
        page = await use_case(
            principal, request, assignment_id=assignment_id, student_id=student_id,
            state=WorkflowState(workflow_state) if workflow_state else None, late=late,
        )  # fmt: skip
        return to_cursor_page_response(page, lambda v: _one(v, wanted), binding)

    @get("/{submission_id:uuid}", summary="One submission", responses=problems(422))
    @inject
    async def get_submission(
        self, submission_id: UUID, principal: FromDishka[Principal], use_case: FromDishka[GetSubmission],
        include: Include = None,
    ) -> SubmissionResponse:  # fmt: skip
        wanted = _includes(include)
        return _one(await use_case(principal, submission_id), wanted)

    @put("/{submission_id:uuid}", summary="Resubmit: the caller's own submission gets a new attempt",
         responses=problems(403, 409))  # fmt: skip
    @inject
    async def resubmit(
        self, submission_id: UUID, data: ResubmitRequest, principal: FromDishka[Principal],
        use_case: FromDishka[Resubmit],
    ) -> SubmissionResponse:  # fmt: skip
        kind, fields = _work(data)
        submission = await use_case(principal, submission_id, kind, **fields)
        return _one(_view_of_own(submission))

    @post("/{submission_id:uuid}/grade", status_code=200,
          summary="Grade: a score (or a rubric assessment, whose points make it), excused, a late-policy "
          "override and a comment", responses=problems(403))  # fmt: skip
    @inject
    async def grade(
        self, submission_id: UUID, data: GradeRequest, principal: FromDishka[Principal],
        use_case: FromDishka[GradeSubmission], reader: FromDishka[GetSubmission],
    ) -> SubmissionResponse:  # fmt: skip
        submission = await use_case(principal, submission_id, _command(data))
        return _one(await reader(principal, submission.id), frozenset({"comments", "rubric"}))

    @get(
        "/{submission_id:uuid}/files/{file_id:uuid}/download",
        summary="A presigned download of one file",
    )
    @inject
    async def download(
        self, submission_id: UUID, file_id: UUID, principal: FromDishka[Principal],
        use_case: FromDishka[DownloadFile],
    ) -> DownloadResponse:  # fmt: skip
        found = await use_case(principal, submission_id, file_id)
        return DownloadResponse(
            url=found.url, filename=found.filename, size=found.size, expires_in=found.expires_in
        )


class AssignmentArchiveController(Controller):
    path = "/assignments/{assignment_id:uuid}/submissions.zip"
    tags = ["submissions"]

    @get("/", summary="Every latest file of an assignment's submissions as one zip, streamed from S3",
         media_type="application/zip",
         responses={200: ResponseSpec(None, media_type="application/zip", description="the archive")})  # fmt: skip
    @inject
    async def archive(
        self, assignment_id: UUID, principal: FromDishka[Principal],
        use_case: FromDishka[ArchiveOfAssignment], store: FromDishka[ObjectStore],
    ) -> Stream:  # fmt: skip
        entries = await use_case(principal, assignment_id)
        files = (ZipMember(e.name, e.submitted_at, e.size, store.read(e.key)) for e in entries)
        return Stream(
            zip_stream(files), media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="assignment-{assignment_id}.zip"'},
        )  # fmt: skip


class AssignmentGradesController(Controller):
    path = "/assignments/{assignment_id:uuid}/grades"
    tags = ["grading"]
    exception_handlers = {TooManyItems: _status(413)}

    @post("/", status_code=200, summary="Grade many submissions at once: one report per grade",
          description=f"Up to {MAX_BULK_ITEMS} grades, each applied on its own (its events "
          "included), so one refused grade leaves the others applied.",
          responses=problems(403))  # fmt: skip
    @inject
    async def bulk_grade(
        self, assignment_id: UUID, data: BulkGradeRequest, principal: FromDishka[Principal],
        use_case: FromDishka[BulkGrade],
    ) -> BulkGradeResponse:  # fmt: skip
        results = await use_case(principal, assignment_id, [g.item() for g in data.grades])
        return BulkGradeResponse.of(results)

    @post("/post", status_code=200, summary="Post the assignment's grades: students see them",
          responses=problems(403))  # fmt: skip
    @inject
    async def post_grades(
        self,
        assignment_id: UUID,
        principal: FromDishka[Principal],
        use_case: FromDishka[PostGrades],
    ) -> PostedResponse:
        return PostedResponse(posted=await use_case(principal, assignment_id))


class StudentGradeController(Controller):
    path = "/assignments/{assignment_id:uuid}/students/{student_id:uuid}/grade"
    tags = ["grading"]

    @post("/", status_code=200,
          summary="Grade a student's work, handed in or not: a score (or a rubric assessment), "
          "excused, a late-policy override and a comment",
          description="As `POST /submissions/{id}/grade`, for the student's submission; when the "
          "student handed nothing in (an active student of a section the assignment is for), the "
          "grade creates their submission without an attempt. Anyone else is 404; under "
          "anonymous grading a student may not be named before the grade is posted (403).",
          responses=problems(403))  # fmt: skip
    @inject
    async def grade_student(
        self, assignment_id: UUID, student_id: UUID, data: GradeRequest,
        principal: FromDishka[Principal], use_case: FromDishka[GradeStudent],
        reader: FromDishka[GetSubmission],
    ) -> SubmissionResponse:  # fmt: skip
        submission = await use_case(principal, assignment_id, student_id, _command(data))
        return _one(await reader(principal, submission.id), frozenset({"comments", "rubric"}))


class PlaceholdersController(Controller):
    path = "/assignments/{assignment_id:uuid}/submissions/placeholders"
    tags = ["grading"]

    @post("/", status_code=200,
          summary="Start the submission of every active student of the assignment who has none",
          description="As in Canvas, every active student of the sections the assignment is for "
          "then has a submission (`unsubmitted`, no attempt), listed by `GET /submissions` "
          "(anonymously while grading is anonymous) and graded by `POST /submissions/{id}/grade`. "
          "Idempotent; no event (nothing was handed in). 409 while the assignment is not "
          "published.",
          responses=problems(403, 409))  # fmt: skip
    @inject
    async def make_placeholders(
        self, assignment_id: UUID, principal: FromDishka[Principal],
        use_case: FromDishka[MakePlaceholders],
    ) -> PlaceholdersResponse:  # fmt: skip
        made = await use_case(principal, assignment_id)
        return PlaceholdersResponse(created=made.created, students=made.students)

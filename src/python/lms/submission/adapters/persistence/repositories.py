"""The submission service's repositories, on the request's session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from lms.submission.adapters.persistence.mapping import (
    policy_from_snapshot,
    rules_from_snapshot,
    submission_from,
    submission_values,
    upload_from,
    upload_values,
)
from lms.submission.adapters.persistence.models import (
    AssignmentCopyRecord,
    AttemptRecord,
    CommentRecord,
    LatePolicyCopyRecord,
    RubricAssessmentRecord,
    RubricRecord,
    SubmissionRecord,
    SubmittedFileRecord,
    UploadRecord,
)
from lms.submission.adapters.persistence.rubric_mapping import (
    assessment_from,
    assessment_values,
    rubric_from,
    rubric_values,
)
from lms.submission.application.ports import SubmissionFilter
from lms.submission.domain.assignments import AssignmentRules, CoursePolicy
from lms.submission.domain.rubrics import Rubric, RubricAssessment
from lms.submission.domain.submissions import Submission
from lms.submission.domain.uploads import Upload
from lms_platform.kernel.pagination import CursorPage, CursorPageRequest
from lms_platform.persistence.keyset import KeysetOrder, fetch_cursor_page


class SqlAssignmentCopies:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def rules(self, tenant_id: str, assignment_id: UUID) -> AssignmentRules | None:
        record = await self._session.get(AssignmentCopyRecord, assignment_id)
        if record is None or record.tenant_id != tenant_id:
            return None
        return rules_from_snapshot(tenant_id, record.snapshot, record.deleted)

    async def policy(self, tenant_id: str, course_id: UUID) -> CoursePolicy | None:
        record = await self._session.get(LatePolicyCopyRecord, course_id)
        if record is None or record.tenant_id != tenant_id:
            return None
        return policy_from_snapshot(
            tenant_id, course_id, record.version, record.policy, record.updated_at
        )

    async def keep_assignment(
        self, tenant_id: str, snapshot: dict[str, Any], deleted: bool
    ) -> bool:
        rules = rules_from_snapshot(
            tenant_id, snapshot, deleted
        )  # refuses a snapshot it cannot read
        values = {
            "id": rules.id, "tenant_id": tenant_id, "course_id": rules.course_id, "version": rules.version,
            "snapshot": snapshot, "deleted": rules.deleted, "updated_at": func.now(),
        }  # fmt: skip
        row = pg_insert(AssignmentCopyRecord).values(values)
        statement = row.on_conflict_do_update(
            index_elements=[AssignmentCopyRecord.id],
            set_={k: row.excluded[k] for k in ("version", "snapshot", "deleted", "updated_at")},
            where=(AssignmentCopyRecord.version < row.excluded.version)
            & (AssignmentCopyRecord.tenant_id == tenant_id),
        ).returning(AssignmentCopyRecord.id)
        return (await self._session.execute(statement)).first() is not None

    async def keep_policy(
        self, tenant_id: str, course_id: UUID, version: int, policy: dict[str, Any], at: datetime
    ) -> bool:
        # Refuses a policy it cannot read.
        policy_from_snapshot(tenant_id, course_id, version, policy, at)
        row = pg_insert(LatePolicyCopyRecord).values(
            course_id=course_id, tenant_id=tenant_id, version=version, policy=policy, updated_at=at
        )
        statement = row.on_conflict_do_update(
            index_elements=[LatePolicyCopyRecord.course_id],
            set_={k: row.excluded[k] for k in ("version", "policy", "updated_at")},
            where=(LatePolicyCopyRecord.version < row.excluded.version)
            & (LatePolicyCopyRecord.tenant_id == tenant_id),
        ).returning(LatePolicyCopyRecord.course_id)
        return (await self._session.execute(statement)).first() is not None


class SqlUploads:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(
        self, tenant_id: str, upload_id: UUID, *, for_update: bool = False
    ) -> Upload | None:
        statement = select(UploadRecord).where(
            UploadRecord.id == upload_id, UploadRecord.tenant_id == tenant_id
        )
        if for_update:
            statement = statement.with_for_update()
        record = (
            await self._session.scalars(statement.execution_options(populate_existing=True))
        ).first()
        return upload_from(record) if record is not None else None

    async def add(self, upload: Upload) -> None:
        await self._session.execute(insert(UploadRecord).values(upload_values(upload)))

    async def save(self, upload: Upload) -> None:
        await self._session.execute(
            update(UploadRecord).where(UploadRecord.id == upload.id).values(upload_values(upload))
        )

    async def delete(self, upload_id: UUID) -> None:
        await self._session.execute(delete(UploadRecord).where(UploadRecord.id == upload_id))

    async def expired(self, now: datetime, limit: int) -> Sequence[Upload]:
        statement = (
            select(UploadRecord)
            .where(UploadRecord.status == "pending", UploadRecord.expires_at < now)
            .order_by(UploadRecord.expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [upload_from(r) for r in await self._session.scalars(statement)]


class SqlSubmissions:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._seen: dict[UUID, tuple[int, int, set[UUID]]] = {}  # attempts, comments, files stored
        self._assessed: dict[UUID, RubricAssessment | None] = {}  # the assessment stored

    async def get(
        self, tenant_id: str, submission_id: UUID, *, for_update: bool = False
    ) -> Submission | None:
        statement = select(SubmissionRecord).where(
            SubmissionRecord.id == submission_id, SubmissionRecord.tenant_id == tenant_id
        )
        return await self._one(statement, for_update)

    async def of_student(
        self, tenant_id: str, assignment_id: UUID, student_id: UUID, *, for_update: bool = False
    ) -> Submission | None:
        statement = select(SubmissionRecord).where(
            SubmissionRecord.tenant_id == tenant_id, SubmissionRecord.assignment_id == assignment_id,
            SubmissionRecord.student_id == student_id,
        )  # fmt: skip
        return await self._one(statement, for_update)

    async def _one(self, statement: Any, for_update: bool) -> Submission | None:
        if for_update:
            statement = statement.with_for_update()
        record = (
            await self._session.scalars(statement.execution_options(populate_existing=True))
        ).first()
        if record is None:
            return None
        return (await self._load([record]))[0]

    async def _load(self, records: Sequence[SubmissionRecord]) -> list[Submission]:
        ids = [r.id for r in records]
        if not ids:
            return []
        attempts = (
            await self._session.scalars(
                select(AttemptRecord).where(AttemptRecord.submission_id.in_(ids))
            )
        ).all()
        files = (
            await self._session.scalars(
                select(SubmittedFileRecord).where(SubmittedFileRecord.submission_id.in_(ids))
            )
        ).all()
        comments = (
            await self._session.scalars(
                select(CommentRecord).where(CommentRecord.submission_id.in_(ids))
            )
        ).all()
        assessments = {
            a.submission_id: assessment_from(a)
            for a in await self._session.scalars(
                select(RubricAssessmentRecord).where(RubricAssessmentRecord.submission_id.in_(ids))
            )
        }
        loaded = []
        for record in records:
            mine = [a for a in attempts if a.submission_id == record.id]
            my_files = [f for f in files if f.submission_id == record.id]
            my_comments = [c for c in comments if c.submission_id == record.id]
            self._seen[record.id] = (len(mine), len(my_comments), {f.id for f in my_files})
            submission = submission_from(record, mine, my_files, my_comments)
            submission.rubric_assessment = self._assessed[record.id] = assessments.get(record.id)
            loaded.append(submission)
        return loaded

    async def add(self, submission: Submission) -> bool:
        statement = _insert_new([submission_values(submission)])
        if (await self._session.execute(statement)).first() is None:
            return False  # the student's submission exists (created since the caller looked)
        self._seen[submission.id] = (0, 0, set())
        await self._children(submission)
        return True

    async def add_unsubmitted(self, submissions: Sequence[Submission]) -> int:
        if any(s.attempts or s.comments or s.rubric_assessment for s in submissions):
            raise ValueError("placeholders have no attempt, comment or assessment")
        inserted = 0
        for start in range(0, len(submissions), _ROWS_PER_INSERT):
            batch = submissions[start : start + _ROWS_PER_INSERT]
            result = await self._session.execute(_insert_new([submission_values(s) for s in batch]))
            inserted += len(result.all())
        return inserted

    async def save(self, submission: Submission) -> None:
        await self._session.execute(
            update(SubmissionRecord)
            .where(SubmissionRecord.id == submission.id)
            .values(submission_values(submission))
        )
        await self._children(submission)

    async def _children(self, s: Submission) -> None:
        attempts, comments, files = self._seen.get(s.id, (0, 0, set()))
        for attempt in s.attempts[attempts:]:
            await self._session.execute(insert(AttemptRecord).values(
                submission_id=s.id, number=attempt.number, kind=attempt.work.kind.value,
                body=attempt.work.text, url=attempt.work.url, submitted_at=attempt.submitted_at,
                submitted_by=attempt.submitted_by, late=attempt.late, seconds_late=attempt.seconds_late,
            ))  # fmt: skip
            for f in attempt.work.files:
                if f.id not in files:
                    await self._session.execute(insert(SubmittedFileRecord).values(
                        id=f.id, submission_id=s.id, attempt=attempt.number, filename=f.filename,
                        key=f.key, size=f.size, content_type=f.content_type, sha256=f.sha256,
                    ))  # fmt: skip
                    files.add(f.id)
        for c in s.comments[comments:]:
            await self._session.execute(insert(CommentRecord).values(
                id=c.id, submission_id=s.id, attempt=c.attempt, author_id=c.author_id, body=c.text,
                created_at=c.created_at,
            ))  # fmt: skip
        self._seen[s.id] = (len(s.attempts), len(s.comments), files)
        if s.rubric_assessment is not None and s.rubric_assessment != self._assessed.get(s.id):
            row = pg_insert(RubricAssessmentRecord).values(
                assessment_values(s.id, s.rubric_assessment)
            )
            await self._session.execute(
                row.on_conflict_do_update(
                    index_elements=[RubricAssessmentRecord.submission_id],
                    set_={k: row.excluded[k] for k in _ASSESSMENT_COLUMNS},
                )
            )
            self._assessed[s.id] = s.rubric_assessment

    async def find(
        self, where: SubmissionFilter, page: CursorPageRequest
    ) -> CursorPage[Submission]:
        conditions = [SubmissionRecord.tenant_id == where.tenant_id]
        if where.assignment_id is not None:
            conditions.append(SubmissionRecord.assignment_id == where.assignment_id)
        if where.student_id is not None:
            conditions.append(SubmissionRecord.student_id == where.student_id)
        if where.state is not None:
            conditions.append(SubmissionRecord.state == where.state.value)
        if where.late is not None:
            conditions.append(SubmissionRecord.late == where.late)
        if where.course_ids is not None:
            conditions.append(SubmissionRecord.course_id.in_(where.course_ids))
        records = await fetch_cursor_page(
            self._session, select(SubmissionRecord).where(*conditions), _LIST_ORDER, page,
            lambda record: record,
        )  # fmt: skip
        return CursorPage(
            await self._load(records.items), records.limit, records.next_key, records.total
        )

    async def of_assignment(
        self, tenant_id: str, assignment_id: UUID, *, lock: bool = True
    ) -> Sequence[Submission]:
        statement = (
            select(SubmissionRecord)
            .where(
                SubmissionRecord.tenant_id == tenant_id,
                SubmissionRecord.assignment_id == assignment_id,
            )
            .order_by(SubmissionRecord.created_at, SubmissionRecord.id)
        )
        if lock:
            statement = statement.with_for_update()
        records = (await self._session.scalars(statement)).all()
        return await self._load(records)


def _insert_new(rows: list[dict[str, Any]]) -> Any:
    """New submissions; a student who has one of the assignment keeps it (nothing written for
    them, after waiting for a concurrent insert's commit). Returns the ids inserted."""
    return (
        pg_insert(SubmissionRecord)
        .values(rows)
        .on_conflict_do_nothing(constraint="uq_submissions_student")
        .returning(SubmissionRecord.id)
    )


# 22 columns a row: 1,000 rows stay well under asyncpg's 32,767 parameters a statement.
_ROWS_PER_INSERT = 1000

_ASSESSMENT_COLUMNS = (
    "rubric_id",
    "rubric_version",
    "criteria",
    "score",
    "assessor_id",
    "assessed_at",
)


class SqlRubrics:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of_assignment(
        self, tenant_id: str, assignment_id: UUID, *, for_update: bool = False, share: bool = False
    ) -> Rubric | None:
        statement = select(RubricRecord).where(
            RubricRecord.tenant_id == tenant_id, RubricRecord.assignment_id == assignment_id
        )
        if for_update or share:
            statement = statement.with_for_update(read=not for_update)
        record = (
            await self._session.scalars(statement.execution_options(populate_existing=True))
        ).first()
        return rubric_from(record) if record is not None else None

    async def put(self, rubric: Rubric) -> bool:
        row = pg_insert(RubricRecord).values(rubric_values(rubric))
        replaced = ("title", "criteria", "points_possible", "version", "updated_at")
        statement = row.on_conflict_do_update(
            constraint="uq_rubrics_assignment",
            set_={k: row.excluded[k] for k in replaced},
            # Never under an assessment, even one written since the caller looked.
            where=~exists().where(RubricAssessmentRecord.rubric_id == RubricRecord.id),
        ).returning(RubricRecord.id)
        return (await self._session.execute(statement)).first() is not None

    async def delete(self, rubric_id: UUID) -> None:
        await self._session.execute(delete(RubricRecord).where(RubricRecord.id == rubric_id))

    async def assessed(self, rubric_id: UUID) -> bool:
        found = await self._session.scalar(
            select(exists().where(RubricAssessmentRecord.rubric_id == rubric_id))
        )
        return bool(found)


# Hand-in order, the id breaking ties; indexes (tenant, assignment | student, created_at, id)
# make a page a range scan (migration 0003).
_LIST_ORDER = KeysetOrder((SubmissionRecord.created_at, SubmissionRecord.id))

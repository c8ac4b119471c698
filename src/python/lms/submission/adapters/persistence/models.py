"""The submission service's tables, declared on advanced-alchemy's registry (which the
migrations environment reads). Every row carries its college (``tenant_id``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from advanced_alchemy.base import DefaultBase
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from lms.submission.adapters.persistence.student_names import (  # noqa: F401 - its table
    StudentNameRecord as _StudentNameRecord,
)
from lms_platform.membership import MembershipRecord as _MembershipRecord  # noqa: F401 - its table


class AssignmentCopyRecord(DefaultBase):
    """The newest ``assignment.*`` snapshot of each assignment (the highest version wins)."""

    __tablename__ = "assignment_copies"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    course_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LatePolicyCopyRecord(DefaultBase):
    __tablename__ = "late_policy_copies"

    course_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    policy: Mapped[dict[str, Any]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UploadRecord(DefaultBase):
    __tablename__ = "uploads"
    __table_args__ = (
        Index(
            "ix_uploads_pending_expiry", "expires_at", postgresql_where=text("status = 'pending'")
        ),
        Index("ix_uploads_student", "tenant_id", "assignment_id", "student_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    assignment_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    student_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    filename: Mapped[str] = mapped_column(String(255))
    extension: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(512))
    multipart_id: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    part_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    submission_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SubmissionRecord(DefaultBase):
    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "assignment_id", "student_id", name="uq_submissions_student"),
        # The keyset orders of the list (migration 0003).
        Index("ix_submissions_assignment_order", "tenant_id", "assignment_id", "created_at", "id"),
        Index("ix_submissions_student_order", "tenant_id", "student_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    assignment_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    course_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    student_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    state: Mapped[str] = mapped_column(String(16))
    attempt_count: Mapped[int] = mapped_column(Integer)
    late: Mapped[bool] = mapped_column(Boolean)
    excused: Mapped[bool] = mapped_column(Boolean)
    late_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    entered_score: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    score: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    grade: Mapped[str | None] = mapped_column(String(32), nullable=True)
    points_deducted: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    graded_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    graded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    graded_attempt: Mapped[int | None] = mapped_column(Integer, nullable=True)
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


class AttemptRecord(DefaultBase):
    __tablename__ = "attempts"

    submission_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_by: Mapped[str] = mapped_column(String(255))
    late: Mapped[bool] = mapped_column(Boolean)
    seconds_late: Mapped[int] = mapped_column(BigInteger)


class SubmittedFileRecord(DefaultBase):
    __tablename__ = "submitted_files"
    __table_args__ = (Index("ix_submitted_files_submission", "submission_id", "attempt"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # the upload's id
    submission_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("submissions.id", ondelete="CASCADE")
    )
    attempt: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    key: Mapped[str] = mapped_column(String(512))
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))


class CommentRecord(DefaultBase):
    __tablename__ = "submission_comments"
    __table_args__ = (Index("ix_submission_comments_submission", "submission_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    submission_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("submissions.id", ondelete="CASCADE")
    )
    attempt: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RubricRecord(DefaultBase):
    """One rubric per assignment; its criteria and their ratings as one JSON value."""

    __tablename__ = "rubrics"
    __table_args__ = (UniqueConstraint("tenant_id", "assignment_id", name="uq_rubrics_assignment"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    assignment_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    course_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(255))
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    points_possible: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RubricAssessmentRecord(DefaultBase):
    """The latest rubric assessment of a submission: points, rating and comment per criterion."""

    __tablename__ = "rubric_assessments"
    __table_args__ = (Index("ix_rubric_assessments_rubric", "rubric_id"),)

    submission_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True
    )
    rubric_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    rubric_version: Mapped[int] = mapped_column(Integer)
    criteria: Mapped[dict[str, Any]] = mapped_column(JSONB)
    score: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    assessor_id: Mapped[str] = mapped_column(String(255))
    assessed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GradingSchemeCopyRecord(DefaultBase):
    """Each course's grading scheme from ``course.*`` (the highest course version wins); a
    NULL scheme is the default one."""

    __tablename__ = "grading_scheme_copies"

    course_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    scheme: Mapped[list[dict[str, str]] | None] = mapped_column(JSONB, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

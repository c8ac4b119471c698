"""The assignment service's tables, declared on advanced-alchemy's registry (which the
migrations environment reads). The ``memberships`` table is the platform's
(``lms_platform.membership``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from advanced_alchemy.base import DefaultBase, UUIDBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    BigInteger,
    Boolean,
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
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

# Stands in for "no due date" in the sort column, after every real date (dates end in 2999).
NO_DUE_DATE_ORDER = datetime.fromisoformat("3000-01-01T00:00:00+00:00")

_LIVE = text("deleted_at IS NULL")


class AssignmentRecord(UUIDBase):
    __tablename__ = "assignments"
    __table_args__ = (
        # A course's list, by due date (no due date last) or by creation, keyset-paged.
        Index(
            "ix_assignments_course_due",
            "tenant_id",
            "course_id",
            "due_order",
            "id",
            postgresql_where=_LIVE,
        ),
        # Every row of the courses, deleted ones too: the revision a student's list is kept by.
        Index(
            "ix_assignments_course_version",
            "tenant_id",
            "course_id",
            postgresql_include=["version"],
        ),
        Index(
            "ix_assignments_course_created",
            "tenant_id",
            "course_id",
            "created_at",
            "id",
            postgresql_where=_LIVE,
        ),
    )

    tenant_id: Mapped[str] = mapped_column(String(64))
    course_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    section_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(Uuid), server_default=text("'{}'::uuid[]")
    )
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    unlock_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    lock_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    due_order: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    points_possible: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    grading_type: Mapped[str] = mapped_column(String(16))
    submission_types: Mapped[list[str]] = mapped_column(ARRAY(String(8)))
    allowed_extensions: Mapped[list[str]] = mapped_column(ARRAY(String(10)))
    max_file_bytes: Mapped[int | None] = mapped_column(BigInteger)
    multiple_files: Mapped[bool] = mapped_column(Boolean)
    allowed_attempts: Mapped[int] = mapped_column(Integer)
    anonymous_grading: Mapped[bool] = mapped_column(Boolean)
    grade_posting: Mapped[str] = mapped_column(String(16))
    announce_before_unlock: Mapped[bool] = mapped_column(Boolean)
    locked: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    version: Mapped[int] = mapped_column(Integer)

    overrides: Mapped[list[OverrideRecord]] = relationship(
        back_populates="assignment",
        cascade="all, delete-orphan",
        lazy="raise",
        order_by="OverrideRecord.created_at",
    )

    # The domain bumps ``version``; each UPDATE adds "AND version = <loaded>", so a concurrent
    # writer's flush fails (409) instead of overwriting.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class OverrideRecord(UUIDBase):
    __tablename__ = "assignment_overrides"
    __table_args__ = (
        UniqueConstraint("assignment_id", "target", "target_id"),
        # "Overrides for this student or these sections": the student's view of many assignments.
        Index("ix_assignment_overrides_target", "target_id", "assignment_id"),
    )

    assignment_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("assignments.id", ondelete="CASCADE")
    )
    tenant_id: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    fields: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    unlock_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    lock_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))

    assignment: Mapped[AssignmentRecord] = relationship(back_populates="overrides", lazy="raise")


class LatePolicyRecord(DefaultBase):
    """One per course; a course without a row has no late policy (nothing is deducted)."""

    __tablename__ = "late_policies"

    course_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    late_deduction_enabled: Mapped[bool] = mapped_column(Boolean)
    late_deduction_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    late_interval: Mapped[str] = mapped_column(String(8))
    minimum_percent_enabled: Mapped[bool] = mapped_column(Boolean)
    minimum_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    missing_deduction_enabled: Mapped[bool] = mapped_column(Boolean)
    missing_deduction_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    updated_by: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class KnownCourseRecord(DefaultBase):
    """The courses read model from ``course.*`` (newest version wins)."""

    __tablename__ = "known_courses"

    course_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    deleted: Mapped[bool] = mapped_column(Boolean)

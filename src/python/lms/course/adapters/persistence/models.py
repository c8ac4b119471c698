"""The course service's tables, declared on advanced-alchemy's registry (which the
migrations environment reads). Every row carries its college (``tenant_id``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from advanced_alchemy.base import DefaultBase, UUIDBase
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from lms.course.adapters.persistence.grading_scheme_column import GradingSchemeJson
from lms_platform.kernel.grading import GradingScheme

_LIVE = text("deleted_at IS NULL")


def _keyset(table: str, name: str, *columns: str, live: bool = False) -> Index:
    """An index of one list order, tie-breaker last: a keyset page is an index range scan."""
    return Index(f"ix_{table}_{name}_id", *columns, "id", postgresql_where=_LIVE if live else None)


def _trigram(table: str, column: str) -> Index:
    """``ILIKE '%...%'`` on ``column`` (pg_trgm) instead of a scan of every row."""
    return Index(
        f"ix_{table}_{column}_trgm",
        column,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
    )


class TermRecord(UUIDBase):
    __tablename__ = "terms"
    __table_args__ = (_keyset("terms", "tenant_start", "tenant_id", "start_date"),)

    tenant_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BatchRecord(UUIDBase):
    __tablename__ = "batches"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code", name="uq_batches_tenant_code"),
        _keyset("batches", "tenant_code", "tenant_id", "code"),
    )

    tenant_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CourseRecord(UUIDBase):
    __tablename__ = "courses"
    __table_args__ = (
        # A code is unique among a college's live courses; a deleted course frees its code.
        Index(
            "uq_courses_tenant_code_live", "tenant_id", "code", unique=True, postgresql_where=_LIVE
        ),
        Index("ix_courses_tenant_status", "tenant_id", "status"),
        Index("ix_courses_term", "term_id"),
        # GET /courses: one index per sort (the start date's two are below the class), and
        # trigram indexes for ``q``.
        _keyset("courses", "tenant_code", "tenant_id", "code", live=True),
        _keyset("courses", "tenant_title", "tenant_id", "title", live=True),
        _keyset("courses", "tenant_created", "tenant_id", "created_at", live=True),
        *(_trigram("courses", column) for column in ("code", "title", "description")),
    )

    tenant_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    term_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("terms.id"), nullable=True)
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    # NULL: the default scheme (migration 0006_grading_scheme).
    grading_scheme: Mapped[GradingScheme | None] = mapped_column(GradingSchemeJson, nullable=True)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


# A keyset column is NOT NULL: a course without a start date sorts as infinity going up and as
# -infinity going down, so it comes last either way (asyncpg reads and writes them as date.max
# and date.min, so a cursor round-trips; 9999-12-31 would come back as infinity). Constants,
# not parameters, so that PostgreSQL matches the queries to these expression indexes.
START_DATE_UP = func.coalesce(
    CourseRecord.__table__.c.start_date, literal_column("'infinity'::date", Date)
).label("start_date_up")
START_DATE_DOWN = func.coalesce(
    CourseRecord.__table__.c.start_date, literal_column("'-infinity'::date", Date)
).label("start_date_down")
for _name, _expression in (("up", START_DATE_UP), ("down", START_DATE_DOWN)):
    Index(
        f"ix_courses_tenant_start_{_name}_id",
        CourseRecord.__table__.c.tenant_id,
        _expression.element,
        CourseRecord.__table__.c.id,
        postgresql_where=_LIVE,
    )


class SectionRecord(UUIDBase):
    __tablename__ = "sections"
    __table_args__ = (
        Index(
            "uq_sections_course_code_live", "course_id", "code", unique=True, postgresql_where=_LIVE
        ),
        Index("ix_sections_tenant", "tenant_id"),
        _keyset("sections", "tenant_code", "tenant_id", "code", live=True),  # GET /sections
        _keyset("sections", "course_code", "course_id", "code", live=True),  # of a course
    )

    tenant_id: Mapped[str] = mapped_column(String(64))
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id"))
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("batches.id"), nullable=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    waitlist: Mapped[bool] = mapped_column(Boolean)
    schedule: Mapped[str] = mapped_column(Text)
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class EnrollmentRecord(UUIDBase):
    __tablename__ = "enrollments"
    __table_args__ = (
        # One live enrollment per user and section: the backstop of the section lock.
        Index(
            "uq_enrollments_section_user_live",
            "section_id",
            "user_id",
            unique=True,
            postgresql_where=_LIVE,
        ),
        Index("ix_enrollments_user_live", "user_id", postgresql_where=_LIVE),
        Index("ix_enrollments_section_state", "section_id", "state", "role"),
        Index("ix_enrollments_course", "course_id"),
        Index("ix_enrollments_feed", "updated_at", "id"),
        _keyset("enrollments", "section_created", "section_id", "created_at", live=True),  # roster
    )

    tenant_id: Mapped[str] = mapped_column(String(64))
    section_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sections.id"))
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    role: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    observed_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class ModuleRecord(UUIDBase):
    __tablename__ = "modules"
    __table_args__ = (Index("ix_modules_course_position", "course_id", "position"),)

    tenant_id: Mapped[str] = mapped_column(String(64))
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id"))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    published: Mapped[bool] = mapped_column(Boolean)
    prerequisite_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ItemRecord(UUIDBase):
    __tablename__ = "module_items"
    __table_args__ = (Index("ix_module_items_module_position", "module_id", "position"),)

    tenant_id: Mapped[str] = mapped_column(String(64))
    module_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)
    published: Mapped[bool] = mapped_column(Boolean)
    unlock_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reference: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class KnownUserRecord(UUIDBase):
    """The users read model (from ``user.*`` events)."""

    __tablename__ = "known_users"
    __table_args__ = (Index("ix_known_users_tenant_email", "tenant_id", "email"),)

    tenant_id: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class RosterImportRecord(UUIDBase):
    __tablename__ = "roster_imports"
    __table_args__ = (
        Index(
            "ix_roster_imports_unfinished",
            "created_at",
            postgresql_where=text("finished_at IS NULL"),
        ),
    )

    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    modes: Mapped[dict[str, str]] = mapped_column(JSONB)
    counts: Mapped[dict[str, dict[str, int]]] = mapped_column(JSONB)
    errors: Mapped[list[dict[str, object]]] = mapped_column(JSONB)
    errors_truncated: Mapped[bool] = mapped_column(Boolean)
    max_errors: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    valid_rows: Mapped[int] = mapped_column(Integer)
    next_position: Mapped[int] = mapped_column(Integer)
    batch_size: Mapped[int] = mapped_column(Integer)
    failure_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RosterImportRowRecord(DefaultBase):
    """A validated row waiting for the worker; deleted when its job finishes."""

    __tablename__ = "roster_import_rows"

    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("roster_imports.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    file: Mapped[str] = mapped_column(String(32))
    line: Mapped[int] = mapped_column(Integer)
    sourced_id: Mapped[str] = mapped_column(String(1000))
    deleted: Mapped[bool] = mapped_column(Boolean)
    modified: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    fields: Mapped[dict[str, str]] = mapped_column(JSONB)


class SourceLinkRecord(DefaultBase):
    """What a OneRoster sourcedId became here (idempotency of imports)."""

    __tablename__ = "roster_sources"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    sourced_id: Mapped[str] = mapped_column(String(1000), primary_key=True)
    entity_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    digest: Mapped[str] = mapped_column(String(64))
    modified: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[dict[str, str]] = mapped_column(JSONB)

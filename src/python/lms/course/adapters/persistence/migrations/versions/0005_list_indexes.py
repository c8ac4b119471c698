"""Indexes for lists that scale: one per keyset order, and trigram search for courses.

Each list's order gets a btree index ``(<tenant or parent>, <sort column>, id)`` (of live rows
where the list shows live rows only), so a page is an index range scan of ``limit + 1`` rows
however deep it is: terms, batches, courses (code, title, created_at, and the start date with
undated courses last: `coalesce(start_date, ±infinity)`, two expression indexes), sections (of a college, of a course) and a
section's roster. ``q`` on courses is ``ILIKE '%…%'`` on code, title and description, served by
GIN trigram indexes (pg_trgm, a trusted extension: the database owner may create it).

The tables exist and may be busy, so the indexes are built CONCURRENTLY, outside the
migration's transaction (docs/migrations.md, rule 4); a rerun after a failure drops a
half-built index and builds it again. ``ix_terms_tenant_start`` is superseded by the index
with the tie-breaker.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE = "WHERE deleted_at IS NULL"
INDEXES = {
    "ix_terms_tenant_start_id": "ON terms (tenant_id, start_date, id)",
    "ix_batches_tenant_code_id": "ON batches (tenant_id, code, id)",
    "ix_courses_tenant_code_id": f"ON courses (tenant_id, code, id) {_LIVE}",
    "ix_courses_tenant_title_id": f"ON courses (tenant_id, title, id) {_LIVE}",
    "ix_courses_tenant_created_id": f"ON courses (tenant_id, created_at, id) {_LIVE}",
    "ix_courses_tenant_start_up_id": (
        f"ON courses (tenant_id, coalesce(start_date, 'infinity'::date), id) {_LIVE}"
    ),
    "ix_courses_tenant_start_down_id": (
        f"ON courses (tenant_id, coalesce(start_date, '-infinity'::date), id) {_LIVE}"
    ),
    "ix_courses_code_trgm": "ON courses USING gin (code gin_trgm_ops)",
    "ix_courses_title_trgm": "ON courses USING gin (title gin_trgm_ops)",
    "ix_courses_description_trgm": "ON courses USING gin (description gin_trgm_ops)",
    "ix_sections_tenant_code_id": f"ON sections (tenant_id, code, id) {_LIVE}",
    "ix_sections_course_code_id": f"ON sections (course_id, code, id) {_LIVE}",
    "ix_enrollments_section_created_id": f"ON enrollments (section_id, created_at, id) {_LIVE}",
}


def _drop_if_invalid(name: str) -> None:
    # A failed CREATE INDEX CONCURRENTLY leaves an invalid index that IF NOT EXISTS would keep.
    op.execute(
        "DO $$ BEGIN"
        f" IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('{name}')"
        "  AND NOT indisvalid) THEN"
        f"  EXECUTE 'DROP INDEX {name}';"
        " END IF;"
        " END $$"
    )


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with op.get_context().autocommit_block():
        for name, definition in INDEXES.items():
            _drop_if_invalid(name)
            op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} {definition}")
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_terms_tenant_start")


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_terms_tenant_start"
            " ON terms (tenant_id, start_date)"
        )
        for name in reversed(INDEXES):
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    # pg_trgm stays: other objects may have come to depend on it.

"""Alembic environment of the search service: its own models plus the messaging tables."""

from advanced_alchemy.base import orm_registry
from alembic import context

from lms.search.adapters.persistence import models as _models  # noqa: F401 - registers tables
from lms_platform.messaging import models as _messaging  # noqa: F401 - the outbox tables
from lms_platform.persistence.migrations import run_migrations_from_env

run_migrations_from_env(context, orm_registry.metadata)

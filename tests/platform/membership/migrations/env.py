"""A test service's Alembic environment: the memberships table and the consumer's dedup table."""

from advanced_alchemy.base import orm_registry
from alembic import context

from lms_platform.membership import models as _memberships  # noqa: F401
from lms_platform.messaging import models as _messaging  # noqa: F401
from lms_platform.persistence.migrations import run_migrations_from_env

run_migrations_from_env(context, orm_registry.metadata)

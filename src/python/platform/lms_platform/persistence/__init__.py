"""Database plumbing shared by every PostgreSQL-backed service."""

from lms_platform.persistence.database import (
    DatabaseProvider,
    create_engine,
    create_session_factory,
    database_ready_check,
)
from lms_platform.persistence.migrations import upgrade_to_head

__all__ = [
    "DatabaseProvider",
    "create_engine",
    "create_session_factory",
    "database_ready_check",
    "upgrade_to_head",
]

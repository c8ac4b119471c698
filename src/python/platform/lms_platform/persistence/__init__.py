"""Database plumbing shared by every PostgreSQL-backed service."""

from lms_platform.persistence.admission import AdmissionGate, DatabaseBusy, bounded_wait
from lms_platform.persistence.database import (
    DatabaseProvider,
    admission_of,
    create_engine,
    create_session_factory,
    database_ready_check,
)
from lms_platform.persistence.migrations import upgrade_to_head

__all__ = [
    "AdmissionGate",
    "DatabaseBusy",
    "DatabaseProvider",
    "admission_of",
    "bounded_wait",
    "create_engine",
    "create_session_factory",
    "database_ready_check",
    "upgrade_to_head",
]

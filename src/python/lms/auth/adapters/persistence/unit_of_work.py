"""The auth service's unit of work: its repositories on the request's session."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lms.auth.adapters.persistence.api_key_repository import SqlAlchemyApiKeyRepository
from lms.auth.adapters.persistence.audit_repository import SqlAlchemyAuditLogRepository
from lms.auth.adapters.persistence.credentials_repository import (
    SqlAlchemyCredentialTokenRepository,
    SqlAlchemyPasswordResetQueue,
)
from lms.auth.adapters.persistence.import_repository import SqlAlchemyImportJobRepository
from lms.auth.adapters.persistence.repository import (
    SqlAlchemyAccountRepository,
    SqlAlchemyCollegeRepository,
    SqlAlchemyRefreshTokenRepository,
)
from lms.auth.adapters.persistence.role_permission_repository import (
    SqlAlchemyRolePermissionRepository,
)
from lms_platform.persistence.unit_of_work import EventStager, SqlAlchemyUnitOfWork


class AuthSqlAlchemyUnitOfWork(SqlAlchemyUnitOfWork):
    def __init__(self, session: AsyncSession, events: EventStager) -> None:
        super().__init__(session, events)
        self.colleges = SqlAlchemyCollegeRepository(session)
        self.accounts = SqlAlchemyAccountRepository(session)
        self.refresh_tokens = SqlAlchemyRefreshTokenRepository(session)
        self.audit_log = SqlAlchemyAuditLogRepository(session)
        self.imports = SqlAlchemyImportJobRepository(session)  # application/imports.py
        self.credential_tokens = SqlAlchemyCredentialTokenRepository(session)
        self.reset_requests = SqlAlchemyPasswordResetQueue(session)
        self.api_keys = SqlAlchemyApiKeyRepository(session)
        self.role_permissions = SqlAlchemyRolePermissionRepository(session)

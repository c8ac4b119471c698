"""Credential tokens and queued reset requests in PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lms.auth.adapters.persistence.models import (
    CredentialTokenRecord,
    PasswordResetRequestRecord,
)
from lms.auth.domain.credentials import CredentialToken, QueuedPasswordReset, TokenPurpose


def _token_to_domain(record: CredentialTokenRecord) -> CredentialToken:
    return CredentialToken(
        id=record.id,
        purpose=TokenPurpose(record.purpose),
        account_id=record.account_id,
        college_id=record.college_id,
        token_hash=record.token_hash,
        email=record.email,
        created_at=record.created_at,
        expires_at=record.expires_at,
        used_at=record.used_at,
    )


class SqlAlchemyCredentialTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: CredentialToken) -> None:
        self._session.add(
            CredentialTokenRecord(
                id=token.id,
                token_hash=token.token_hash,
                purpose=token.purpose.value,
                account_id=token.account_id,
                college_id=token.college_id,
                email=token.email,
                created_at=token.created_at,
                expires_at=token.expires_at,
                used_at=token.used_at,
            )
        )

    async def consume(
        self, token_hash: str, purpose: TokenPurpose, now: datetime
    ) -> CredentialToken | None:
        # One conditional UPDATE: of two concurrent uses of one link, exactly one wins.
        record = await self._session.scalar(
            update(CredentialTokenRecord)
            .where(
                CredentialTokenRecord.token_hash == token_hash,
                CredentialTokenRecord.purpose == purpose.value,
                CredentialTokenRecord.used_at.is_(None),
                CredentialTokenRecord.expires_at > now,
            )
            .values(used_at=now)
            .returning(CredentialTokenRecord)
            .execution_options(synchronize_session=False)
        )
        return _token_to_domain(record) if record is not None else None

    async def void_for_account(self, account_id: UUID, purpose: TokenPurpose, now: datetime) -> int:
        result = await self._session.execute(
            update(CredentialTokenRecord)
            .where(
                CredentialTokenRecord.account_id == account_id,
                CredentialTokenRecord.purpose == purpose.value,
                CredentialTokenRecord.used_at.is_(None),
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


class SqlAlchemyPasswordResetQueue:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, request: QueuedPasswordReset) -> None:
        self._session.add(
            PasswordResetRequestRecord(
                id=request.id,
                college_slug=request.college_slug,
                email=request.email,
                client_ip=request.client_ip,
                requested_at=request.requested_at,
            )
        )

    async def claim_next(self) -> QueuedPasswordReset | None:
        # SKIP LOCKED: workers in several processes share the queue without waiting.
        record = await self._session.scalar(
            select(PasswordResetRequestRecord)
            .order_by(PasswordResetRequestRecord.requested_at, PasswordResetRequestRecord.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if record is None:
            return None
        return QueuedPasswordReset(
            id=record.id,
            college_slug=record.college_slug,
            email=record.email,
            client_ip=record.client_ip,
            requested_at=record.requested_at,
        )

    async def remove(self, request_id: UUID) -> None:
        await self._session.execute(
            delete(PasswordResetRequestRecord).where(PasswordResetRequestRecord.id == request_id)
        )

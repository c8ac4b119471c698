"""Maps the auth aggregates to rows. Rows never leave this module; domain objects do."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Float, Integer, bindparam, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lms.auth.adapters.persistence.account_queries import AccountAdminQueries
from lms.auth.adapters.persistence.mappers import (
    account_to_domain,
    college_to_domain,
    copy_account,
    copy_college,
    key_to_domain,
    token_to_domain,
)
from lms.auth.adapters.persistence.models import (
    AccountRecord,
    CollegeRecord,
    RefreshTokenRecord,
    SigningKeyRecord,
)
from lms.auth.domain.keys import SigningKey
from lms.auth.domain.model import Account, College, LockoutPolicy, RefreshToken
from lms_platform.kernel.pagination import Page, PageRequest


class SqlAlchemyCollegeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, college_id: UUID) -> College | None:
        record = await self._session.get(CollegeRecord, college_id)
        return college_to_domain(record) if record is not None else None

    async def get_by_slug(self, slug: str) -> College | None:
        record = await self._session.scalar(select(CollegeRecord).where(CollegeRecord.slug == slug))
        return college_to_domain(record) if record is not None else None

    async def add(self, college: College) -> None:
        record = CollegeRecord(id=college.id)
        copy_college(record, college)
        self._session.add(record)

    async def save(self, college: College) -> None:
        record = await self._session.get(CollegeRecord, college.id)
        if record is None:
            raise LookupError(f"college {college.id} was not loaded in this unit of work")
        copy_college(record, college)

    async def list_page(self, page: PageRequest) -> Page[College]:
        total = await self._session.scalar(select(func.count()).select_from(CollegeRecord))
        records = await self._session.scalars(
            select(CollegeRecord).order_by(CollegeRecord.slug).limit(page.limit).offset(page.offset)
        )
        return Page(
            items=[college_to_domain(r) for r in records],
            total=total or 0,
            limit=page.limit,
            offset=page.offset,
        )


class SqlAlchemyAccountRepository(AccountAdminQueries):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, account_id: UUID) -> Account | None:
        record = await self._session.get(AccountRecord, account_id)
        return account_to_domain(record) if record is not None else None

    async def get_by_email(self, college_id: UUID, email: str) -> Account | None:
        record = await self._session.scalar(
            select(AccountRecord).where(
                AccountRecord.college_id == college_id, AccountRecord.email == email
            )
        )
        return account_to_domain(record) if record is not None else None

    async def add(self, account: Account) -> None:
        record = AccountRecord(id=account.id)
        copy_account(record, account)
        self._session.add(record)

    async def save(self, account: Account) -> None:
        # Loaded by ``get``/``get_by_email`` in this session: the identity map has it.
        record = await self._session.get(AccountRecord, account.id)
        if record is None:
            raise LookupError(f"account {account.id} was not loaded in this unit of work")
        copy_account(record, account)

    async def count_login_attempt(
        self, account_id: UUID, now: datetime, policy: LockoutPolicy
    ) -> tuple[Account, bool] | None:
        # One statement: concurrent attempts queue on the row lock and each sees the count of
        # the one before (a version check would let all but one collide and vanish).
        counted = await self._session.scalar(
            _COUNT_ATTEMPT,
            {
                "id": account_id,
                "now": now,
                "threshold": policy.threshold,
                "base": policy.base_cooldown.total_seconds(),
                "max": policy.max_cooldown.total_seconds(),
            },
        )
        account = await self._reload(account_id)
        return (account, counted is not None) if account is not None else None

    async def clear_login_failures(self, account_id: UUID, now: datetime) -> Account | None:
        await self._session.execute(
            update(AccountRecord)
            .where(AccountRecord.id == account_id)
            .values(
                failed_logins=0,
                locked_until=None,
                updated_at=now,
                version=AccountRecord.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        return await self._reload(account_id)

    async def _reload(self, account_id: UUID) -> Account | None:
        record = await self._session.get(AccountRecord, account_id, populate_existing=True)
        return account_to_domain(record) if record is not None else None


_COUNT_ATTEMPT = text(
    """
    UPDATE accounts SET
        failed_logins = failed_logins + 1,
        locked_until = CASE WHEN failed_logins + 1 >= :threshold
            THEN CAST(:now AS timestamptz) + interval '1 second' * LEAST(
                :base * power(2, LEAST(failed_logins + 1 - :threshold, 20)), :max)
            ELSE locked_until END,
        updated_at = :now,
        version = version + 1
    WHERE id = :id AND (locked_until IS NULL OR locked_until <= :now)
    RETURNING failed_logins
    """
).bindparams(
    bindparam("base", type_=Float()),
    bindparam("max", type_=Float()),
    bindparam("threshold", type_=Integer()),
)


class SqlAlchemyRefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, token_id: UUID) -> RefreshToken | None:
        record = await self._session.get(RefreshTokenRecord, token_id)
        return token_to_domain(record) if record is not None else None

    async def add(self, token: RefreshToken) -> None:
        self._session.add(
            RefreshTokenRecord(
                id=token.id,
                family_id=token.family_id,
                account_id=token.account_id,
                college_id=token.college_id,
                secret_hash=token.secret_hash,
                issued_at=token.issued_at,
                expires_at=token.expires_at,
                used_at=token.used_at,
                revoked_at=token.revoked_at,
            )
        )

    # Every claim and every revocation first locks the account row (SELECT ... FOR UPDATE), so
    # they run one after the other per account: a revocation that waited for a refresh sees
    # the token that refresh inserted, and a refresh that waited for a revocation sees it.

    async def claim(self, token_id: UUID, now: datetime) -> bool:
        account_id = await self._session.scalar(
            select(RefreshTokenRecord.account_id).where(RefreshTokenRecord.id == token_id)
        )
        if account_id is None or not await self._lock_account(account_id):
            return False
        # One conditional UPDATE: of two concurrent refreshes, exactly one sees a row.
        claimed = await self._session.scalar(
            update(RefreshTokenRecord)
            .where(
                RefreshTokenRecord.id == token_id,
                RefreshTokenRecord.used_at.is_(None),
                RefreshTokenRecord.revoked_at.is_(None),
                RefreshTokenRecord.expires_at > now,
            )
            .values(used_at=now)
            .returning(RefreshTokenRecord.id)
            .execution_options(synchronize_session=False)
        )
        return claimed is not None

    async def revoke_family(self, family_id: UUID, now: datetime) -> int:
        account_id = await self._session.scalar(
            select(RefreshTokenRecord.account_id)
            .where(RefreshTokenRecord.family_id == family_id)
            .limit(1)
        )
        if account_id is not None:
            await self._lock_account(account_id)
        return await self._revoke(RefreshTokenRecord.family_id == family_id, now)

    async def revoke_for_account(self, account_id: UUID, now: datetime) -> int:
        await self._lock_account(account_id)
        return await self._revoke(RefreshTokenRecord.account_id == account_id, now)

    async def revoke_for_account_except(
        self, account_id: UUID, keep_family_id: UUID, now: datetime
    ) -> int:
        await self._lock_account(account_id)
        return await self._revoke(
            (RefreshTokenRecord.account_id == account_id)
            & (RefreshTokenRecord.family_id != keep_family_id),
            now,
        )

    async def _lock_account(self, account_id: UUID) -> bool:
        """Held until the transaction ends; False when the account is gone."""
        locked = await self._session.scalar(
            select(AccountRecord.id).where(AccountRecord.id == account_id).with_for_update()
        )
        return locked is not None

    async def _revoke(self, condition: object, now: datetime) -> int:
        result = await self._session.execute(
            update(RefreshTokenRecord)
            .where(condition, RefreshTokenRecord.revoked_at.is_(None))  # type: ignore[arg-type]
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


class SqlAlchemySigningKeyStore:
    """Keys in PostgreSQL, each call in its own short session (keys outlive requests)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def list_keys(self) -> list[SigningKey]:
        async with self._sessions() as session:
            records = await session.scalars(select(SigningKeyRecord))
            return [key_to_domain(r) for r in records]

    async def add(self, key: SigningKey) -> None:
        async with self._sessions() as session:
            session.add(
                SigningKeyRecord(
                    kid=key.kid,
                    algorithm=key.algorithm,
                    public_jwk=key.public_jwk,
                    private_key_pem=key.private_key_pem,
                    created_at=key.created_at,
                    activates_at=key.activates_at,
                    retired_at=key.retired_at,
                )
            )
            await session.commit()

    async def retire(self, kid: str, at: datetime) -> None:
        async with self._sessions() as session:
            await session.execute(
                update(SigningKeyRecord)
                .where(
                    SigningKeyRecord.kid == kid,
                    or_(SigningKeyRecord.retired_at.is_(None), SigningKeyRecord.retired_at > at),
                )
                .values(retired_at=at)
            )
            await session.commit()

    async def revoke(self, kid: str, now: datetime) -> bool:
        async with self._sessions() as session:
            result = await session.execute(
                update(SigningKeyRecord)
                .where(SigningKeyRecord.kid == kid, SigningKeyRecord.revoked_at.is_(None))
                .values(
                    revoked_at=now,
                    retired_at=func.coalesce(SigningKeyRecord.retired_at, now),
                )
            )
            await session.commit()
            return bool(getattr(result, "rowcount", 0))

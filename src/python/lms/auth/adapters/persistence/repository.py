"""Maps the auth aggregates to rows. Rows never leave this module; domain objects do."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lms.auth.adapters.persistence.account_queries import AccountAdminQueries
from lms.auth.adapters.persistence.models import (
    AccountRecord,
    CollegeRecord,
    RefreshTokenRecord,
    SigningKeyRecord,
)
from lms.auth.domain.keys import SigningKey
from lms.auth.domain.model import (
    Account,
    AccountStatus,
    CharacterClass,
    College,
    PasswordPolicy,
    RefreshToken,
)
from lms_platform.kernel.pagination import Page, PageRequest


def college_to_domain(record: CollegeRecord) -> College:
    return College(
        id=record.id,
        slug=record.slug,
        name=record.name,
        password_policy=PasswordPolicy(
            min_length=record.min_password_length,
            required_classes=frozenset(
                CharacterClass(c) for c in record.required_character_classes
            ),
            rejected_passwords=frozenset(record.rejected_passwords),
            max_age_days=record.password_max_age_days,
        ),
        created_at=record.created_at,
        allow_self_signup=record.allow_self_signup,
    )


def _copy_college(record: CollegeRecord, college: College) -> None:
    policy = college.password_policy
    record.slug = college.slug
    record.name = college.name
    record.min_password_length = policy.min_length
    record.required_character_classes = sorted(c.value for c in policy.required_classes)
    record.rejected_passwords = sorted(policy.rejected_passwords)
    record.password_max_age_days = policy.max_age_days
    record.allow_self_signup = college.allow_self_signup
    record.created_at = college.created_at


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
        _copy_college(record, college)
        self._session.add(record)

    async def save(self, college: College) -> None:
        record = await self._session.get(CollegeRecord, college.id)
        if record is None:
            raise LookupError(f"college {college.id} was not loaded in this unit of work")
        _copy_college(record, college)

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


def account_to_domain(record: AccountRecord) -> Account:
    return Account(
        id=record.id,
        college_id=record.college_id,
        email=record.email,
        display_name=record.display_name,
        password_hash=record.password_hash,
        roles=tuple(record.roles),
        status=AccountStatus(record.status),
        failed_logins=record.failed_logins,
        locked_until=record.locked_until,
        created_at=record.created_at,
        updated_at=record.updated_at,
        version=record.version,
        password_changed_at=record.password_changed_at,
        email_verified_at=record.email_verified_at,
    )


def _copy_account(record: AccountRecord, account: Account) -> None:
    record.college_id = account.college_id
    record.email = account.email
    record.display_name = account.display_name
    record.password_hash = account.password_hash
    record.roles = list(account.roles)
    record.status = account.status.value
    record.failed_logins = account.failed_logins
    record.locked_until = account.locked_until
    record.created_at = account.created_at
    record.updated_at = account.updated_at
    record.version = account.version
    record.password_changed_at = account.password_changed_at
    record.email_verified_at = account.email_verified_at


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
        _copy_account(record, account)
        self._session.add(record)

    async def save(self, account: Account) -> None:
        # Loaded by ``get``/``get_by_email`` in this session: the identity map has it.
        record = await self._session.get(AccountRecord, account.id)
        if record is None:
            raise LookupError(f"account {account.id} was not loaded in this unit of work")
        _copy_account(record, account)


def token_to_domain(record: RefreshTokenRecord) -> RefreshToken:
    return RefreshToken(
        id=record.id,
        family_id=record.family_id,
        account_id=record.account_id,
        college_id=record.college_id,
        secret_hash=record.secret_hash,
        issued_at=record.issued_at,
        expires_at=record.expires_at,
        used_at=record.used_at,
        revoked_at=record.revoked_at,
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

    async def claim(self, token_id: UUID, now: datetime) -> bool:
        # One conditional UPDATE: of two concurrent refreshes, exactly one sees a row.
        claimed = await self._session.scalar(
            update(RefreshTokenRecord)
            .where(RefreshTokenRecord.id == token_id, RefreshTokenRecord.used_at.is_(None))
            .values(used_at=now)
            .returning(RefreshTokenRecord.id)
            .execution_options(synchronize_session=False)
        )
        return claimed is not None

    async def revoke_family(self, family_id: UUID, now: datetime) -> int:
        return await self._revoke(RefreshTokenRecord.family_id == family_id, now)

    async def revoke_for_account(self, account_id: UUID, now: datetime) -> int:
        return await self._revoke(RefreshTokenRecord.account_id == account_id, now)

    async def revoke_for_account_except(
        self, account_id: UUID, keep_family_id: UUID, now: datetime
    ) -> int:
        return await self._revoke(
            (RefreshTokenRecord.account_id == account_id)
            & (RefreshTokenRecord.family_id != keep_family_id),
            now,
        )

    async def _revoke(self, condition: object, now: datetime) -> int:
        result = await self._session.execute(
            update(RefreshTokenRecord)
            .where(condition, RefreshTokenRecord.revoked_at.is_(None))  # type: ignore[arg-type]
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def key_to_domain(record: SigningKeyRecord) -> SigningKey:
    return SigningKey(
        kid=record.kid,
        algorithm=record.algorithm,
        public_jwk=dict(record.public_jwk),
        private_key_pem=record.private_key_pem,
        created_at=record.created_at,
        activates_at=record.activates_at,
        retired_at=record.retired_at,
        revoked_at=record.revoked_at,
    )


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

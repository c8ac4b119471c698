"""Ports: what the auth use cases need from the outside world, as Protocols adapters implement."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

from lms.auth.domain.api_keys import ApiKey, ApiKeyStatus
from lms.auth.domain.audit import AuditAction, AuditEntry, AuditOutcome
from lms.auth.domain.credentials import CredentialToken, QueuedPasswordReset, TokenPurpose
from lms.auth.domain.csv_rows import AccountRow
from lms.auth.domain.imports import ImportJob
from lms.auth.domain.keys import SigningKey
from lms.auth.domain.model import Account, AccountStatus, College, LockoutPolicy, RefreshToken
from lms_platform.kernel.events import DomainEvent
from lms_platform.kernel.pagination import Page, PageRequest


class CollegeRepository(Protocol):
    async def get(self, college_id: UUID) -> College | None: ...

    async def get_by_slug(self, slug: str) -> College | None: ...

    async def add(self, college: College) -> None: ...

    async def save(self, college: College) -> None: ...

    async def list_page(self, page: PageRequest) -> Page[College]:
        """Ordered by slug."""
        ...


class AccountRepository(Protocol):
    async def get(self, account_id: UUID) -> Account | None: ...

    async def get_by_email(self, college_id: UUID, email: str) -> Account | None: ...

    async def add(self, account: Account) -> None: ...

    async def save(self, account: Account) -> None: ...

    async def count_login_attempt(
        self, account_id: UUID, now: datetime, policy: LockoutPolicy
    ) -> tuple[Account, bool] | None:
        """Counts one attempt in the row, in SQL (``failed_logins + 1``), unless the account is
        locked; the attempt that reaches the threshold starts the cool-down. Returns the
        account as it now stands and whether the attempt was admitted (False: locked, not
        counted); None when the account is gone. The caller commits at once, before the slow
        password check, so concurrent attempts see the count."""
        ...

    async def clear_login_failures(self, account_id: UUID, now: datetime) -> Account | None:
        """The password was proven: count and lock reset, in SQL; the refreshed account."""
        ...

    # Administration and bulk operations (application/accounts.py, bulk.py, imports.py).
    async def search(self, query: AccountQuery, page: PageRequest) -> Page[Account]: ...

    async def get_many(self, account_ids: Sequence[UUID]) -> list[Account]: ...

    async def existing_emails(self, college_id: UUID, emails: Sequence[str]) -> set[str]: ...

    async def delete(self, account: Account) -> None:
        """Removes the row; its refresh tokens go with it."""
        ...

    def stream_college(self, college_id: UUID, batch_size: int) -> AsyncIterator[list[Account]]:
        """Every account of a college in batches, ordered by email."""
        ...


class AccountSort(StrEnum):
    EMAIL = "email"
    EMAIL_DESC = "-email"
    DISPLAY_NAME = "display_name"
    DISPLAY_NAME_DESC = "-display_name"
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountQuery:
    """``q`` matches the start of the email or of the display name, ignoring case."""

    college_id: UUID
    q: str | None = None
    role: str | None = None
    status: AccountStatus | None = None
    sort: AccountSort = AccountSort.EMAIL


class RefreshTokenRepository(Protocol):
    async def get(self, token_id: UUID) -> RefreshToken | None: ...

    async def add(self, token: RefreshToken) -> None: ...

    async def claim(self, token_id: UUID, now: datetime) -> bool:
        """Marks an unused, unrevoked, unexpired token used, atomically; False otherwise (a
        reuse, or a revocation that committed first). Claims and revocations of one account
        run one after the other (the adapter locks the account row), so a revocation that
        waited for a refresh also revokes the token that refresh issued."""
        ...

    async def revoke_family(self, family_id: UUID, now: datetime) -> int: ...

    async def revoke_for_account(self, account_id: UUID, now: datetime) -> int: ...

    async def revoke_for_account_except(
        self, account_id: UUID, keep_family_id: UUID, now: datetime
    ) -> int: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditQuery:
    """Filters of the audit log; ``None`` means any. ``college_id`` None: every college (super
    admins only, checked by the use case)."""

    college_id: UUID | None = None
    action: AuditAction | None = None
    outcome: AuditOutcome | None = None
    actor_id: UUID | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditLogRepository(Protocol):
    """Append-only: there is no update or delete, and the table refuses them too."""

    def add(self, entry: AuditEntry) -> None: ...

    async def search(self, query: AuditQuery, page: PageRequest) -> Page[AuditEntry]: ...


class RolePermissionRepository(Protocol):
    """A college's customised roles only; roles without a row use the default table."""

    async def overrides(self, college_id: UUID) -> dict[str, frozenset[str]]: ...

    async def put(
        self,
        college_id: UUID,
        role: str,
        permissions: frozenset[str],
        now: datetime,
        actor_id: UUID | None,
    ) -> None: ...

    async def remove(self, college_id: UUID, role: str) -> bool: ...


class ApiKeyRepository(Protocol):
    async def get(self, key_id: UUID) -> ApiKey | None: ...

    async def add(self, key: ApiKey) -> None: ...

    async def save(self, key: ApiKey) -> None: ...

    async def list_for_college(
        self, college_id: UUID, status: ApiKeyStatus | None, now: datetime, page: PageRequest
    ) -> Page[ApiKey]:
        """Newest first."""
        ...

    async def record_use(self, key_id: UUID, now: datetime) -> bool:
        """One atomic UPDATE: count a use and set ``last_used_at``, only while the key is
        neither revoked nor expired; False when it no longer is (a concurrent revocation)."""
        ...


class CredentialTokenRepository(Protocol):
    async def add(self, token: CredentialToken) -> None: ...

    async def consume(
        self, token_hash: str, purpose: TokenPurpose, now: datetime
    ) -> CredentialToken | None:
        """Marks an unused, unexpired token used, atomically, and returns it; None when there
        is no such token (unknown, spent, expired or another purpose)."""
        ...

    async def void_for_account(self, account_id: UUID, purpose: TokenPurpose, now: datetime) -> int:
        """Spends every outstanding token of this purpose: only the newest link may work."""
        ...


class PasswordResetQueue(Protocol):
    """Reset requests waiting for the worker (application/credentials/reset.py)."""

    async def add(self, request: QueuedPasswordReset) -> None: ...

    async def claim_next(self) -> QueuedPasswordReset | None:
        """The oldest request no other transaction holds, locked until commit."""
        ...

    async def remove(self, request_id: UUID) -> None: ...


class ResetQueueSignal(Protocol):
    """Wakes this process's reset worker at once; workers elsewhere find the request when they
    poll."""

    def request_queued(self) -> None: ...


class ImportJobRepository(Protocol):
    async def add(self, job: ImportJob, rows: Sequence[AccountRow]) -> None: ...

    async def get(self, job_id: UUID) -> ImportJob | None: ...

    async def claim_next(self) -> ImportJob | None:
        """The oldest queued or running job no other transaction holds, locked until commit."""
        ...

    async def lock(self, job_id: UUID) -> ImportJob | None: ...

    async def rows(self, job_id: UUID, start: int, limit: int) -> list[AccountRow]:
        """Stored rows at positions [start, start + limit), in file order."""
        ...

    async def save(self, job: ImportJob) -> None: ...

    async def delete_rows(self, job_id: UUID) -> None: ...


class ImportQueueSignal(Protocol):
    """Wakes this process's worker at once; workers elsewhere find the job when they poll."""

    def job_queued(self) -> None: ...


class Transaction(Protocol):
    """One transaction: the repositories' writes and the recorded events commit together."""

    def record(self, event: DomainEvent) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


# Each flow names only the repositories it touches (one adapter implements them all).


class AuditUnitOfWork(Transaction, Protocol):
    @property
    def audit_log(self) -> AuditLogRepository: ...


class CollegeUnitOfWork(AuditUnitOfWork, Protocol):
    @property
    def colleges(self) -> CollegeRepository: ...


class AccountUnitOfWork(CollegeUnitOfWork, Protocol):
    """Accounts and what dies with them (their refresh tokens)."""

    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def refresh_tokens(self) -> RefreshTokenRepository: ...


class TokenUnitOfWork(AccountUnitOfWork, Protocol):
    """Login and refresh also read the college's role mapping for the token's permissions."""

    @property
    def role_permissions(self) -> RolePermissionRepository: ...


class CredentialUnitOfWork(AccountUnitOfWork, Protocol):
    @property
    def credential_tokens(self) -> CredentialTokenRepository: ...


class ResetUnitOfWork(CredentialUnitOfWork, Protocol):
    @property
    def reset_requests(self) -> PasswordResetQueue: ...


class RoleUnitOfWork(CollegeUnitOfWork, Protocol):
    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def role_permissions(self) -> RolePermissionRepository: ...


class ApiKeyUnitOfWork(CollegeUnitOfWork, Protocol):
    @property
    def api_keys(self) -> ApiKeyRepository: ...


class ImportUnitOfWork(CollegeUnitOfWork, Protocol):
    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def imports(self) -> ImportJobRepository: ...


class AuthUnitOfWork(TokenUnitOfWork, ResetUnitOfWork, Protocol):
    """Every repository (what the adapter implements)."""

    @property
    def api_keys(self) -> ApiKeyRepository: ...

    @property
    def imports(self) -> ImportJobRepository: ...


class PasswordHasher(Protocol):
    """Slow on purpose; adapters run it off the event loop."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """With no hash, does the same work and returns False: unknown accounts must take as
        long as known ones."""
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with another algorithm or weaker parameters."""
        ...


@dataclass(frozen=True, slots=True)
class SignedToken:
    token: str
    expires_in: int  # seconds


class AccessTokenSigner(Protocol):
    """Signs claims with the current signing key (and adds ``kid``, ``iss``, ``aud``, times)."""

    async def sign(self, claims: dict[str, Any]) -> SignedToken: ...

    def forget_key(self) -> None:
        """Drop any cached signing key: the next signature reads the store (after a revocation)."""
        ...


@dataclass(frozen=True, slots=True)
class Throttled:
    retry_after_seconds: int


class LoginThrottle(Protocol):
    """Counts login attempts per client address and per (college, email), whether or not the
    account exists, so that a throttled answer reveals nothing about existence."""

    async def attempt(self, client_ip: str, college_slug: str, email: str) -> Throttled | None:
        """Counts this attempt, atomically and before its password is checked; ``Throttled``
        (the attempt is refused, its password never checked) during a lock-out or once the
        address is over its limit. The attempt that reaches the threshold starts the lock."""
        ...

    async def failed(self, client_ip: str, college_slug: str, email: str) -> None:
        """The password was wrong: a lock-out this attempt started runs its full cool-down from
        now (the count was taken by ``attempt``)."""
        ...

    async def succeeded(self, client_ip: str, college_slug: str, email: str) -> None:
        """The password was right: the identity's count and lock are cleared."""
        ...


class RateLimiter(Protocol):
    """Fixed-window counters shared by every process (Redis in production)."""

    async def hit(self, key: str, limit: int, window_seconds: int) -> Throttled | None:
        """Counts one attempt under ``key``; ``Throttled`` once there were more than
        ``limit`` in the current window."""
        ...


class SigningKeyStore(Protocol):
    """Keys outlive any request, so the store has its own short transactions."""

    async def list_keys(self) -> list[SigningKey]: ...

    async def add(self, key: SigningKey) -> None: ...

    async def retire(self, kid: str, at: datetime) -> None:
        """The key stops signing at ``at`` (an earlier retirement is kept)."""
        ...

    async def revoke(self, kid: str, now: datetime) -> bool:
        """Unpublishes the key at once; False when it was unknown or already revoked."""
        ...


class KeyPairGenerator(Protocol):
    def generate(self, kid: str, now: datetime) -> SigningKey: ...

"""In-memory stand-ins for the auth service's ports, cosmicpython style.

Repositories hand out copies and make writes visible only on commit, as a database would.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from lms.auth.application.ports import AccountQuery, AuditQuery, SignedToken, Throttled
from lms.auth.domain.api_keys import ApiKey, ApiKeyStatus
from lms.auth.domain.audit import AuditAction, AuditEntry
from lms.auth.domain.credentials import CredentialToken, TokenPurpose
from lms.auth.domain.csv_rows import AccountRow
from lms.auth.domain.imports import ImportJob
from lms.auth.domain.keys import SigningKey
from lms.auth.domain.model import Account, College, LockoutPolicy, RefreshToken
from lms.auth.domain.templates import EmailTemplate, TemplateKind
from lms_platform.kernel.events import DomainEvent
from lms_platform.kernel.pagination import Page, PageRequest

T0 = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)

T = TypeVar("T")


def _copy(item: T) -> T:
    return dataclasses.replace(item)  # type: ignore[type-var]


class _Table:
    def __init__(self) -> None:
        self.committed: dict[UUID, Any] = {}
        self.pending: dict[UUID, Any] = {}

    def visible(self) -> dict[UUID, Any]:
        return {**self.committed, **self.pending}

    def commit(self) -> None:
        self.committed.update(self.pending)
        self.pending.clear()


class FakeColleges:
    def __init__(self) -> None:
        self.table = _Table()

    async def get(self, college_id: UUID) -> College | None:
        found = self.table.visible().get(college_id)
        return _copy(found) if found else None

    async def get_by_slug(self, slug: str) -> College | None:
        return next((_copy(c) for c in self.table.visible().values() if c.slug == slug), None)

    async def add(self, college: College) -> None:
        self.table.pending[college.id] = _copy(college)

    async def save(self, college: College) -> None:
        assert college.id in self.table.visible(), f"no row {college.id}"
        self.table.pending[college.id] = _copy(college)

    async def list_page(self, page: PageRequest) -> Page[College]:
        found = sorted(self.table.visible().values(), key=lambda c: c.slug)
        return Page(
            items=[_copy(c) for c in found[page.offset : page.offset + page.limit]],
            total=len(found),
            limit=page.limit,
            offset=page.offset,
        )


_DELETED: Any = object()  # a pending delete in a _DeletableTable


class _DeletableTable(_Table):
    def visible(self) -> dict[UUID, Any]:
        return {k: v for k, v in super().visible().items() if v is not _DELETED}

    def commit(self) -> None:
        super().commit()
        self.committed = {k: v for k, v in self.committed.items() if v is not _DELETED}


class FakeAccounts:
    def __init__(self) -> None:
        self.table = _DeletableTable()

    async def get(self, account_id: UUID) -> Account | None:
        found = self.table.visible().get(account_id)
        return _copy(found) if found else None

    async def get_by_email(self, college_id: UUID, email: str) -> Account | None:
        return next(
            (
                _copy(a)
                for a in self.table.visible().values()
                if a.college_id == college_id and a.email == email
            ),
            None,
        )

    async def add(self, account: Account) -> None:
        self.table.pending[account.id] = _copy(account)

    async def save(self, account: Account) -> None:
        assert account.id in self.table.visible(), f"no row {account.id}"
        self.table.pending[account.id] = _copy(account)

    # Administration and bulk operations.
    async def search(self, query: AccountQuery, page: PageRequest) -> Page[Account]:
        def matches(a: Account) -> bool:
            q = (query.q or "").lower()
            return (
                a.college_id == query.college_id
                and (not q or a.email.startswith(q) or (a.display_name or "").lower().startswith(q))
                and (query.role is None or query.role in a.roles)
                and (query.status is None or a.status == query.status)
            )

        field = query.sort.value.lstrip("-")
        found = sorted(
            (a for a in self.table.visible().values() if matches(a)),
            key=lambda a: (getattr(a, field) or "", a.id),
            reverse=query.sort.value.startswith("-"),
        )
        return Page(
            items=[_copy(a) for a in found[page.offset : page.offset + page.limit]],
            total=len(found),
            limit=page.limit,
            offset=page.offset,
        )

    async def get_many(self, account_ids: Sequence[UUID]) -> list[Account]:
        visible = self.table.visible()
        return [_copy(visible[i]) for i in account_ids if i in visible]

    async def existing_emails(self, college_id: UUID, emails: Sequence[str]) -> set[str]:
        wanted = set(emails)
        return {
            a.email
            for a in self.table.visible().values()
            if a.college_id == college_id and a.email in wanted
        }

    async def delete(self, account: Account) -> None:
        assert account.id in self.table.visible(), f"no row {account.id}"
        self.table.pending[account.id] = _DELETED

    async def stream_college(
        self, college_id: UUID, batch_size: int
    ) -> AsyncIterator[list[Account]]:
        found = sorted(
            (a for a in self.table.visible().values() if a.college_id == college_id),
            key=lambda a: (a.email, a.id),
        )
        for start in range(0, len(found), batch_size):
            yield [_copy(a) for a in found[start : start + batch_size]]


class FakeRefreshTokens:
    def __init__(self) -> None:
        self.table = _Table()

    async def get(self, token_id: UUID) -> RefreshToken | None:
        found = self.table.visible().get(token_id)
        return _copy(found) if found else None

    async def add(self, token: RefreshToken) -> None:
        self.table.pending[token.id] = _copy(token)

    async def claim(self, token_id: UUID, now: datetime) -> bool:
        token = _copy(self.table.visible()[token_id])
        if token.used_at is not None:
            return False
        token.used_at = now
        self.table.pending[token_id] = token
        return True

    async def revoke_family(self, family_id: UUID, now: datetime) -> int:
        return self._revoke(lambda t: t.family_id == family_id, now)

    async def revoke_for_account(self, account_id: UUID, now: datetime) -> int:
        return self._revoke(lambda t: t.account_id == account_id, now)

    async def revoke_for_account_except(
        self, account_id: UUID, keep_family_id: UUID, now: datetime
    ) -> int:
        return self._revoke(
            lambda t: t.account_id == account_id and t.family_id != keep_family_id, now
        )

    def _revoke(self, selected: Any, now: datetime) -> int:
        count = 0
        for token in self.table.visible().values():
            if selected(token) and token.revoked_at is None:
                changed = _copy(token)
                changed.revoke(now)
                self.table.pending[token.id] = changed
                count += 1
        return count

    def all(self) -> list[RefreshToken]:
        return list(self.table.committed.values())


class FakeAuditLog:
    def __init__(self) -> None:
        self.table = _Table()

    def add(self, entry: AuditEntry) -> None:
        self.table.pending[entry.id] = entry

    async def search(self, query: AuditQuery, page: PageRequest) -> Page[AuditEntry]:
        def matches(entry: AuditEntry) -> bool:
            return all(
                wanted is None or getattr(entry, name) == wanted
                for name, wanted in (
                    ("college_id", query.college_id),
                    ("action", query.action),
                    ("outcome", query.outcome),
                    ("actor_id", query.actor_id),
                    ("target_id", query.target_id),
                )
            )

        found = sorted(
            (e for e in self.table.committed.values() if matches(e)),
            key=lambda e: e.occurred_at,
            reverse=True,
        )
        return Page(
            items=found[page.offset : page.offset + page.limit],
            total=len(found),
            limit=page.limit,
            offset=page.offset,
        )

    def actions(self) -> list[AuditAction]:
        return [entry.action for entry in self.table.committed.values()]

    def of(self, action: AuditAction) -> list[AuditEntry]:
        """The committed entries of one action, oldest first."""
        return [entry for entry in self.table.committed.values() if entry.action is action]


class FakeRolePermissions:
    def __init__(self) -> None:
        self.committed: dict[tuple[UUID, str], frozenset[str]] = {}
        self.pending: dict[tuple[UUID, str], frozenset[str] | None] = {}  # None: removed

    def _visible(self) -> dict[tuple[UUID, str], frozenset[str]]:
        merged: dict[tuple[UUID, str], frozenset[str] | None] = {**self.committed, **self.pending}
        return {key: value for key, value in merged.items() if value is not None}

    async def overrides(self, college_id: UUID) -> dict[str, frozenset[str]]:
        return {
            role: perms
            for (college, role), perms in self._visible().items()
            if college == college_id
        }

    async def put(
        self,
        college_id: UUID,
        role: str,
        permissions: frozenset[str],
        now: datetime,
        actor_id: UUID | None,
    ) -> None:
        self.pending[(college_id, role)] = permissions

    async def remove(self, college_id: UUID, role: str) -> bool:
        existed = (college_id, role) in self._visible()
        self.pending[(college_id, role)] = None
        return existed

    def commit(self) -> None:
        for key, permissions in self.pending.items():
            if permissions is None:
                self.committed.pop(key, None)
            else:
                self.committed[key] = permissions
        self.pending.clear()


class FakeApiKeys:
    def __init__(self) -> None:
        self.table = _Table()

    async def get(self, key_id: UUID) -> ApiKey | None:
        found = self.table.visible().get(key_id)
        return _copy(found) if found else None

    async def add(self, key: ApiKey) -> None:
        self.table.pending[key.id] = _copy(key)

    async def save(self, key: ApiKey) -> None:
        stored = self.table.visible()[key.id]
        # Uses are counted only by record_use, as in the SQL adapter.
        self.table.pending[key.id] = dataclasses.replace(
            key, usage_count=stored.usage_count, last_used_at=stored.last_used_at
        )

    async def list_for_college(
        self, college_id: UUID, status: ApiKeyStatus | None, now: datetime, page: PageRequest
    ) -> Page[ApiKey]:
        found = sorted(
            (
                _copy(k)
                for k in self.table.visible().values()
                if k.college_id == college_id and (status is None or k.status(now) is status)
            ),
            key=lambda k: (k.created_at, k.id),
            reverse=True,
        )
        return Page(
            items=found[page.offset : page.offset + page.limit],
            total=len(found),
            limit=page.limit,
            offset=page.offset,
        )

    async def record_use(self, key_id: UUID, now: datetime) -> bool:
        key = self.table.visible().get(key_id)
        if key is None or key.status(now) is not ApiKeyStatus.ACTIVE:
            return False
        self.table.pending[key_id] = dataclasses.replace(
            key, usage_count=key.usage_count + 1, last_used_at=now
        )
        return True


class FakeImportJobs:
    """Jobs and their rows; no locking (unit tests run one worker)."""

    def __init__(self) -> None:
        self.table = _Table()
        self.rows_table = _Table()

    async def add(self, job: ImportJob, rows: Sequence[AccountRow]) -> None:
        self.table.pending[job.id] = _copy(job)
        self.rows_table.pending[job.id] = list(rows)

    async def get(self, job_id: UUID) -> ImportJob | None:
        found = self.table.visible().get(job_id)
        return _copy(found) if found else None

    async def claim_next(self) -> ImportJob | None:
        unfinished = [j for j in self.table.visible().values() if not j.is_finished]
        oldest = min(unfinished, key=lambda j: j.created_at, default=None)
        return _copy(oldest) if oldest else None

    async def lock(self, job_id: UUID) -> ImportJob | None:
        return await self.get(job_id)

    async def rows(self, job_id: UUID, start: int, limit: int) -> list[AccountRow]:
        return list(self.rows_table.visible().get(job_id, [])[start : start + limit])

    async def save(self, job: ImportJob) -> None:
        self.table.pending[job.id] = _copy(job)

    async def delete_rows(self, job_id: UUID) -> None:
        self.rows_table.pending[job_id] = []


class FakeCredentialTokens:
    def __init__(self) -> None:
        self.table = _Table()

    async def add(self, token: CredentialToken) -> None:
        self.table.pending[token.id] = _copy(token)

    async def consume(
        self, token_hash: str, purpose: TokenPurpose, now: datetime
    ) -> CredentialToken | None:
        for token in self.table.visible().values():
            if token.token_hash == token_hash and token.purpose is purpose:
                if not token.is_usable(now):
                    return None
                spent = dataclasses.replace(token, used_at=now)
                self.table.pending[token.id] = spent
                return _copy(spent)
        return None

    async def void_for_account(self, account_id: UUID, purpose: TokenPurpose, now: datetime) -> int:
        voided = [
            t
            for t in self.table.visible().values()
            if t.account_id == account_id and t.purpose is purpose and t.used_at is None
        ]
        for token in voided:
            self.table.pending[token.id] = dataclasses.replace(token, used_at=now)
        return len(voided)


class FakeEmailTemplates:
    def __init__(self) -> None:
        self.table = _Table()

    def _of(self, college_id: UUID, kind: TemplateKind) -> list[EmailTemplate]:
        return sorted(
            (
                t
                for t in self.table.visible().values()
                if (t.college_id, t.kind) == (college_id, kind)
            ),
            key=lambda t: t.version,
            reverse=True,
        )

    async def latest(self, college_id: UUID, kind: TemplateKind) -> EmailTemplate | None:
        versions = self._of(college_id, kind)
        return versions[0] if versions else None

    async def get_version(
        self, college_id: UUID, kind: TemplateKind, version: int
    ) -> EmailTemplate | None:
        return next((t for t in self._of(college_id, kind) if t.version == version), None)

    async def add(self, template: EmailTemplate) -> None:
        assert template.id is not None
        assert template.version not in {
            t.version for t in self._of(template.college_id, template.kind)
        }
        self.table.pending[template.id] = template

    async def list_versions(
        self, college_id: UUID, kind: TemplateKind, page: PageRequest
    ) -> Page[EmailTemplate]:
        found = self._of(college_id, kind)
        return Page(
            items=found[page.offset : page.offset + page.limit],
            total=len(found),
            limit=page.limit,
            offset=page.offset,
        )


class FakeRateLimiter:
    """Counts per key; no windows: tests advance nothing, they hit the limit."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    async def hit(self, key: str, limit: int, window_seconds: int) -> Throttled | None:
        self.counts[key] = self.counts.get(key, 0) + 1
        return Throttled(window_seconds) if self.counts[key] > limit else None


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.colleges = FakeColleges()
        self.accounts = FakeAccounts()
        self.refresh_tokens = FakeRefreshTokens()
        self.audit_log = FakeAuditLog()
        self.imports = FakeImportJobs()
        self.api_keys = FakeApiKeys()
        self.role_permissions = FakeRolePermissions()
        self.credential_tokens = FakeCredentialTokens()
        self.email_templates = FakeEmailTemplates()
        self.events: list[DomainEvent] = []  # committed events, in order
        self._pending_events: list[DomainEvent] = []
        self.commits = 0

    def _tables(self) -> Iterable[_Table]:
        return (
            self.colleges.table,
            self.accounts.table,
            self.refresh_tokens.table,
            self.audit_log.table,
            self.imports.table,
            self.imports.rows_table,
            self.api_keys.table,
            self.credential_tokens.table,
            self.email_templates.table,
        )

    @property
    def account_events(self) -> list[DomainEvent]:
        """The committed events other services consume, without the ``audit.*`` copies."""
        return [event for event in self.events if event.topic != "audit"]

    def record(self, event: DomainEvent) -> None:
        self._pending_events.append(event)

    async def commit(self) -> None:
        for table in self._tables():
            table.commit()
        self.role_permissions.commit()
        self.events.extend(self._pending_events)
        self._pending_events.clear()
        self.commits += 1

    async def rollback(self) -> None:
        for table in self._tables():
            table.pending.clear()
        self.role_permissions.pending.clear()
        self._pending_events.clear()


class FakeHasher:
    """Deterministic and fast; counts calls so tests can prove equal work for unknown users."""

    def __init__(self) -> None:
        self.verifications = 0

    async def hash(self, password: str) -> str:
        return "fake$" + hashlib.sha256(password.encode()).hexdigest()

    async def verify(self, password_hash: str | None, password: str) -> bool:
        self.verifications += 1
        expected = await self.hash(password)
        return password_hash is not None and hmac.compare_digest(password_hash, expected)

    def needs_rehash(self, password_hash: str) -> bool:
        # "old$..." stands for a hash from an earlier algorithm (scrypt) in tests.
        return not password_hash.startswith("fake$")


class FakeSigner:
    """Not a JWT: the claims in clear, so tests can read what would be signed."""

    def __init__(self) -> None:
        self.signed: list[dict[str, Any]] = []

    async def sign(self, claims: dict[str, Any]) -> SignedToken:
        self.signed.append(claims)
        return SignedToken(token="fake." + json.dumps(claims, sort_keys=True), expires_in=900)

    def forget_key(self) -> None:
        """Nothing cached."""


class FakeThrottle:
    """Per (college, email) failures with the same lock-out rule as accounts; per IP a cap."""

    def __init__(
        self, clock: FixedClock, policy: LockoutPolicy | None = None, ip_limit: int = 1000
    ) -> None:
        self._clock = clock
        self._policy = policy or LockoutPolicy()
        self._ip_limit = ip_limit
        self.by_identity: dict[tuple[str, str], tuple[int, datetime | None]] = {}
        self.by_ip: dict[str, int] = {}

    async def check(self, client_ip: str, college_slug: str, email: str) -> Throttled | None:
        if self.by_ip.get(client_ip, 0) >= self._ip_limit:
            return Throttled(60)
        _, until = self.by_identity.get((college_slug, email), (0, None))
        now = self._clock.now()
        if until is not None and until > now:
            return Throttled(int((until - now).total_seconds()))
        return None

    async def failed(self, client_ip: str, college_slug: str, email: str) -> None:
        self.by_ip[client_ip] = self.by_ip.get(client_ip, 0) + 1
        failures = self.by_identity.get((college_slug, email), (0, None))[0] + 1
        cooldown = self._policy.cooldown(failures)
        self.by_identity[(college_slug, email)] = (
            failures,
            self._clock.now() + cooldown if cooldown else None,
        )

    async def succeeded(self, client_ip: str, college_slug: str, email: str) -> None:
        self.by_identity.pop((college_slug, email), None)


class FixedClock:
    def __init__(self, now: datetime = T0) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


class SequentialIds:
    def __init__(self) -> None:
        self._next = 1

    def new_id(self) -> UUID:
        value = uuid.UUID(int=self._next)
        self._next += 1
        return value


class FakeKeyStore:
    def __init__(self) -> None:
        self.keys: dict[str, SigningKey] = {}

    async def list_keys(self) -> list[SigningKey]:
        return [_copy(key) for key in self.keys.values()]

    async def add(self, key: SigningKey) -> None:
        self.keys[key.kid] = _copy(key)

    async def retire(self, kid: str, now: datetime) -> None:
        self.keys[kid].retire(now)

    async def revoke(self, kid: str, now: datetime) -> bool:
        return kid in self.keys and self.keys[kid].revoke(now)

"""API keys: created, listed, rotated and revoked by a college's admins; exchanged by their
holders for a short-lived access token that every service verifies like a user's.

Why an exchange and not the key on every call: other services then need nothing but the JWKS
they already use, and never see (or store, or look up) a long-lived secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from lms.auth.application.audit import AuditRecorder
from lms.auth.application.authorization import ensure_admin_of
from lms.auth.application.errors import InvalidCredentials
from lms.auth.application.ports import AccessTokenSigner, ApiKeyUnitOfWork
from lms.auth.domain.api_keys import (
    API_KEY_SUBJECT_PREFIX,
    DEFAULT_OVERLAP,
    GRANTABLE_SCOPES,
    ApiKey,
    ApiKeyStatus,
    check_overlap,
    check_scopes,
    format_key,
    parse_key,
)
from lms.auth.domain.audit import AuditAction
from lms_platform.kernel.errors import NotFound, PermissionDenied
from lms_platform.kernel.pagination import Page, PageRequest
from lms_platform.kernel.permissions import Permission
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal

MANAGE_PERMISSION = Permission.API_KEY_MANAGE
TOKEN_KIND = "api_key"  # the ``kind`` claim of tokens issued for a key


class ApiKeyHasher:
    """HMAC-SHA256 with a server-side pepper. The secret has 256 random bits, so a fast hash
    cannot be brute-forced; the pepper also makes a stolen table useless without the
    settings."""

    def __init__(self, pepper: str) -> None:
        self._pepper = pepper.encode()

    def hash(self, secret: str) -> str:
        return hmac.new(self._pepper, secret.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class ApiKeyView:
    key: ApiKey
    status: ApiKeyStatus


@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    """The only moment the plaintext exists outside the caller: it is never stored."""

    view: ApiKeyView
    plaintext: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NewApiKey:
    college_id: UUID
    name: str
    scopes: tuple[str, ...]
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ApiKeyToken:
    access_token: str
    expires_in: int
    scopes: tuple[str, ...]
    token_type: str = "Bearer"


def _new_secret() -> str:
    # token_hex: no "_" in it, so the presented key splits unambiguously.
    return secrets.token_hex(32)


def ensure_key_manager(principal: Principal, college_id: UUID) -> None:
    """A college admin of that college with ``api_key:manage``, or a super admin. Never a key:
    one that could mint keys would survive its own revocation."""
    if principal.user_id.startswith(API_KEY_SUBJECT_PREFIX):
        raise PermissionDenied("an API key cannot manage API keys")
    ensure_admin_of(principal, college_id, MANAGE_PERMISSION)


def _creator_id(principal: Principal) -> UUID | None:
    try:
        return UUID(principal.user_id)
    except ValueError:
        return None


class _ApiKeyUseCase:
    def __init__(
        self,
        uow: ApiKeyUnitOfWork,
        clock: Clock,
        ids: IdGenerator,
        hasher: ApiKeyHasher,
        audit: AuditRecorder,
    ) -> None:
        self._uow, self._clock, self._ids, self._hasher = uow, clock, ids, hasher
        self._audit = audit

    def _view(self, key: ApiKey) -> ApiKeyView:
        return ApiKeyView(key, key.status(self._clock.now()))

    async def _load(self, principal: Principal, key_id: UUID) -> ApiKey:
        key = await self._uow.api_keys.get(key_id)
        if key is None or not principal.can_see_tenant(str(key.college_id)):
            raise NotFound("API key not found")
        ensure_key_manager(principal, key.college_id)
        return key


class CreateApiKey(_ApiKeyUseCase):
    async def __call__(self, principal: Principal, new: NewApiKey) -> IssuedApiKey:
        ensure_key_manager(principal, new.college_id)
        held = None if principal.is_super_admin else principal.permissions
        scopes = check_scopes(new.scopes, GRANTABLE_SCOPES, held)
        if await self._uow.colleges.get(new.college_id) is None:
            raise NotFound("college not found")
        secret = _new_secret()
        key = ApiKey.create(
            id=self._ids.new_id(),
            college_id=new.college_id,
            name=new.name,
            scopes=scopes,
            secret_hash=self._hasher.hash(secret),
            created_by=_creator_id(principal),
            expires_at=new.expires_at,
            now=self._clock.now(),
        )
        await self._uow.api_keys.add(key)
        self._audit.record(
            AuditAction.API_KEY_CREATED,
            college_id=key.college_id,
            actor=principal,
            target_type="api_key",
            target_id=key.id,
            details={
                "name": key.name,
                "scopes": list(key.scopes),
                "expires_at": key.expires_at.isoformat() if key.expires_at else None,
            },
        )
        await self._uow.commit()
        return IssuedApiKey(self._view(key), format_key(key.id, secret))


class RotateApiKey(_ApiKeyUseCase):
    """A new secret now; the previous one keeps working until ``now + overlap``."""

    async def __call__(
        self, principal: Principal, key_id: UUID, overlap: timedelta = DEFAULT_OVERLAP
    ) -> IssuedApiKey:
        key = await self._load(principal, key_id)
        check_overlap(overlap)
        secret = _new_secret()
        key.rotate(self._hasher.hash(secret), overlap, self._clock.now())
        await self._uow.api_keys.save(key)
        self._audit.record(
            AuditAction.API_KEY_ROTATED,
            college_id=key.college_id,
            actor=principal,
            target_type="api_key",
            target_id=key.id,
            details={
                "overlap_seconds": int(overlap.total_seconds()),
                "previous_valid_until": (
                    key.previous_valid_until.isoformat() if key.previous_valid_until else None
                ),
            },
        )
        await self._uow.commit()
        return IssuedApiKey(self._view(key), format_key(key.id, secret))


class RevokeApiKey(_ApiKeyUseCase):
    """Every secret of the key stops at once. Revoking twice changes (and audits) nothing."""

    async def __call__(self, principal: Principal, key_id: UUID) -> ApiKeyView:
        key = await self._load(principal, key_id)
        if key.revoke(self._clock.now()):
            await self._uow.api_keys.save(key)
            self._audit.record(
                AuditAction.API_KEY_REVOKED,
                college_id=key.college_id,
                actor=principal,
                target_type="api_key",
                target_id=key.id,
                details={"name": key.name},
            )
            await self._uow.commit()
        return self._view(key)


class GetApiKey(_ApiKeyUseCase):
    async def __call__(self, principal: Principal, key_id: UUID) -> ApiKeyView:
        return self._view(await self._load(principal, key_id))


class ListApiKeys(_ApiKeyUseCase):
    async def __call__(
        self,
        principal: Principal,
        college_id: UUID,
        status: ApiKeyStatus | None,
        page: PageRequest,
    ) -> Page[ApiKeyView]:
        ensure_key_manager(principal, college_id)
        now = self._clock.now()
        found = await self._uow.api_keys.list_for_college(college_id, status, now, page)
        return Page(
            items=[ApiKeyView(key, key.status(now)) for key in found.items],
            total=found.total,
            limit=found.limit,
            offset=found.offset,
        )


class ExchangeApiKey:
    """Public: the key is the proof. Every refusal is the same ``InvalidCredentials``, whether
    the id is unknown, the secret wrong, or the key revoked or expired."""

    def __init__(
        self,
        uow: ApiKeyUnitOfWork,
        clock: Clock,
        hasher: ApiKeyHasher,
        signer: AccessTokenSigner,
    ) -> None:
        self._uow, self._clock, self._hasher, self._signer = uow, clock, hasher, signer

    async def __call__(self, presented: str) -> ApiKeyToken:
        parsed = parse_key(presented)
        if parsed is None:
            raise InvalidCredentials()
        key_id, secret = parsed
        presented_hash = self._hasher.hash(secret)
        key = await self._uow.api_keys.get(key_id)
        now = self._clock.now()
        if key is None:
            # Same comparisons as for a real key, so timing says little about existence.
            hmac.compare_digest(presented_hash, "0" * len(presented_hash))
            hmac.compare_digest(presented_hash, "")
            raise InvalidCredentials()
        if not key.accepts(presented_hash, now):
            raise InvalidCredentials()
        # The conditional UPDATE also loses to a revocation that committed after our read.
        if not await self._uow.api_keys.record_use(key.id, now):
            await self._uow.rollback()
            raise InvalidCredentials()
        token = await self._signer.sign(
            {
                "sub": f"{API_KEY_SUBJECT_PREFIX}{key.id}",
                "college": str(key.college_id),
                "roles": [],
                "perms": list(key.scopes),
                "kind": TOKEN_KIND,
            }
        )
        await self._uow.commit()
        return ApiKeyToken(access_token=token.token, expires_in=token.expires_in, scopes=key.scopes)

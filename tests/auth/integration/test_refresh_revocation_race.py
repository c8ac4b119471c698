"""Defect 3 (issue 8): a refresh in flight can survive logout, a password change, a reset or
reuse detection.

Two transactions on the real PostgreSQL, interleaved deterministically: one side is driven step
by step through the real repository on its own session and held open; the other is a real HTTP
call, which is seen blocked on a lock (``pg_stat_activity``) before the first side commits. In
both orders, no token of the family works afterwards."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from lms.auth.adapters.persistence.repository import SqlAlchemyRefreshTokenRepository
from lms.auth.domain.model import RefreshToken
from lms_platform.persistence import create_session_factory
from tests.auth.integration.conftest import RunningAuthService


async def _login(service: RunningAuthService) -> tuple[str, UUID, UUID]:
    """A student's refresh token, its id and its account."""
    college = await service.create_college()
    account = await service.create_account(college["id"], "ada@uni-a.edu")
    raw = (await service.tokens("uni-a", "ada@uni-a.edu"))["refresh_token"]
    return raw, UUID(hex=raw.partition(".")[0]), UUID(account["id"])


async def _blocked_on_a_lock(service: RunningAuthService, call: asyncio.Task[Any]) -> None:
    """Returns once another backend of this database waits for a lock (the HTTP call)."""
    deadline = asyncio.get_running_loop().time() + 20
    while not await service.scalar(
        "SELECT count(*) > 0 FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    ):
        assert not call.done(), f"the call did not wait for the open transaction: {call.result()}"
        assert asyncio.get_running_loop().time() < deadline, "the call never blocked"
        await asyncio.sleep(0.05)


async def _refresh(service: RunningAuthService, raw: str) -> httpx.Response:
    return await service.client.post("/auth/refresh", json={"refresh_token": raw})


async def _live_tokens(service: RunningAuthService, account_id: UUID) -> int:
    return int(
        await service.scalar(
            "SELECT count(*) FROM refresh_tokens WHERE account_id = $1 AND revoked_at IS NULL",
            account_id,
        )
    )


async def test_a_refresh_in_flight_does_not_survive_a_logout_that_waits_for_it(
    auth_service: RunningAuthService,
) -> None:
    """Refresh first: it claims the token and inserts the next one, uncommitted; the logout
    waits for it, and must then revoke the token the refresh created too."""
    raw, token_id, account_id = await _login(auth_service)
    assert auth_service.service.engine is not None
    sessions = create_session_factory(auth_service.service.engine)
    child_secret = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    async with sessions() as refreshing:
        tokens = SqlAlchemyRefreshTokenRepository(refreshing)
        parent = await tokens.get(token_id)
        assert parent is not None
        assert await tokens.claim(token_id, now)
        child = RefreshToken(
            id=uuid4(),
            family_id=parent.family_id,
            account_id=account_id,
            college_id=parent.college_id,
            secret_hash=hashlib.sha256(child_secret.encode()).hexdigest(),
            issued_at=now,
            expires_at=now + timedelta(days=1),
        )
        await tokens.add(child)
        await refreshing.flush()
        logout = asyncio.create_task(
            auth_service.client.post("/auth/logout", json={"refresh_token": raw})
        )
        await _blocked_on_a_lock(auth_service, logout)
        await refreshing.commit()
    assert (await logout).status_code == 204

    from_refresh = await _refresh(auth_service, f"{child.id.hex}.{child_secret}")
    assert from_refresh.status_code == 401, "the token issued by the refresh outlived the logout"
    assert (await _refresh(auth_service, raw)).status_code == 401
    assert await _live_tokens(auth_service, account_id) == 0


Revocation = Callable[[SqlAlchemyRefreshTokenRepository, UUID, UUID, datetime], Awaitable[int]]


async def _revoke_account(
    tokens: SqlAlchemyRefreshTokenRepository, account_id: UUID, family_id: UUID, now: datetime
) -> int:
    return await tokens.revoke_for_account(account_id, now)  # password change/reset, deactivate


async def _revoke_family(
    tokens: SqlAlchemyRefreshTokenRepository, account_id: UUID, family_id: UUID, now: datetime
) -> int:
    return await tokens.revoke_family(family_id, now)  # logout, reuse detection


@pytest.mark.parametrize("revoke", [_revoke_account, _revoke_family], ids=["account", "family"])
async def test_a_refresh_that_waits_for_a_revocation_is_refused(
    auth_service: RunningAuthService, revoke: Revocation
) -> None:
    """Revocation first, uncommitted; the refresh waits for it and must then fail (the claim
    checks ``revoked_at`` as well as ``used_at``)."""
    raw, token_id, account_id = await _login(auth_service)
    family_id = await auth_service.scalar(
        "SELECT family_id FROM refresh_tokens WHERE id = $1", token_id
    )
    assert auth_service.service.engine is not None
    sessions = create_session_factory(auth_service.service.engine)
    async with sessions() as revoking:
        assert await revoke(
            SqlAlchemyRefreshTokenRepository(revoking), account_id, family_id, datetime.now(UTC)
        )
        refresh = asyncio.create_task(_refresh(auth_service, raw))
        await _blocked_on_a_lock(auth_service, refresh)
        await revoking.commit()
    answer = await refresh
    assert answer.status_code == 401, f"a refresh outlived the revocation: {answer.text}"
    assert await _live_tokens(auth_service, account_id) == 0

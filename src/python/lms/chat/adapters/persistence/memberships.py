"""The platform's membership reader on the request's own session.

The platform's ``SqlMembershipReader`` opens a session of its own per read. The room gate
reads memberships while the request's session already holds a pooled connection, so each
frame took two: with as many frames at once as the pool has connections, every one held the
first and waited for a second, and the process stood still until the pool timed out."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lms_platform.kernel.membership import MembershipReader
from lms_platform.membership import SqlMembershipReader


class _Borrowed:
    """Hands out the request's session as a sessionmaker would, and leaves it open."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def __call__(self) -> _Borrowed:
        return self

    async def __aenter__(self) -> AsyncSession:
        return self._session

    async def __aexit__(self, *_: Any) -> None:
        return None


def request_membership_reader(session: AsyncSession) -> MembershipReader:
    return SqlMembershipReader(cast(async_sessionmaker[AsyncSession], _Borrowed(session)))

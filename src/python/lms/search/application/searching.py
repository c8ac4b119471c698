"""Searching: the caller's visibility goes into the query itself, so totals, pages and facets
count only what they may open."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from lms.search.application.ports import SearchIndex, SearchPage
from lms.search.domain.query import SearchQuery
from lms.search.domain.visibility import Viewer, visible
from lms_platform.kernel.membership import Membership, MembershipReader
from lms_platform.kernel.ports import Clock
from lms_platform.kernel.principal import Principal


class Search:
    def __init__(self, index: SearchIndex, memberships: MembershipReader, clock: Clock) -> None:
        self._index = index
        self._memberships = memberships
        self._clock = clock

    async def __call__(self, principal: Principal, query: SearchQuery) -> SearchPage:
        memberships = await self._viewer_memberships(principal)
        viewer = Viewer(principal=principal, memberships=memberships, now=self._clock.now())
        return await self._index.search(query, visible(viewer, query.types))

    async def _viewer_memberships(self, principal: Principal) -> Sequence[Membership]:
        try:
            user_id = UUID(principal.user_id)
        except ValueError:  # an API key or a service: no memberships of its own
            return ()
        return await self._memberships.of_user(principal.tenant_id, user_id)

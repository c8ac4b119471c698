"""Searching: the caller's visibility goes into the query itself, so totals, pages and facets
count only what they may open."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from uuid import UUID

from lms.search.application.ports import Hit, SearchIndex, SearchPage
from lms.search.domain.documents import DocType
from lms.search.domain.people import PUBLIC_PROFILE_FIELDS, people_seen, roster_sections
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
        if DocType.USER in query.types and not viewer.reads_every_user:
            viewer = dataclasses.replace(viewer, classmates=await self._classmates(viewer))
        page = await self._index.search(query, visible(viewer, query.types, query))
        if not viewer.classmates:
            return page
        return dataclasses.replace(page, hits=[_public(h, viewer) for h in page.hits])

    async def _viewer_memberships(self, principal: Principal) -> Sequence[Membership]:
        try:
            user_id = UUID(principal.user_id)
        except ValueError:  # an API key or a service: no memberships of its own
            return ()
        return await self._memberships.of_user(principal.tenant_id, user_id)

    async def _classmates(self, viewer: Viewer) -> frozenset[str]:
        """The people of the viewer's active sections, their rosters read now (a drop counts
        at once); at most ``MAX_ROSTER_SECTIONS`` reads (domain/people.py)."""
        tenant = viewer.principal.tenant_id
        rosters = {
            section: await self._memberships.in_section(tenant, section)
            for section in roster_sections(viewer.memberships)
        }
        return people_seen(viewer.memberships, rosters) - {viewer.principal.user_id}


def _public(hit: Hit, viewer: Viewer) -> Hit:
    """A classmate's hit keeps their public profile only (fields and highlights)."""
    if hit.doc_type is not DocType.USER or hit.id not in viewer.classmates:
        return hit
    return dataclasses.replace(
        hit,
        source={k: v for k, v in hit.source.items() if k in _SHOWN},
        highlight={k: v for k, v in hit.highlight.items() if k in PUBLIC_PROFILE_FIELDS},
    )


_SHOWN = PUBLIC_PROFILE_FIELDS | {"doc_type", "id"}

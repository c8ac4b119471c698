"""Rebuilding the indices without downtime: each type gets a new index version, filled while
queries go on against the old one, then the alias moves to it in one atomic step."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lms.search.application.ports import IndexRebuilder, RebuildProgress, RebuildResult
from lms.search.domain.documents import DocType
from lms_platform.kernel.errors import PermissionDenied
from lms_platform.kernel.principal import Principal


def _ignore(_: RebuildProgress) -> None:
    return None


class RebuildIndices:
    def __init__(self, rebuilder: IndexRebuilder) -> None:
        self._rebuilder = rebuilder

    async def __call__(
        self,
        principal: Principal | None,
        types: Sequence[DocType] = tuple(DocType),
        progress: Callable[[RebuildProgress], None] = _ignore,
    ) -> list[RebuildResult]:
        """``principal`` None is the operator's command line; over HTTP only a super admin may
        (the indices hold every college)."""
        if principal is not None and not principal.is_super_admin:
            raise PermissionDenied("rebuilding the search indices needs a platform operator")
        return [await self._rebuilder.rebuild(t, progress) for t in dict.fromkeys(types)]

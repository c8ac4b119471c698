"""Query parameters shared by the list endpoints: the platform's cursor pages."""

from __future__ import annotations

from lms_platform.http.pagination import cursor_page_request
from lms_platform.kernel.pagination import DEFAULT_LIMIT, CursorPageRequest

DEFAULT_PAGE_LIMIT = DEFAULT_LIMIT
PAGES = (
    "Pages follow `next_cursor` (with the same sort and filters); the order is stable while "
    "the list changes. `offset` is for the first pages only."
)


def page_request(
    binding: str, *, limit: int, cursor: str | None, offset: int, include_total: bool
) -> CursorPageRequest:
    return cursor_page_request(
        limit=limit, cursor=cursor, offset=offset, include_total=include_total, binding=binding
    )

"""Limit/offset pagination at the HTTP edge, mapped to the kernel's ``PageRequest``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import msgspec

from lms_platform.kernel.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, PageRequest

T = TypeVar("T")
U = TypeVar("U")


class PageResponse(msgspec.Struct, Generic[T]):
    items: Sequence[T]
    total: int
    limit: int
    offset: int
    has_more: bool


def page_request(limit: int = DEFAULT_LIMIT, offset: int = 0) -> PageRequest:
    from litestar.exceptions import ValidationException

    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationException(f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise ValidationException("offset must not be negative")
    return PageRequest(limit=limit, offset=offset)


def to_page_response(page: Page[U], convert: Callable[[U], T]) -> PageResponse[T]:
    return PageResponse(
        items=[convert(item) for item in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        has_more=page.has_more,
    )

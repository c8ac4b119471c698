"""Pagination at the HTTP edge: bounded query parameters, the opaque cursor and the page bodies.

A list endpoint declares its parameters with the annotated types below, so that every bound is
both enforced (a 400 problem) and declared in the OpenAPI document:

    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    offset: OffsetQuery = 0,
    include_total: IncludeTotalQuery = False,

and turns them into the kernel's request with ``cursor_page_request(..., binding=...)``.

The cursor is base64url of a small JSON document (format version, the sort key of the page's
last item, a digest of the query it belongs to) behind a 96-bit BLAKE2b checksum. It is opaque
to clients and tamper-evident: an edited, truncated or foreign cursor is a 400, and so is a
cursor reused with another sort or other filters (its ``binding``). It grants nothing: the
tenant and filters always come from the request itself, so a forged cursor can only move the
starting point within what the caller may list anyway.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

import msgspec
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter

from lms_platform.kernel.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OFFSET,
    TOTAL_CAP,
    CursorPage,
    CursorPageRequest,
    Page,
    PageRequest,
    SortKey,
)

T = TypeVar("T")
U = TypeVar("U")

MAX_CURSOR_LENGTH = 512
_CURSOR_VERSION = 1
_CHECKSUM_KEY = b"lms_platform.http.pagination/v1"
_CHECKSUM_SIZE = 12
_BINDING_DIGEST_SIZE = 8

LimitQuery = Annotated[
    int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"Items per page (1 to {MAX_LIMIT}).")
]
OffsetQuery = Annotated[
    int,
    QueryParameter(
        ge=0,
        le=MAX_OFFSET,
        description=f"Skip this many items (at most {MAX_OFFSET}); use the cursor to go further.",
    ),
]
CursorQuery = Annotated[
    str | None,
    QueryParameter(
        min_length=1,
        max_length=MAX_CURSOR_LENGTH,
        description="`next_cursor` of the previous page, with the same sort and filters. "
        "Opaque: any other value is a 400.",
    ),
]
IncludeTotalQuery = Annotated[
    bool,
    QueryParameter(
        description=f"Count every matching item. Otherwise the total is counted up to "
        f"{TOTAL_CAP} and `total_exact` is false beyond that."
    ),
]


class PageResponse(msgspec.Struct, Generic[T]):
    """An offset page (small lists)."""

    items: Sequence[T]
    total: int
    limit: int
    offset: int
    has_more: bool


class CursorPageResponse(msgspec.Struct, Generic[T]):
    """A page of a list: pass ``next_cursor`` as ``cursor`` for the next one (null on the last
    page). ``total`` is exact when ``total_exact``; otherwise the list holds at least that many."""

    items: Sequence[T]
    limit: int
    has_more: bool
    next_cursor: str | None
    total: int
    total_exact: bool


class InvalidCursor(ValueError):
    pass


def _problem(key: str, message: str) -> ValidationException:
    return ValidationException(message, extra=[{"key": key, "source": "query", "message": message}])


def page_request(limit: int = DEFAULT_LIMIT, offset: int = 0) -> PageRequest:
    try:
        return PageRequest(limit=limit, offset=offset)
    except ValueError as exc:
        raise _problem("offset" if "offset" in str(exc) else "limit", str(exc)) from exc


def to_page_response(page: Page[U], convert: Callable[[U], T]) -> PageResponse[T]:
    return PageResponse(
        items=[convert(item) for item in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        has_more=page.has_more,
    )


def query_binding(list_name: str, **query: object) -> str:
    """What a cursor is only valid for: the list and every parameter that changes its order or
    membership (sort and filters), in a canonical form."""
    return msgspec.json.encode([list_name, sorted((k, str(v)) for k, v in query.items())]).decode()


def cursor_page_request(
    *,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    offset: int = 0,
    include_total: bool = False,
    binding: str,
) -> CursorPageRequest:
    """The kernel's page request, or a 400 problem naming the parameter at fault."""
    after = None
    if cursor is not None:
        if offset:
            raise _problem("offset", "send either cursor or offset, not both")
        try:
            after = decode_cursor(cursor, binding)
        except InvalidCursor as exc:
            raise _problem("cursor", str(exc)) from exc
    try:
        return CursorPageRequest(limit=limit, after=after, offset=offset, exact_total=include_total)
    except ValueError as exc:
        raise _problem("offset" if "offset" in str(exc) else "limit", str(exc)) from exc


def to_cursor_page_response(
    page: CursorPage[U], convert: Callable[[U], T], binding: str
) -> CursorPageResponse[T]:
    return CursorPageResponse(
        items=[convert(item) for item in page.items],
        limit=page.limit,
        has_more=page.has_more,
        next_cursor=encode_cursor(page.next_key, binding) if page.next_key is not None else None,
        total=page.total.value,
        total_exact=page.total.exact,
    )


# -- the cursor


def encode_cursor(key: SortKey, binding: str) -> str:
    payload = msgspec.json.encode(
        [_CURSOR_VERSION, _binding_digest(binding), [_tagged(value) for value in key]]
    )
    checksum = hashlib.blake2b(payload, key=_CHECKSUM_KEY, digest_size=_CHECKSUM_SIZE).digest()
    return base64.urlsafe_b64encode(checksum + payload).rstrip(b"=").decode("ascii")


def decode_cursor(token: str, binding: str) -> SortKey:
    """The sort key ``token`` carries; ``InvalidCursor`` unless it is intact, of this format
    version and issued for ``binding``."""
    if len(token) > MAX_CURSOR_LENGTH:
        raise InvalidCursor("the cursor is too long")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidCursor("the cursor is not one this API issued") from exc
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != token:
        raise InvalidCursor("the cursor is not one this API issued")  # not in canonical form
    checksum, payload = raw[:_CHECKSUM_SIZE], raw[_CHECKSUM_SIZE:]
    expected = hashlib.blake2b(payload, key=_CHECKSUM_KEY, digest_size=_CHECKSUM_SIZE).digest()
    if not hmac.compare_digest(checksum, expected):
        raise InvalidCursor("the cursor is not one this API issued")
    try:
        version, digest, values = msgspec.json.decode(payload, type=tuple[int, str, list[Any]])
        if version != _CURSOR_VERSION:
            raise InvalidCursor("the cursor is from another version of this API; start again")
        if not hmac.compare_digest(digest, _binding_digest(binding)):
            raise InvalidCursor("the cursor belongs to another sort or other filters")
        return tuple(_untagged(value) for value in values)
    except (msgspec.ValidationError, msgspec.DecodeError, TypeError, ValueError) as exc:
        if isinstance(exc, InvalidCursor):
            raise
        raise InvalidCursor("the cursor is not one this API issued") from exc


def _binding_digest(binding: str) -> str:
    return hashlib.blake2b(binding.encode(), digest_size=_BINDING_DIGEST_SIZE).hexdigest()


# Each value travels with its type, so the key decodes to exactly what was encoded.
_ENCODERS: tuple[tuple[type, str, Callable[[Any], Any]], ...] = (
    (bool, "b", bool),
    (int, "i", int),
    (str, "s", str),
    (UUID, "u", lambda u: u.hex),
    (datetime, "t", datetime.isoformat),
    (date, "d", date.isoformat),
    (Decimal, "n", str),
)
_DECODERS: dict[str, Callable[[Any], Any]] = {
    "b": lambda v: msgspec.convert(v, bool),
    "i": lambda v: msgspec.convert(v, int),
    "s": lambda v: msgspec.convert(v, str),
    "u": UUID,
    "t": datetime.fromisoformat,
    "d": date.fromisoformat,
    "n": Decimal,
}


def _tagged(value: Any) -> list[Any]:
    for kind, tag, encode in _ENCODERS:
        if isinstance(value, kind):
            return [tag, encode(value)]
    raise TypeError(f"a sort key holds {type(value).__name__}, which a cursor cannot carry")


def _untagged(value: Any) -> Any:
    tag, raw = msgspec.convert(value, tuple[str, Any])
    decode = _DECODERS.get(tag)
    if decode is None:
        raise InvalidCursor("the cursor is not one this API issued")
    return decode(raw)

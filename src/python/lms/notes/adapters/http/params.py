"""What the notes API reads beside bodies: the version an edit is based on (``If-Match`` or the
body's ``version``), ETags, and page cursors."""

from __future__ import annotations

import re

from litestar import Response
from litestar.exceptions import HTTPException, ValidationException

from lms.notes.adapters.http.schemas import NoteResponse
from lms.notes.application.ports import Cursor, NoteFilter, Sort
from lms.notes.application.writing import BasedOn
from lms.notes.domain.notes import Note
from lms_platform.http.pagination import InvalidCursor, query_binding
from lms_platform.http.pagination import decode_cursor as decode_platform_cursor
from lms_platform.http.pagination import encode_cursor as encode_platform_cursor
from lms_platform.kernel.errors import PreconditionFailed


def etag(note: Note) -> str:
    return f'"{note.version}"'


def with_etag(note: Note, status_code: int = 200) -> Response[NoteResponse]:
    return Response(
        NoteResponse.from_domain(note), status_code=status_code, headers={"ETag": etag(note)}
    )


_ETAG_VALUE = re.compile(r'(?:W/)?"([0-9]{1,10})"')


def if_match_version(if_match: str | None) -> int | None:
    """RFC 9110: a value that is none of our ETags matches no version, so the precondition
    fails (412); ``*`` names no version (the edit must then carry one in its body)."""
    if if_match is None or if_match.strip() == "*":
        return None
    etag = _ETAG_VALUE.fullmatch(if_match.strip())
    if etag is None:
        raise PreconditionFailed("If-Match names no version of this note; send a read's ETag")
    return int(etag.group(1))


def based_on(if_match: str | None, body_version: int | None, *, required: bool) -> BasedOn | None:
    """``If-Match`` (a stale one is 412) or the body's ``version`` (a stale one is 409)."""
    header = if_match_version(if_match)
    if header is not None and body_version is not None and header != body_version:
        raise ValidationException("If-Match and version name different versions")
    if header is not None:
        return BasedOn(header, from_if_match=True)
    if body_version is not None:
        return BasedOn(body_version)
    if required:
        raise HTTPException(
            status_code=428,
            detail="say which version the edit is based on: If-Match or version",
        )
    return None


def list_binding(where: NoteFilter, sort: Sort) -> str:
    """What a cursor of ``GET /notes`` is valid for: the sort and every filter."""
    fields = {name: getattr(where, name) for name in NoteFilter.__dataclass_fields__}
    return query_binding("notes", sort=sort.value, **fields)


def encode_cursor(cursor: Cursor | None, binding: str) -> str | None:
    return None if cursor is None else encode_platform_cursor((cursor.position,), binding)


def decode_cursor(token: str | None, sort: Sort, binding: str) -> Cursor | None:
    """The platform's cursor (checksummed, bound to the sort and filters), or a 400 problem."""
    if token is None:
        return None
    try:
        key = decode_platform_cursor(token, binding)
        if len(key) != 1 or not isinstance(key[0], str):
            raise InvalidCursor("the cursor is not one this API issued")
    except InvalidCursor as exc:
        message = str(exc)
        raise ValidationException(
            message, extra=[{"key": "cursor", "source": "query", "message": message}]
        ) from exc
    return Cursor(sort=sort, position=key[0])

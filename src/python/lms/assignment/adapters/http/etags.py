"""Versions as ETags: responses carry ``ETag: "<version>"``, writes take ``If-Match``."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Response
from litestar.datastructures import ResponseHeader
from litestar.params import HeaderParameter

from lms_platform.kernel.errors import PreconditionFailed

ETAG = ResponseHeader(name="ETag", description="The version, for If-Match", documentation_only=True)
_ETAG_VALUE = re.compile(r'(?:W/)?"([0-9]{1,12})"')
IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        description='The ETag read last (or "*"): the change applies to that version only, else 412',
    ),
]


def expected_version(if_match: str | None) -> int | None:
    """RFC 9110 13.1.1: ``*`` matches any current version; a value that is none of our ETags
    matches no version, so the precondition fails (412), as in the user service."""
    if if_match is None or if_match.strip() == "*":
        return None
    etag = _ETAG_VALUE.fullmatch(if_match.strip())
    if etag is None:
        raise PreconditionFailed("If-Match names no version of this resource; send a read's ETag")
    return int(etag.group(1))


def with_etag(body: Any, version: int, status_code: int = 200) -> Response[Any]:
    return Response(body, status_code=status_code, headers={"ETag": f'"{version}"'})

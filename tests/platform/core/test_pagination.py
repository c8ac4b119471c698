"""Pagination: the kernel's requests and pages, and the HTTP edge's opaque cursor."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from litestar.exceptions import ValidationException

from lms_platform.http.pagination import (
    MAX_CURSOR_LENGTH,
    InvalidCursor,
    cursor_page_request,
    decode_cursor,
    encode_cursor,
    page_request,
    query_binding,
    to_cursor_page_response,
)
from lms_platform.kernel.pagination import (
    MAX_LIMIT,
    MAX_OFFSET,
    TOTAL_CAP,
    CursorPage,
    CursorPageRequest,
    PageRequest,
    Total,
    page_in_memory,
)

BINDING = query_binding("users", sort="display_name", q="ada", role=None)
KEY = ("Ada Lovelace", UUID(int=7))


# -- kernel


@pytest.mark.parametrize(
    "fields",
    [{"limit": 0}, {"limit": MAX_LIMIT + 1}, {"offset": -1}, {"offset": MAX_OFFSET + 1}],
)
def test_page_requests_refuse_out_of_range_values(fields: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="limit|offset"):
        PageRequest(**fields)
    with pytest.raises(ValueError, match="limit|offset"):
        CursorPageRequest(**fields)


def test_the_largest_offset_is_allowed() -> None:
    assert CursorPageRequest(offset=MAX_OFFSET).offset == MAX_OFFSET
    assert PageRequest(offset=MAX_OFFSET).offset == MAX_OFFSET


def test_a_page_starts_after_a_cursor_or_at_an_offset_not_both() -> None:
    with pytest.raises(ValueError, match="not both"):
        CursorPageRequest(after=KEY, offset=1)


@pytest.mark.parametrize(
    ("counted", "expected"),
    [
        (0, Total(0, True)),
        (TOTAL_CAP, Total(TOTAL_CAP, True)),
        (TOTAL_CAP + 1, Total(TOTAL_CAP, False)),
    ],
)
def test_a_capped_count_says_whether_it_is_exact(counted: int, expected: Total) -> None:
    assert Total.capped(counted) == expected


@pytest.mark.parametrize("descending", [False, True])
def test_in_memory_pages_cover_every_row_once_in_order(descending: bool) -> None:
    rows = sorted([(name, i) for i, name in enumerate("abcabcabcab")], reverse=descending)
    seen: list[tuple[str, int]] = []
    request = CursorPageRequest(limit=3)
    while True:
        page = page_in_memory(rows, lambda row: row, request, descending=descending)
        seen.extend(page.items)
        assert page.total == Total(len(rows), exact=True)
        if page.next_key is None:
            break
        assert page.next_key == page.items[-1]
        request = CursorPageRequest(limit=3, after=page.next_key)
    assert seen == rows


def test_an_in_memory_cursor_between_rows_starts_at_the_next_one() -> None:
    rows = [("a", 1), ("c", 2)]
    page = page_in_memory(rows, lambda row: row, CursorPageRequest(after=("b", 0)))
    assert page.items == [("c", 2)]


# -- the cursor


@pytest.mark.parametrize(
    "key",
    [
        KEY,
        (datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), UUID(int=1)),
        (date(2026, 1, 2), 42, True, Decimal("1.50"), "x"),
        (-(2**62), False),
    ],
)
def test_a_cursor_carries_its_key_with_the_types_intact(key: tuple[object, ...]) -> None:
    decoded = decode_cursor(encode_cursor(key, BINDING), BINDING)
    assert decoded == key
    assert [type(v) for v in decoded] == [type(v) for v in key]


def test_a_cursor_is_opaque_url_safe_and_short() -> None:
    cursor = encode_cursor(KEY, BINDING)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert "Ada" not in cursor
    assert len(cursor) < MAX_CURSOR_LENGTH // 2


def test_every_edited_character_is_detected() -> None:
    cursor = encode_cursor(KEY, BINDING)
    for index in range(len(cursor)):
        replacement = "A" if cursor[index] != "A" else "B"
        edited = cursor[:index] + replacement + cursor[index + 1 :]
        with pytest.raises(InvalidCursor):
            decode_cursor(edited, BINDING)


def test_a_rebuilt_payload_without_the_checksum_key_is_refused() -> None:
    raw = base64.urlsafe_b64decode(encode_cursor(KEY, BINDING) + "==")
    forged = raw[:12] + raw[12:].replace(b"Ada Lovelace", b"Zed Lovelace")
    token = base64.urlsafe_b64encode(forged).rstrip(b"=").decode()
    with pytest.raises(InvalidCursor, match="not one this API issued"):
        decode_cursor(token, BINDING)


@pytest.mark.parametrize("token", ["", "!!!", "A" * 20, "Zm9v", "A" * (MAX_CURSOR_LENGTH + 1)])
def test_garbage_is_refused(token: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(token, BINDING)


def test_a_cursor_is_valid_only_for_the_query_it_came_from() -> None:
    cursor = encode_cursor(KEY, BINDING)
    other_sort = query_binding("users", sort="-display_name", q="ada", role=None)
    with pytest.raises(InvalidCursor, match="another sort or other filters"):
        decode_cursor(cursor, other_sort)
    assert query_binding("users", q="ada", role=None, sort="display_name") == BINDING


def test_a_value_a_cursor_cannot_carry_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="cannot carry"):
        encode_cursor((object(),), BINDING)


# -- the HTTP edge


def _problem_key(raised: pytest.ExceptionInfo[ValidationException]) -> str:
    extra = raised.value.extra
    assert isinstance(extra, list)
    return str(extra[0]["key"])


@pytest.mark.parametrize(
    ("arguments", "key"),
    [
        ({"cursor": "garbage"}, "cursor"),
        ({"cursor": encode_cursor(KEY, "another list")}, "cursor"),
        ({"cursor": encode_cursor(KEY, BINDING), "offset": 5}, "offset"),
        ({"offset": MAX_OFFSET + 1}, "offset"),
        ({"limit": MAX_LIMIT + 1}, "limit"),
    ],
)
def test_bad_paging_parameters_are_400_problems_naming_the_parameter(
    arguments: dict[str, object], key: str
) -> None:
    with pytest.raises(ValidationException) as raised:
        cursor_page_request(binding=BINDING, **arguments)  # type: ignore[arg-type]
    assert raised.value.status_code == 400
    assert _problem_key(raised) == key


def test_an_offset_page_request_past_the_bound_is_a_400() -> None:
    with pytest.raises(ValidationException) as raised:
        page_request(offset=3922646421714803361613256740306944)
    assert _problem_key(raised) == "offset"


def test_the_response_carries_a_cursor_only_when_more_follows() -> None:
    request = cursor_page_request(
        cursor=encode_cursor(KEY, BINDING), include_total=True, binding=BINDING
    )
    assert (request.after, request.exact_total) == (KEY, True)
    more = CursorPage(items=[1, 2], limit=2, next_key=KEY, total=Total(TOTAL_CAP, exact=False))
    body = to_cursor_page_response(more, str, BINDING)
    assert (body.items, body.has_more, body.total, body.total_exact) == (
        ["1", "2"],
        True,
        TOTAL_CAP,
        False,
    )
    assert body.next_cursor is not None and decode_cursor(body.next_cursor, BINDING) == KEY
    last = CursorPage(items=[3], limit=2, next_key=None, total=Total(3, exact=True))
    assert to_cursor_page_response(last, str, BINDING).next_cursor is None

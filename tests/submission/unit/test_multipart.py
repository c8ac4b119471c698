"""The streaming multipart reader: parts split anywhere across chunks, fields then a file."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from lms.submission.adapters.http.multipart import MultipartError, MultipartReader, boundary_of

BODY = (
    b'preamble\r\n--B0undary\r\nContent-Disposition: form-data; name="assignment_id"\r\n\r\nabc\r\n'
    b'--B0undary\r\nContent-Disposition: form-data; name="sha256"\r\n\r\nff\r\n'
    b'--B0undary\r\nContent-Disposition: form-data; name="file"; filename="a b.pdf"\r\n'
    b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\r\n--B0undar not yet\r\n\r\n--B0undary--\r\n"
)


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.parametrize("size", [1, 2, 7, 13, 64, 4096])
async def test_parts_survive_any_chunking(size: int) -> None:
    reader = MultipartReader(_chunks(BODY, size), b"B0undary")
    first = await reader.next_part()
    assert first is not None and first.name == "assignment_id" and first.filename is None
    assert await reader.text() == "abc"
    second = await reader.next_part()
    assert second is not None and second.name == "sha256"
    assert await reader.text() == "ff"
    file = await reader.next_part()
    assert (
        file is not None and file.filename == "a b.pdf" and file.content_type == "application/pdf"
    )
    content = b"".join([c async for c in reader.chunks()])
    assert content == b"%PDF-1.7\r\n--B0undar not yet\r\n"
    assert await reader.next_part() is None


async def test_an_unread_part_is_skipped() -> None:
    reader = MultipartReader(_chunks(BODY, 5), b"B0undary")
    names = []
    while (part := await reader.next_part()) is not None:
        names.append(part.name)
    assert names == ["assignment_id", "sha256", "file"]


async def test_a_truncated_body_is_an_error() -> None:
    reader = MultipartReader(_chunks(BODY[:-30], 10), b"B0undary")

    async def read_all() -> None:
        while await reader.next_part() is not None:
            pass

    with pytest.raises(MultipartError):
        await read_all()


def test_the_boundary_comes_from_the_content_type() -> None:
    assert boundary_of('multipart/form-data; boundary="abc"') == b"abc"
    with pytest.raises(MultipartError):
        boundary_of("application/json")
    with pytest.raises(MultipartError):
        boundary_of("multipart/form-data")

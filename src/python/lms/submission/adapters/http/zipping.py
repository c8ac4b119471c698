"""A zip archive written as it streams: entries stored (no compression: submissions are mostly
compressed already), sizes and CRC in data descriptors after each entry, so nothing is buffered
beyond one chunk. Without ZIP64: each entry and the whole archive stay under 4 GiB."""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator, Iterable
from datetime import datetime

ZIP32_LIMIT = 0xFFFFFFFF
_FLAGS = 0x0808  # sizes in a data descriptor; UTF-8 names


class ArchiveTooLarge(ValueError):
    """The archive would need ZIP64."""


def _dos_time(when: datetime) -> tuple[int, int]:
    year = max(when.year, 1980)
    return (
        (when.hour << 11) | (when.minute << 5) | (when.second // 2),
        ((year - 1980) << 9) | (when.month << 5) | when.day,
    )


async def zip_stream(
    entries: Iterable[tuple[str, datetime, AsyncIterator[bytes]]],
) -> AsyncIterator[bytes]:
    """``entries`` are (name in the archive, time, the bytes); yields the archive."""
    offset = 0
    directory: list[bytes] = []
    for name, when, chunks in entries:
        encoded = name.encode("utf-8")
        mtime, mdate = _dos_time(when)
        header = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, _FLAGS, 0, mtime, mdate, 0, 0, 0, len(encoded), 0
        )
        yield header + encoded
        crc, size = 0, 0
        async for chunk in chunks:
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            yield chunk
        if size > ZIP32_LIMIT or offset > ZIP32_LIMIT:
            raise ArchiveTooLarge("the archive would be larger than 4 GiB")
        yield struct.pack("<IIII", 0x08074B50, crc, size, size)
        directory.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, _FLAGS, 0, mtime, mdate, crc, size, size,
                len(encoded), 0, 0, 0, 0, 0, offset,
            ) + encoded
        )  # fmt: skip
        offset += len(header) + len(encoded) + size + 16
    start = offset
    for record in directory:
        yield record
        offset += len(record)
    if offset > ZIP32_LIMIT or len(directory) > 0xFFFF:
        raise ArchiveTooLarge("the archive would be larger than 4 GiB or 65535 files")
    yield struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(directory), len(directory), offset - start, start, 0
    )

"""A zip archive written as it streams: entries stored (no compression: submissions are mostly
compressed already), sizes and CRC in data descriptors after each entry, so nothing is buffered
beyond one chunk (and the central directory, about 100 bytes an entry).

ZIP64 (APPNOTE 4.5) only where a value does not fit: an entry whose size is unknown or at least
``limit`` gets a ZIP64 extra field in its local header and an 8-byte data descriptor; the
central directory carries ZIP64 sizes and offsets past ``limit``; a ZIP64 end record and locator
follow when there are ``max_entries`` entries or more, or the directory starts or ends past
``limit``. Every other archive is classic zip, byte for byte as before. The thresholds are
parameters so that a test can force ZIP64 on a small archive."""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import NamedTuple

ZIP32_LIMIT = 0xFFFFFFFF  # also the "see the ZIP64 field" marker
ZIP32_ENTRIES = 0xFFFF
_FLAGS = 0x0808  # sizes in a data descriptor; UTF-8 names
_CLASSIC, _ZIP64 = 20, 45  # version needed to extract
_ZIP64_EXTRA = 0x0001


class ArchiveTooLarge(ValueError):
    """An entry declared under ``limit`` turned out larger: its header cannot say so."""


class ZipMember(NamedTuple):
    name: str  # the path in the archive
    modified: datetime
    size: int | None  # None: unknown, so written as ZIP64
    chunks: AsyncIterator[bytes]


def _dos_time(when: datetime) -> tuple[int, int]:
    year = max(when.year, 1980)
    return (
        (when.hour << 11) | (when.minute << 5) | (when.second // 2),
        ((year - 1980) << 9) | (when.month << 5) | when.day,
    )


def _zip64_extra(*values: int) -> bytes:
    return struct.pack(f"<HH{len(values)}Q", _ZIP64_EXTRA, 8 * len(values), *values)


async def zip_stream(
    members: Iterable[ZipMember], *, limit: int = ZIP32_LIMIT, max_entries: int = ZIP32_ENTRIES
) -> AsyncIterator[bytes]:
    """Yields the archive of ``members``, in order."""
    limit, max_entries = min(limit, ZIP32_LIMIT), min(max_entries, ZIP32_ENTRIES)
    offset = 0
    directory: list[bytes] = []
    for name, when, declared, chunks in members:
        encoded = name.encode("utf-8")
        mtime, mdate = _dos_time(when)
        zip64 = declared is None or declared >= limit
        # Sizes follow in the descriptor; the local ZIP64 field only says they are 8 bytes.
        local_extra = _zip64_extra(0, 0) if zip64 else b""
        marker = ZIP32_LIMIT if zip64 else 0
        header = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, _ZIP64 if zip64 else _CLASSIC, _FLAGS, 0, mtime, mdate,
            0, marker, marker, len(encoded), len(local_extra),
        ) + encoded + local_extra  # fmt: skip
        yield header
        crc, size = 0, 0
        async for chunk in chunks:
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            yield chunk
        if not zip64 and size >= limit:
            raise ArchiveTooLarge(f"{name} is larger than its declared {declared} bytes")
        descriptor = (
            struct.pack("<IIQQ", 0x08074B50, crc, size, size)
            if zip64
            else struct.pack("<IIII", 0x08074B50, crc, size, size)
        )
        yield descriptor
        directory.append(_central_record(encoded, mtime, mdate, crc, size, offset, zip64, limit))
        offset += len(header) + size + len(descriptor)
    start = offset
    for record in directory:
        yield record
        offset += len(record)
    yield _end_records(len(directory), start, offset, limit, max_entries)


def _central_record(
    encoded: bytes, mtime: int, mdate: int, crc: int, size: int, offset: int, zip64: bool,
    limit: int,
) -> bytes:  # fmt: skip
    sizes64, offset64 = zip64 or size >= limit, offset >= limit
    extra = _zip64_extra(*([size, size] if sizes64 else []), *([offset] if offset64 else []))
    if not (sizes64 or offset64):
        extra = b""
    version = _ZIP64 if extra else _CLASSIC
    shown_size = ZIP32_LIMIT if sizes64 else size
    return struct.pack(
        "<IHHHHHHIIIHHHHHII", 0x02014B50, version, version, _FLAGS, 0, mtime, mdate, crc,
        shown_size, shown_size, len(encoded), len(extra), 0, 0, 0, 0,
        ZIP32_LIMIT if offset64 else offset,
    ) + encoded + extra  # fmt: skip


def _end_records(count: int, start: int, end: int, limit: int, max_entries: int) -> bytes:
    """The end of central directory record, after a ZIP64 one and its locator when needed."""
    size = end - start
    many, big, far = count >= max_entries, size >= limit, start >= limit
    classic = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, ZIP32_ENTRIES if many else count,
        ZIP32_ENTRIES if many else count, ZIP32_LIMIT if big else size,
        ZIP32_LIMIT if far else start, 0,
    )  # fmt: skip
    if not (many or big or far):
        return classic
    record = struct.pack(
        "<IQHHIIQQQQ", 0x06064B50, 44, _ZIP64, _ZIP64, 0, 0, count, count, size, start
    )  # 44: the record's size after these first 12 bytes
    locator = struct.pack("<IIQI", 0x07064B50, 0, end, 1)
    return record + locator + classic

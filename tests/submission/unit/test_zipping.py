"""The streamed zip: classic zip while everything fits, ZIP64 where it does not. The thresholds
are lowered so that a few bytes stand for 4 GiB and a few entries for 65,535; Python's
``zipfile`` reads every archive back, bytes and CRCs checked."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from lms.submission.adapters.http.zipping import ArchiveTooLarge, ZipMember, zip_stream

WHEN = datetime(2026, 12, 2, 18, 30, 10, tzinfo=UTC)
ZIP64_END = b"PK\x06\x06"
ZIP64_LOCATOR = b"PK\x06\x07"


async def _chunks(data: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _members(files: dict[str, bytes], *, declare: bool = True) -> list[ZipMember]:
    return [
        ZipMember(name, WHEN, len(data) if declare else None, _chunks(data))
        for name, data in files.items()
    ]


async def _archive(members: list[ZipMember], **thresholds: int) -> bytes:
    return b"".join([chunk async for chunk in zip_stream(members, **thresholds)])


def _check(raw: bytes, files: dict[str, bytes]) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(raw))
    assert archive.testzip() is None  # every CRC against the bytes
    assert archive.namelist() == list(files)
    for info in archive.infolist():
        assert archive.read(info) == files[info.filename]
        assert zlib.crc32(files[info.filename]) == info.CRC
        assert info.file_size == info.compress_size == len(files[info.filename])
        assert info.date_time == (2026, 12, 2, 18, 30, 10)
    return archive


FILES = {
    "Ada Lovelace (0a1b2c3d)/essay.pdf": b"%PDF-1.7 " + bytes(range(256)) * 3,
    "Ada Lovelace (0a1b2c3d)/notes.txt": b"",
    "Grace Hopper (9f8e7d6c)/r\u00e9sum\u00e9.txt": b"cobol\n" * 50,
}


async def test_an_archive_that_fits_is_classic_zip() -> None:
    raw = await _archive(_members(FILES))
    archive = _check(raw, FILES)
    assert ZIP64_END not in raw and ZIP64_LOCATOR not in raw
    assert all(info.extra == b"" for info in archive.infolist())
    assert all(info.extract_version == 20 for info in archive.infolist())
    # Each data descriptor is the classic 16 bytes: the entry ends 16 bytes before the next.
    first = archive.infolist()[1].header_offset
    local = len(b"Ada Lovelace (0a1b2c3d)/essay.pdf") + 30
    assert first == local + len(FILES["Ada Lovelace (0a1b2c3d)/essay.pdf"]) + 16
    # The classic end record, 22 bytes, last: 3 entries.
    assert struct.unpack("<IHHHHIIH", raw[-22:])[3:5] == (3, 3)


async def test_entries_over_the_size_limit_are_zip64_with_8_byte_descriptors() -> None:
    limit = 500  # the essay (777 bytes) stands for a file over 4 GiB, the others fit
    raw = await _archive(_members(FILES), limit=limit)
    archive = _check(raw, FILES)
    essay, notes, resume = archive.infolist()
    # The essay's local header carries the ZIP64 field; its descriptor is 24 bytes.
    assert struct.unpack("<H", raw[4:6]) == (45,)
    name_length, extra_length = struct.unpack("<HH", raw[26:30])
    assert extra_length == 20 and raw[30 + name_length : 32 + name_length] == b"\x01\x00"
    assert notes.header_offset == 30 + name_length + 20 + len(FILES[essay.filename]) + 24
    # The empty notes fit: a classic local header and a 16-byte descriptor...
    at = notes.header_offset
    assert struct.unpack("<H", raw[at + 4 : at + 6]) == (20,)
    assert struct.unpack("<H", raw[at + 28 : at + 30]) == (0,)
    assert resume.header_offset == at + 30 + len(notes.filename.encode()) + 0 + 16
    # ...but they start past the limit: their offset is in a ZIP64 field of the directory.
    assert notes.header_offset > limit and notes.extract_version == 45
    assert ZIP64_END in raw  # the directory starts past the limit too


async def test_many_entries_get_the_zip64_end_records() -> None:
    files = {f"student-{n}/work.txt": f"work {n}\n".encode() for n in range(7)}
    raw = await _archive(_members(files), max_entries=5)
    _check(raw, files)
    assert ZIP64_END in raw and ZIP64_LOCATOR in raw
    # The classic end record says "see ZIP64"; the ZIP64 one holds the real count.
    assert struct.unpack("<IHHHHIIH", raw[-22:])[3:5] == (0xFFFF, 0xFFFF)
    zip64_end = raw.rindex(ZIP64_END)
    assert struct.unpack("<QQ", raw[zip64_end + 24 : zip64_end + 40]) == (7, 7)
    # Entries and offsets that fit stay classic.
    assert ZIP64_END not in raw[: raw.index(b"PK\x01\x02")]


async def test_everything_forced_into_zip64_still_reads() -> None:
    raw = await _archive(_members(FILES), limit=1, max_entries=1)
    archive = _check(raw, FILES)
    assert all(info.extract_version == 45 for info in archive.infolist())
    assert struct.unpack("<IHHHHIIH", raw[-22:])[5:7] == (0xFFFFFFFF, 0xFFFFFFFF)


async def test_entries_of_unknown_size_are_written_as_zip64() -> None:
    raw = await _archive(_members(FILES, declare=False))
    archive = _check(raw, FILES)
    assert all(info.extract_version == 45 for info in archive.infolist())
    assert ZIP64_END not in raw  # the archive itself fits


async def test_an_entry_larger_than_declared_past_the_limit_is_refused() -> None:
    data = b"x" * 100
    members = [ZipMember("liar.txt", WHEN, 10, _chunks(data))]
    with pytest.raises(ArchiveTooLarge):
        await _archive(members, limit=50)


async def test_an_empty_archive_is_classic() -> None:
    raw = await _archive([])
    assert zipfile.ZipFile(io.BytesIO(raw)).namelist() == [] and len(raw) == 22

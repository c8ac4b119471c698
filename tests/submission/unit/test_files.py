"""File names are sanitised; a file's type is what its first bytes say."""

from __future__ import annotations

import pytest

from lms.submission.domain.files import content_matches, extension_of, sanitise_filename


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\essay.pdf", "essay.pdf"),
        ("my essay (final).pdf", "my essay (final).pdf"),
        ("bad\x00name\r\n.txt", "badname.txt"),
        ("...", "file"),
        ("a;b|c.pdf", "a_b_c.pdf"),
        ("é" * 300 + ".pdf", "é" * 196 + ".pdf"),
    ],
)
def test_names_are_sanitised(raw: str, clean: str) -> None:
    assert sanitise_filename(raw) == clean


def test_extensions() -> None:
    assert extension_of("a.PDF") == "pdf"
    assert extension_of(".bashrc") == ""
    assert extension_of("noext") == ""


@pytest.mark.parametrize(
    ("extension", "head", "matches"),
    [
        ("pdf", b"%PDF-1.4 ...", True),
        ("pdf", b"PK\x03\x04 a zip", False),
        ("docx", b"PK\x03\x04", True),
        ("docx", b"%PDF-", False),
        ("png", b"\x89PNG\r\n\x1a\nrest", True),
        ("txt", "plain ünïcode".encode(), True),
        ("txt", b"bin\x00ary", False),
        ("txt", "cut at é".encode()[:-1], True),  # a character cut by the sniff window
        ("py", b"\xff\xfe\xfa", False),
        ("mp4", b"\x00\x00\x00\x18ftypmp42", True),
        ("xyz", b"anything", True),
        ("xyz", b"PK\x03\x04", False),  # an unknown extension may not hide a known type
    ],
)
def test_content_is_checked_against_the_extension(
    extension: str, head: bytes, matches: bool
) -> None:
    assert content_matches(extension, head) is matches

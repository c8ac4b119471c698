"""Folder names in an assignment's zip: a display name made safe as one path segment, a short
id beside it, the student id without a name, and never the same folder twice."""

from __future__ import annotations

import uuid

import pytest

from lms.submission.domain.folders import MAX_NAME_CHARS, ArchiveFolders, safe_segment

STUDENT = uuid.UUID("0a1b2c3d-0000-4000-8000-000000000001")


@pytest.mark.parametrize(
    ("display_name", "segment"),
    [
        ("Ada Lovelace", "Ada Lovelace"),
        ("../../etc/passwd", "etc-passwd"),
        ("..", ""),
        ("a..b", "a.b"),
        ("C:\\Users\\ada", "C-Users-ada"),
        ('what?*<>|"', "what"),
        ("tab\there\nnewline\x00nul\x7fdel", "tab here newlinenuldel"),
        ("\u202eevil\u200b", "evil"),  # bidi override and zero-width space: format characters
        ("  .hidden.  ", "hidden"),
        ("Zo\u0065\u0308 Ren\u00e9", "Zo\u00eb Ren\u00e9"),  # NFC
        ("\u674e\u5c0f\u9f99", "\u674e\u5c0f\u9f99"),
        ("", ""),
        ("///", ""),
    ],
)
def test_a_display_name_becomes_one_safe_segment(display_name: str, segment: str) -> None:
    assert safe_segment(display_name) == segment


def test_a_long_name_is_cut_without_a_trailing_space_or_dot() -> None:
    cut = safe_segment("A" * (MAX_NAME_CHARS - 1) + " . tail" + "B" * 100)
    assert cut == "A" * (MAX_NAME_CHARS - 1)
    assert len(safe_segment("\u00e9" * 500)) == MAX_NAME_CHARS


def test_the_folder_is_the_name_and_a_short_id_or_the_id_alone() -> None:
    folders = ArchiveFolders()
    assert folders.of_student(STUDENT, "Ada Lovelace") == "Ada Lovelace (0a1b2c3d)"
    other = uuid.uuid4()
    assert folders.of_student(other, None) == str(other)
    nameless = uuid.uuid4()
    assert folders.of_student(nameless, " ../ ") == str(nameless)  # nothing safe left


def test_folders_are_unique_in_an_archive() -> None:
    folders = ArchiveFolders()
    twin = uuid.UUID("0a1b2c3d-0000-4000-8000-000000000002")  # the same short id
    first = folders.of_student(STUDENT, "Ada Lovelace")
    second = folders.of_student(twin, "ada lovelace")  # equal once case is folded
    assert first == "Ada Lovelace (0a1b2c3d)" and second == f"ada lovelace ({twin})"
    submission = uuid.uuid4()
    hidden = {folders.anonymous(submission), folders.anonymous(submission)}
    assert hidden == {f"anonymous-{submission.hex[:10]}", f"anonymous-{submission.hex[:10]} 2"}

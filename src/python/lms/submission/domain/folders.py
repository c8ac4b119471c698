"""Folder names in an assignment's zip: ``<display name> (<short id>)`` when the student's name
is known, the student id when it is not, ``anonymous-<id>`` while grading is anonymous. A
display name is anyone's free text, so it is made safe as one path segment first."""

from __future__ import annotations

import re
import unicodedata
from uuid import UUID

MAX_NAME_CHARS = 64
SHORT_ID_CHARS = 8

# Separators, and what Windows refuses in a file name.
_UNSAFE = re.compile(r'[/\\:*?"<>|]+')
_SPACES = re.compile(r"\s+")
_DOTS = re.compile(r"\.{2,}")


def safe_segment(text: str) -> str:
    """``text`` as one folder name: no separators, control or format characters, no ``..``,
    no leading or trailing dots or spaces, at most ``MAX_NAME_CHARS``; "" if nothing is left."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", text))
    # Controls, format characters (bidi overrides), surrogates, unassigned: gone.
    text = "".join(c for c in text if not unicodedata.category(c).startswith("C"))
    text = _DOTS.sub(".", _UNSAFE.sub("-", text))
    return text.strip(" .-")[:MAX_NAME_CHARS].rstrip(" .-")


class ArchiveFolders:
    """Hands out one folder per submission, never the same twice in an archive (compared
    case-insensitively, as Windows and macOS unpack them)."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def of_student(self, student_id: UUID, display_name: str | None) -> str:
        name = safe_segment(display_name or "")
        if not name:
            return self._claim(str(student_id))
        folder = f"{name} ({student_id.hex[:SHORT_ID_CHARS]})"
        if folder.casefold() in self._taken:
            folder = f"{name} ({student_id})"
        return self._claim(folder)

    def anonymous(self, submission_id: UUID) -> str:
        return self._claim(f"anonymous-{submission_id.hex[:10]}")

    def _claim(self, folder: str) -> str:
        candidate, n = folder, 1
        while candidate.casefold() in self._taken:
            n += 1
            candidate = f"{folder} {n}"
        self._taken.add(candidate.casefold())
        return candidate

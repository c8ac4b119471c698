"""File names and types: what a client calls a file is kept only as sanitised metadata, and
what a file is comes from its first bytes (magic numbers), checked against its extension."""

from __future__ import annotations

import re
import unicodedata

MAX_FILENAME = 200
SNIFF_BYTES = 8192

# Extensions whose content starts with a known signature.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "zip": (b"PK\x03\x04", b"PK\x05\x06"),
    # Office Open XML and OpenDocument files are zip archives.
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",),
    "ods": (b"PK\x03\x04",),
    "odp": (b"PK\x03\x04",),
    "epub": (b"PK\x03\x04",),
    "gz": (b"\x1f\x8b",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "ppt": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "mp4": (),  # checked by _is_mp4
    "mp3": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"),
}
# Extensions that must be text: UTF-8 without NUL.
_TEXT = frozenset(
    "txt md csv tsv json xml html htm css js ts py java c h cpp hpp cs go rs rb php sql "
    "r m tex bib yaml yml ipynb sh kt swift scala".split()
)
_ALL_SIGNATURES = tuple({s for group in _SIGNATURES.values() for s in group})

CONTENT_TYPES = {
    "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
    "gif": "image/gif", "zip": "application/zip", "txt": "text/plain", "md": "text/markdown",
    "csv": "text/csv", "json": "application/json", "html": "text/html", "mp4": "video/mp4",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}  # fmt: skip
_UNSAFE = re.compile(r"[^\w.\- ()\[\]]+", re.UNICODE)


def sanitise_filename(raw: str) -> str:
    """A display name safe in a header, a zip and a file system: no path, no control or
    reserved characters, at most ``MAX_FILENAME`` characters; never empty."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        name = (
            (stem[: MAX_FILENAME - len(ext) - 1] + dot + ext)
            if dot and len(ext) < 12
            else name[:MAX_FILENAME]
        )
    return name or "file"


def extension_of(filename: str) -> str:
    stem, dot, ext = filename.rpartition(".")
    return ext.lower() if dot and stem else ""


def content_type_for(extension: str) -> str:
    return CONTENT_TYPES.get(extension, "application/octet-stream")


def _is_mp4(head: bytes) -> bool:
    return len(head) >= 12 and head[4:8] == b"ftyp"


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The sniffed prefix may cut a multi-byte character in two at its end.
        return error.start >= len(head) - 3 and error.reason == "unexpected end of data"
    return True


def content_matches(extension: str, head: bytes) -> bool:
    """Whether ``head`` (the first bytes) is what ``extension`` promises. An extension with no
    known signature passes unless the bytes are recognisably another known type."""
    if extension == "mp4":
        return _is_mp4(head)
    if extension in _SIGNATURES:
        return head.startswith(_SIGNATURES[extension])
    if extension in _TEXT:
        return _is_text(head)
    return not head.startswith(_ALL_SIGNATURES) and not _is_mp4(head)

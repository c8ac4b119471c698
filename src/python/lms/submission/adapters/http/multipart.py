"""A streaming ``multipart/form-data`` reader: parts one after another, a file part's body as
chunks straight from the request, never whole in memory. Only what the direct upload needs:
text fields first, then one file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

MAX_HEADER_BYTES = 16 * 1024
MAX_FIELD_BYTES = 4 * 1024


class MultipartError(ValueError):
    """The body is not the multipart/form-data it claims to be."""


@dataclass(frozen=True, slots=True)
class PartHeaders:
    name: str
    filename: str | None
    content_type: str | None


def boundary_of(content_type: str) -> bytes:
    media, _, params = content_type.partition(";")
    if media.strip().lower() != "multipart/form-data":
        raise MultipartError("not multipart/form-data")
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "boundary" and value:
            value = value.strip('"')
            if 1 <= len(value) <= 70:
                return value.encode("latin-1")
    raise MultipartError("multipart/form-data without a boundary")


def _disposition(value: str) -> tuple[str | None, str | None]:
    name = filename = None
    for item in value.split(";")[1:]:
        key, _, raw = item.strip().partition("=")
        raw = raw.strip()
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            raw = raw[1:-1].replace('\\"', '"')
        if key.lower() == "name":
            name = raw
        elif key.lower() == "filename":
            filename = raw
    return name, filename


class MultipartReader:
    def __init__(self, body: AsyncIterator[bytes], boundary: bytes) -> None:
        self._body = body.__aiter__()
        self._delimiter = b"\r\n--" + boundary
        self._buffer = bytearray(b"\r\n")  # so the first boundary looks like every other one
        self._eof = False
        self._in_part = False
        self._started = False
        self._finished = False

    async def _fill(self) -> bool:
        if self._eof:
            return False
        try:
            chunk = await self._body.__anext__()
        except StopAsyncIteration:
            self._eof = True
            return False
        self._buffer += chunk
        return True

    async def next_part(self) -> PartHeaders | None:
        """The next part's headers, or None after the closing boundary."""
        if self._finished:
            return None
        if self._in_part:
            async for _ in self.chunks():  # skip the rest of the current part
                pass
        elif not self._started:  # the preamble, up to the first delimiter
            self._started = True
            while (at := self._buffer.find(self._delimiter)) < 0:
                if len(self._buffer) > MAX_HEADER_BYTES or not await self._fill():
                    raise MultipartError("no multipart boundary")
            del self._buffer[: at + len(self._delimiter)]
        while len(self._buffer) < 2:
            if not await self._fill():
                raise MultipartError("the body ends inside a boundary")
        if self._buffer[:2] == b"--":
            self._finished = True
            return None
        while (end := self._buffer.find(b"\r\n\r\n")) < 0:
            if len(self._buffer) > MAX_HEADER_BYTES or not await self._fill():
                raise MultipartError("part headers are missing or too long")
        raw = bytes(self._buffer[:end]).decode("utf-8", "replace")
        del self._buffer[: end + 4]
        headers = {}
        for line in raw.split("\r\n")[1:]:  # the first is what followed the boundary
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        name, filename = _disposition(headers.get("content-disposition", ""))
        self._in_part = True
        # A part without a name is no field of ours; the caller skips it like any other.
        return PartHeaders(name or "", filename, headers.get("content-type"))

    async def chunks(self) -> AsyncIterator[bytes]:
        """The current part's body, chunk by chunk; ends at the next delimiter."""
        keep = len(self._delimiter) - 1
        while self._in_part:
            at = self._buffer.find(self._delimiter)
            if at >= 0:
                if at:
                    yield bytes(self._buffer[:at])
                del self._buffer[: at + len(self._delimiter)]
                self._in_part = False
                return
            if len(self._buffer) > keep:
                out = bytes(self._buffer[:-keep])
                del self._buffer[:-keep]
                yield out
            if not await self._fill():
                raise MultipartError("the body ends inside a part")

    async def text(self) -> str:
        value = bytearray()
        async for chunk in self.chunks():
            value += chunk
            if len(value) > MAX_FIELD_BYTES:
                raise MultipartError("a form field is too long")
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError as error:
            raise MultipartError("a form field is not UTF-8") from error

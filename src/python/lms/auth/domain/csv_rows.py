"""Account CSV files: the streaming parser that validates every row of an import, and the cell
rule that keeps spreadsheets from running what an export contains.

Import file: UTF-8 (a BOM is allowed), a header naming exactly the columns ``email``,
``display_name`` and ``roles`` (any order), one account per record, roles separated by ``;``
(blank: ``student``). Blank lines are ignored and are not rows.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from lms.auth.domain.model import MAX_DISPLAY_NAME, check_roles, normalize_email
from lms_platform.kernel.errors import DomainError, InvalidInput
from lms_platform.kernel.roles import Role

COLUMNS = ("email", "display_name", "roles")
ROLE_SEPARATOR = ";"
# A spreadsheet evaluates a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL = 1024  # longer cells are refused before any other check: nothing legitimate is this long


def looks_like_formula(cell: str) -> bool:
    return cell.startswith(FORMULA_PREFIXES)


def neutralize_cell(cell: str) -> str:
    """For exports: a leading ``'`` makes spreadsheets show the text instead of evaluating it."""
    return "'" + cell if looks_like_formula(cell) else cell


@dataclass(frozen=True, slots=True, kw_only=True)
class RowError:
    """``line`` is the physical line where the record starts (the header is line 1)."""

    line: int
    field: str | None
    code: str  # invalid | formula | duplicate | columns | refused
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountRow:
    line: int
    email: str
    display_name: str | None
    roles: tuple[str, ...]


class TooManyRows(InvalidInput):
    code = "too_many_rows"


class ImportTooLarge(DomainError):
    """The file is larger than the configured limit (HTTP 413)."""

    code = "import_too_large"


class _LineFeed:
    """The iterator ``csv.reader`` pulls from. It only ever holds whole records, so the reader
    is never left inside a quoted field when it runs dry, and can be resumed after more input."""

    def __init__(self) -> None:
        self.lines: deque[str] = deque()

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        if not self.lines:
            raise StopIteration
        return self.lines.popleft()


class AccountCsvParser:
    """Push decoded text in any pieces with ``feed``, then ``finish``. Valid rows collect in
    ``rows`` (the first row of an email wins), every problem in ``errors`` with its line."""

    def __init__(self, *, max_rows: int) -> None:
        self._max_rows = max_rows
        self._partial = ""  # text after the last newline seen
        self._record: list[str] = []  # physical lines of a record still inside quotes
        self._record_quotes = 0
        self._lines_seen = 0
        self._feed = _LineFeed()
        self._reader = csv.reader(self._feed, strict=True)
        self._columns: dict[str, int] | None = None
        self._first_line_by_email: dict[str, int] = {}
        self.total = 0
        self.rows: list[AccountRow] = []
        self.errors: list[RowError] = []

    def feed(self, text: str) -> None:
        pieces = (self._partial + text).split("\n")
        self._partial = pieces.pop()
        for piece in pieces:
            self._add_line(piece + "\n")
        self._drain()

    def finish(self) -> None:
        if self._partial:
            self._add_line(self._partial)
            self._partial = ""
        if self._record:  # an opening quote never closed: hand the rest over as one record
            self._feed.lines.extend(self._record)
            self._record = []
        self._drain()
        if self._columns is None:
            raise InvalidInput(
                "the file is empty: it needs a header row " + ",".join(COLUMNS), field="file"
            )
        if self.total == 0:
            raise InvalidInput("the file has a header but no rows", field="file")

    def _add_line(self, line: str) -> None:
        # An even count of quotes closes every quoted field ("" escapes count twice).
        self._record.append(line)
        self._record_quotes += line.count('"')
        if self._record_quotes % 2 == 0:
            self._feed.lines.extend(self._record)
            self._record = []
            self._record_quotes = 0

    def _drain(self) -> None:
        while self._feed.lines:
            start = self._lines_seen + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                self._lines_seen = self._reader.line_num
                raise InvalidInput(
                    f"line {start}: the file is not valid CSV ({exc})", field="file"
                ) from exc
            self._lines_seen = self._reader.line_num
            if not cells:
                continue  # a blank line
            if self._columns is None:
                self._columns = _header(cells)
                continue
            self.total += 1
            if self.total > self._max_rows:
                raise TooManyRows(
                    f"the file has more than {self._max_rows} rows; split it", field="file"
                )
            self._row(start, cells)

    def _row(self, line: int, cells: list[str]) -> None:
        assert self._columns is not None
        if len(cells) != len(self._columns):
            self.errors.append(
                RowError(
                    line=line,
                    field=None,
                    code="columns",
                    message=f"expected {len(self._columns)} fields, found {len(cells)}",
                )
            )
            return
        values = {name: cells[index] for name, index in self._columns.items()}
        row_errors = list(_check_cells(line, values))
        if row_errors:
            self.errors.extend(row_errors)
            return
        row = _to_row(line, values)
        if isinstance(row, RowError):
            self.errors.append(row)
            return
        first = self._first_line_by_email.get(row.email)
        if first is not None:
            self.errors.append(
                RowError(
                    line=line,
                    field="email",
                    code="duplicate",
                    message=f"duplicate of line {first}; the first row wins",
                )
            )
            return
        self._first_line_by_email[row.email] = line
        self.rows.append(row)


def _header(cells: list[str]) -> dict[str, int]:
    names = [cell.strip().lstrip("\ufeff").lower() for cell in cells]
    if len(set(names)) != len(names) or set(names) != set(COLUMNS):
        raise InvalidInput(
            "the first row must be the header "
            + ",".join(COLUMNS)
            + f" (any order, no other columns); found {','.join(names)[:200]}",
            field="header",
        )
    return {name: index for index, name in enumerate(names)}


def _check_cells(line: int, values: dict[str, str]) -> Iterator[RowError]:
    for name in COLUMNS:
        value = values[name]
        if len(value) > MAX_CELL:
            yield RowError(
                line=line, field=name, code="invalid", message=f"longer than {MAX_CELL} characters"
            )
        elif name != "roles" and looks_like_formula(value):
            # Refused, not rewritten: the value would be wrong either way, and the uploader
            # learns which line to fix.
            yield RowError(
                line=line,
                field=name,
                code="formula",
                message="starts with =, +, -, @, a tab or a carriage return (a spreadsheet formula)",
            )


def _to_row(line: int, values: dict[str, str]) -> AccountRow | RowError:
    try:
        email = normalize_email(values["email"])
    except InvalidInput as exc:
        return RowError(line=line, field="email", code="invalid", message=exc.detail)
    display_name = values["display_name"].strip() or None
    if display_name is not None and len(display_name) > MAX_DISPLAY_NAME:
        return RowError(
            line=line,
            field="display_name",
            code="invalid",
            message=f"at most {MAX_DISPLAY_NAME} characters",
        )
    names = tuple(r.strip() for r in values["roles"].split(ROLE_SEPARATOR) if r.strip())
    try:
        roles = check_roles(names or (Role.STUDENT,))
    except InvalidInput as exc:
        return RowError(line=line, field="roles", code="invalid", message=exc.detail)
    return AccountRow(line=line, email=email, display_name=display_name, roles=roles)

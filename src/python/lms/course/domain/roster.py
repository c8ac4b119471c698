"""The OneRoster 1.2 CSV binding: the manifest and each file's rows, validated one by one.

A row that breaks a rule becomes a ``RowError`` naming its file, line and field; a valid row
becomes a ``RosterRow`` with its fields normalised. References between files (a class's
course, an enrollment's user) are resolved later, when the rows are applied, because a delta
bundle may refer to records an earlier bundle brought.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from lms_platform.kernel.errors import InvalidInput


class FileMode(StrEnum):
    BULK = "bulk"
    DELTA = "delta"
    ABSENT = "absent"


# Applied in this order, so that a row's references were applied before it.
FILES = (
    "orgs.csv",
    "academicSessions.csv",
    "courses.csv",
    "classes.csv",
    "users.csv",
    "roles.csv",
    "enrollments.csv",
)
KIND = {
    "orgs.csv": "org",
    "academicSessions.csv": "academicSession",
    "courses.csv": "course",
    "classes.csv": "class",
    "users.csv": "user",
    "roles.csv": "role",
    "enrollments.csv": "enrollment",
}

SESSION_TYPES = frozenset({"gradingPeriod", "semester", "schoolYear", "term"})
ORG_TYPES = frozenset({"department", "school", "district", "local", "state", "national"})
CLASS_TYPES = frozenset({"homeroom", "scheduled"})
ROLE_TYPES = frozenset({"primary", "secondary"})
ROLES = frozenset(
    {
        "aide", "counselor", "districtAdministrator", "guardian", "parent", "principal",
        "proctor", "relative", "siteAdministrator", "student", "systemAdministrator", "teacher",
    }
)  # fmt: skip
ENROLLMENT_ROLES = frozenset(
    {"administrator", "proctor", "student", "teacher", "aide", "guardian", "parent", "relative"}
)

# Columns each file must have (OneRoster 1.2 CSV binding; more columns are allowed).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "orgs.csv": ("sourcedId", "status", "dateLastModified", "name", "type"),
    "academicSessions.csv": (
        "sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate",
    ),
    "courses.csv": (
        "sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title", "courseCode",
        "orgSourcedId",
    ),
    "classes.csv": (
        "sourcedId", "status", "dateLastModified", "title", "courseSourcedId", "classCode",
        "classType", "schoolSourcedId", "termSourcedIds",
    ),
    "users.csv": (
        "sourcedId", "status", "dateLastModified", "enabledUser", "username", "givenName",
        "familyName", "email", "agentSourcedIds",
    ),
    "roles.csv": (
        "sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role",
        "orgSourcedId",
    ),
    "enrollments.csv": (
        "sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId",
        "userSourcedId", "role",
    ),
}  # fmt: skip

MAX_FIELD_CHARS = 1_000


class RowErrorCode(StrEnum):
    REQUIRED = "required"
    INVALID = "invalid"
    TOO_LONG = "too_long"
    DUPLICATE = "duplicate"
    UNKNOWN_REFERENCE = "unknown_reference"
    NO_ACCOUNT = "no_account"
    UNSUPPORTED = "unsupported"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class RowError:
    file: str
    line: int
    field: str | None
    code: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RosterRow:
    file: str
    line: int
    sourced_id: str
    deleted: bool  # status=tobedeleted
    modified: datetime | None
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return KIND[self.file]

    @property
    def digest(self) -> str:
        """Equal for equal content, so a row imported twice changes nothing."""
        canonical = json.dumps([self.deleted, sorted(self.fields.items())], separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:32]


class _Bad(Exception):
    def __init__(self, field: str, code: RowErrorCode, message: str) -> None:
        super().__init__(message)
        self.field, self.code, self.message = field, code, message


def parse_manifest(lines: Iterable[str]) -> dict[str, FileMode]:
    """``manifest.csv``: propertyName,value. Returns each known file's mode."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None or [h.strip() for h in header[:2]] != ["propertyName", "value"]:
        raise InvalidInput("manifest.csv must start with propertyName,value", field="manifest.csv")
    properties = {row[0].strip(): row[1].strip() for row in reader if len(row) >= 2}
    if properties.get("oneroster.version") != "1.2":
        raise InvalidInput(
            "the bundle must be OneRoster 1.2 (oneroster.version)", field="manifest.csv"
        )
    modes: dict[str, FileMode] = {}
    for name in FILES:
        raw = properties.get(f"file.{name.removesuffix('.csv')}", "absent")
        try:
            modes[name] = FileMode(raw)
        except ValueError as exc:
            raise InvalidInput(
                f"file.{name.removesuffix('.csv')} must be bulk, delta or absent",
                field="manifest.csv",
            ) from exc
    return modes


class RosterFileParser:
    """Validates one file's rows as they are read; keeps the valid rows and the errors."""

    def __init__(self, name: str, mode: FileMode) -> None:
        self.name, self.mode = name, mode
        self.rows: list[RosterRow] = []
        self.errors: list[RowError] = []
        self.total = 0
        self._seen: set[str] = set()
        self._check = _CHECKS[name]

    def parse(self, lines: Iterable[str], *, max_rows: int) -> Iterator[None]:
        """A generator so that the caller can stop on its own limits between rows."""
        reader = csv.DictReader(lines)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED_COLUMNS[self.name] if c not in header]
        if missing:
            raise InvalidInput(
                f"{self.name} lacks the columns {', '.join(missing)}", field=self.name
            )
        reader.fieldnames = header
        for raw in reader:
            self.total += 1
            if self.total > max_rows:
                raise InvalidInput(
                    f"the bundle has more than {max_rows} rows; split it", field=self.name
                )
            self._row(reader.line_num, raw)
            yield

    def _row(self, line: int, raw: dict[str, str | None]) -> None:
        values = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        try:
            for name, value in values.items():
                if len(value) > MAX_FIELD_CHARS:
                    raise _Bad(
                        name, RowErrorCode.TOO_LONG, f"longer than {MAX_FIELD_CHARS} characters"
                    )
            sourced_id = _required(values, "sourcedId")
            status = values.get("status", "")
            if status not in ("", "active", "tobedeleted"):
                raise _Bad("status", RowErrorCode.INVALID, "status is active or tobedeleted")
            modified = _datetime(values, "dateLastModified", required=self.mode is FileMode.DELTA)
            if self.mode is FileMode.DELTA and not status:
                raise _Bad("status", RowErrorCode.REQUIRED, "a delta row needs a status")
            if sourced_id in self._seen:
                raise _Bad(
                    "sourcedId", RowErrorCode.DUPLICATE, "this sourcedId is already in the file"
                )
            deleted = status == "tobedeleted"
            fields = {} if deleted else self._check(values)
        except _Bad as bad:
            self.errors.append(RowError(self.name, line, bad.field, bad.code, bad.message))
            return
        self._seen.add(sourced_id)
        self.rows.append(
            RosterRow(file=self.name, line=line, sourced_id=sourced_id, deleted=deleted,
                      modified=modified, fields=fields)
        )  # fmt: skip


def _required(values: dict[str, str], name: str) -> str:
    value = values.get(name, "")
    if not value:
        raise _Bad(name, RowErrorCode.REQUIRED, f"{name} is required")
    return value


def _one_of(values: dict[str, str], name: str, allowed: frozenset[str]) -> str:
    value = _required(values, name)
    if value not in allowed:
        raise _Bad(
            name, RowErrorCode.INVALID, f"{name} must be one of {', '.join(sorted(allowed))}"
        )
    return value


def _date(values: dict[str, str], name: str, *, required: bool) -> str:
    value = values.get(name, "")
    if not value:
        if required:
            raise _Bad(name, RowErrorCode.REQUIRED, f"{name} is required")
        return ""
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise _Bad(name, RowErrorCode.INVALID, f"{name} is not a date (YYYY-MM-DD)") from exc


def _datetime(values: dict[str, str], name: str, *, required: bool) -> datetime | None:
    value = values.get(name, "")
    if not value:
        if required:
            raise _Bad(name, RowErrorCode.REQUIRED, f"{name} is required")
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _Bad(name, RowErrorCode.INVALID, f"{name} is not an ISO 8601 date-time") from exc
    if parsed.tzinfo is None:
        raise _Bad(name, RowErrorCode.INVALID, f"{name} needs a time zone (for example Z)")
    return parsed


def _bool(values: dict[str, str], name: str, default: str) -> str:
    value = values.get(name, "") or default
    if value.lower() not in ("true", "false"):
        raise _Bad(name, RowErrorCode.INVALID, f"{name} is true or false")
    return value.lower()


def _org(values: dict[str, str]) -> dict[str, str]:
    return {"name": _required(values, "name"), "type": _one_of(values, "type", ORG_TYPES)}


def _session(values: dict[str, str]) -> dict[str, str]:
    start = _date(values, "startDate", required=True)
    end = _date(values, "endDate", required=True)
    if end < start:
        raise _Bad("endDate", RowErrorCode.INVALID, "endDate is before startDate")
    return {
        "title": _required(values, "title"),
        "type": _one_of(values, "type", SESSION_TYPES),
        "startDate": start,
        "endDate": end,
    }


def _course(values: dict[str, str]) -> dict[str, str]:
    return {
        "title": _required(values, "title"),
        "courseCode": values.get("courseCode", ""),
        "schoolYearSourcedId": values.get("schoolYearSourcedId", ""),
        "orgSourcedId": _required(values, "orgSourcedId"),
    }


def _class(values: dict[str, str]) -> dict[str, str]:
    terms = [t.strip() for t in _required(values, "termSourcedIds").split(",") if t.strip()]
    return {
        "title": _required(values, "title"),
        "courseSourcedId": _required(values, "courseSourcedId"),
        "classCode": values.get("classCode", ""),
        "classType": _one_of(values, "classType", CLASS_TYPES),
        "schoolSourcedId": _required(values, "schoolSourcedId"),
        "termSourcedIds": ",".join(terms),
    }


def _user(values: dict[str, str]) -> dict[str, str]:
    email = _required(values, "email").lower()
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise _Bad("email", RowErrorCode.INVALID, "email is not an address")
    agents = [a.strip() for a in values.get("agentSourcedIds", "").split(",") if a.strip()]
    return {
        "username": _required(values, "username"),
        "givenName": _required(values, "givenName"),
        "familyName": _required(values, "familyName"),
        "email": email,
        "enabledUser": _bool(values, "enabledUser", "true"),
        "agentSourcedIds": ",".join(agents),
    }


def _role(values: dict[str, str]) -> dict[str, str]:
    return {
        "userSourcedId": _required(values, "userSourcedId"),
        "roleType": _one_of(values, "roleType", ROLE_TYPES),
        "role": _one_of(values, "role", ROLES),
        "orgSourcedId": _required(values, "orgSourcedId"),
    }


def _enrollment(values: dict[str, str]) -> dict[str, str]:
    return {
        "classSourcedId": _required(values, "classSourcedId"),
        "schoolSourcedId": _required(values, "schoolSourcedId"),
        "userSourcedId": _required(values, "userSourcedId"),
        "role": _one_of(values, "role", ENROLLMENT_ROLES),
        "primary": _bool(values, "primary", "false"),
        "beginDate": _date(values, "beginDate", required=False),
        "endDate": _date(values, "endDate", required=False),
    }


_CHECKS: dict[str, Callable[[dict[str, str]], dict[str, str]]] = {
    "orgs.csv": _org,
    "academicSessions.csv": _session,
    "courses.csv": _course,
    "classes.csv": _class,
    "users.csv": _user,
    "roles.csv": _role,
    "enrollments.csv": _enrollment,
}

# How an enrollment's OneRoster role becomes a section role (documented in docs/services/course.md).
SECTION_ROLE = {
    "student": "student",
    "teacher": "instructor",
    "aide": "teaching_assistant",
    "proctor": "teaching_assistant",
    "guardian": "observer",
    "parent": "observer",
    "relative": "observer",
}

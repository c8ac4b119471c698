"""CSV import on fakes: the streaming parser, the upload and the batch worker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from lms.auth.application.imports import (
    GetImportJob,
    ImportLimits,
    RunImportBatch,
    StartAccountImport,
)
from lms.auth.domain.audit import AuditAction
from lms.auth.domain.csv_rows import (
    AccountCsvParser,
    ImportTooLarge,
    TooManyRows,
    neutralize_cell,
)
from lms.auth.domain.imports import ImportStatus
from lms_platform.kernel.errors import InvalidInput, NotFound, PermissionDenied
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role
from tests.auth.unit.conftest import Auth

MIXED = (
    "email,display_name,roles\n"
    "ada@uni-a.edu,Ada,student\n"  # 2 good
    "not-an-email,Bad,student\n"  # 3 invalid email
    "bob@uni-a.edu,Bob,wizard\n"  # 4 unknown role
    '"cy@uni-a.edu","Cy, the ""third""",instructor;teaching_assistant\n'  # 5 good, quoted
    "ADA@uni-a.edu,Ada again,student\n"  # 6 duplicate of line 2
    'eve@uni-a.edu,=HYPERLINK("http://x"),student\n'  # 7 formula
    "\n"  # 8 blank, not a row
    'dan@uni-a.edu,"Dan\nMultiline",\n'  # 9-10 good, blank roles: student
    "fay@uni-a.edu,Fay\n"  # 11 wrong number of fields
)


def _parse(text: str, pieces: int = 7, max_rows: int = 100) -> AccountCsvParser:
    parser = AccountCsvParser(max_rows=max_rows)
    for start in range(0, len(text), pieces):  # arbitrary chunk boundaries
        parser.feed(text[start : start + pieces])
    parser.finish()
    return parser


def test_parser_reports_each_error_with_its_line() -> None:
    parser = _parse(MIXED)
    assert [(r.line, r.email, r.roles) for r in parser.rows] == [
        (2, "ada@uni-a.edu", ("student",)),
        (5, "cy@uni-a.edu", ("instructor", "teaching_assistant")),
        (9, "dan@uni-a.edu", ("student",)),
    ]
    assert parser.rows[1].display_name == 'Cy, the "third"'
    assert parser.rows[2].display_name == "Dan\nMultiline"
    assert [(e.line, e.field, e.code) for e in parser.errors] == [
        (3, "email", "invalid"),
        (4, "roles", "invalid"),
        (6, "email", "duplicate"),
        (7, "display_name", "formula"),
        (11, None, "columns"),
    ]
    assert "line 2" in parser.errors[2].message
    assert parser.total == 8


@pytest.mark.parametrize("pieces", [1, 2, 3, 64, 10_000])
def test_chunk_boundaries_do_not_change_the_result(pieces: int) -> None:
    parser = _parse(MIXED, pieces=pieces)
    assert (len(parser.rows), len(parser.errors), parser.total) == (3, 5, 8)


@pytest.mark.parametrize("cell", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_refused_on_import_and_neutralized_on_export(cell: str) -> None:
    parser = _parse(f'email,display_name,roles\nx@uni-a.edu,"{cell}",student\n')
    assert [e.code for e in parser.errors] == ["formula"]
    assert neutralize_cell(cell) == "'" + cell
    assert neutralize_cell("Ada") == "Ada"


def test_file_level_problems() -> None:
    with pytest.raises(InvalidInput, match="header"):
        _parse("ada@uni-a.edu,Ada,student\n")
    with pytest.raises(InvalidInput, match="header"):
        _parse("email,display_name,roles,password\n")
    with pytest.raises(InvalidInput, match="empty"):
        _parse("")
    with pytest.raises(InvalidInput, match="no rows"):
        _parse("roles,email,display_name\r\n")
    with pytest.raises(TooManyRows):
        _parse("email,display_name,roles\n" + "a@b.edu,A,student\n" * 4, max_rows=3)
    parser = _parse("\ufeffEmail,Display_Name,Roles\r\nada@uni-a.edu,Ada,student\r\n")
    assert [r.email for r in parser.rows] == ["ada@uni-a.edu"]


class _Signal:
    def __init__(self) -> None:
        self.calls = 0

    def job_queued(self) -> None:
        self.calls += 1


async def _body(data: bytes, chunk: int = 5) -> AsyncIterator[bytes]:
    for start in range(0, len(data), chunk):
        yield data[start : start + chunk]


def _start(auth: Auth, signal: _Signal, **limits: int) -> StartAccountImport:
    return StartAccountImport(
        auth.uow, auth.clock, auth.ids, auth.audit, ImportLimits(**limits), signal
    )


async def _run_all(auth: Auth) -> int:
    batches = 0
    while await RunImportBatch(auth.uow, auth.clock, auth.ids, auth.audit)():
        batches += 1
    return batches


async def test_import_counts_are_exact_and_idempotent_by_email(auth: Auth) -> None:
    college = await auth.college()
    await auth.account(college, "cy@uni-a.edu")  # exists already: skipped, not overwritten
    signal = _Signal()
    admin = auth.admin_of(college)
    audits = len(auth.uow.audit_log.table.committed)

    job = await _start(auth, signal)(admin, college.id, _body(MIXED.encode()), batch_size=2)

    assert (job.status, job.total, job.failed, job.valid_rows) == (ImportStatus.QUEUED, 8, 5, 3)
    assert signal.calls == 1
    assert await _run_all(auth) == 2  # 3 rows in batches of 2
    done = await GetImportJob(auth.uow)(admin, job.id)
    assert (done.status, done.created, done.skipped_existing, done.failed) == (
        ImportStatus.SUCCEEDED,
        2,
        1,
        5,
    )
    assert done.processed == done.total == 8
    assert [e.line for e in done.errors] == [3, 4, 6, 7, 11]
    created = await auth.uow.accounts.get_by_email(college.id, "dan@uni-a.edu")
    assert created is not None and created.password_hash is None
    registered = [e for e in auth.uow.account_events if e.event_type == "account.registered"]
    assert [e.payload()["email"] for e in registered[-2:]] == ["ada@uni-a.edu", "dan@uni-a.edu"]
    assert auth.uow.audit_log.actions()[audits:] == [
        AuditAction.BULK_IMPORT_STARTED,
        AuditAction.BULK_IMPORT_FINISHED,
    ]
    assert await auth.uow.imports.rows(job.id, 0, 100) == []  # rows are dropped when done

    again = await _start(auth, signal)(admin, college.id, _body(MIXED.encode()))
    await _run_all(auth)
    second = await GetImportJob(auth.uow)(admin, again.id)
    assert (second.created, second.skipped_existing) == (0, 3)


async def test_limits_refuse_the_file_and_store_nothing(auth: Auth) -> None:
    college = await auth.college()
    admin = auth.admin_of(college)
    rows = "email,display_name,roles\n" + "".join(f"u{n}@uni-a.edu,U,student\n" for n in range(5))
    commits = auth.uow.commits
    with pytest.raises(ImportTooLarge):
        await _start(auth, _Signal(), max_bytes=50)(admin, college.id, _body(rows.encode()))
    with pytest.raises(InvalidInput, match="more than 4 rows"):
        await _start(auth, _Signal(), max_rows=4)(admin, college.id, _body(rows.encode()))
    with pytest.raises(InvalidInput, match="UTF-8"):
        await _start(auth, _Signal())(admin, college.id, _body(b"email,display_name,roles\n\xff"))
    with pytest.raises(InvalidInput, match="batch_size"):
        await _start(auth, _Signal(), max_batch_size=10)(
            admin, college.id, _body(rows.encode()), batch_size=11
        )
    assert auth.uow.commits == commits
    assert auth.uow.imports.table.committed == {}


async def test_only_admins_import_and_only_super_admins_grant_super_admin(auth: Auth) -> None:
    college = await auth.college()
    other = await auth.college("uni-b")
    body = "email,display_name,roles\nroot@uni-a.edu,Root,super_admin\nok@uni-a.edu,Ok,student\n"
    admin = auth.admin_of(college)
    student = Principal("s", college.tenant_id, frozenset({Role.STUDENT}))
    with pytest.raises(PermissionDenied):
        await _start(auth, _Signal())(student, college.id, _body(body.encode()))
    with pytest.raises(NotFound):
        await _start(auth, _Signal())(admin, other.id, _body(body.encode()))

    job = await _start(auth, _Signal())(admin, college.id, _body(body.encode()))

    assert [(e.line, e.code) for e in job.errors] == [(2, "refused")]
    with pytest.raises(NotFound):
        await GetImportJob(auth.uow)(auth.admin_of(other), job.id)

"""CSV import and export over HTTP against the real service, its worker and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import msgspec
import pytest

from lms.auth.config import AuthSettings
from lms_platform.messaging import decode_envelope
from lms_platform.testing.kafka import consume_all
from tests.auth.integration.conftest import RunningAuthService

MAX_ROWS = 20
MAX_BYTES = 4096

GOOD_BAD_DUPLICATE_FORMULA = (
    "email,display_name,roles\r\n"
    "ada@uni-a.edu,Ada,student\r\n"  # 2 created
    "not-an-email,Nobody,student\r\n"  # 3 invalid email
    "bob@uni-a.edu,Bob,wizard\r\n"  # 4 unknown role
    "cy@uni-a.edu,Cy,instructor;teaching_assistant\r\n"  # 5 created
    "ADA@uni-a.edu,Ada twice,student\r\n"  # 6 duplicate of line 2
    'eve@uni-a.edu,"=HYPERLINK(""http://evil"",""x"")",student\r\n'  # 7 formula
    "old@uni-a.edu,Existing,student\r\n"  # 8 skipped: the account exists
    "dee@uni-a.edu,,\r\n"  # 9 created, default role
)


@pytest.fixture
def auth_settings(auth_settings: AuthSettings) -> AuthSettings:
    return msgspec.structs.replace(
        auth_settings,
        import_max_rows=MAX_ROWS,
        import_max_bytes=MAX_BYTES,
        import_batch_size=2,
        import_poll_seconds=0.2,
    )


async def _audit_count(service: RunningAuthService, action: str) -> int:
    return int(await service.scalar("SELECT count(*) FROM audit_log WHERE action = $1", action))


async def _upload(
    service: RunningAuthService, college_id: str, body: bytes, headers: dict[str, str], **kw: Any
) -> Any:
    return await service.client.post(
        f"/colleges/{college_id}/account-imports",
        content=body,
        headers={**headers, "Content-Type": "text/csv; charset=utf-8"},
        **kw,
    )


async def _finished(service: RunningAuthService, location: str, headers: dict[str, str]) -> Any:
    for _ in range(100):
        response = await service.client.get(location, headers=headers)
        assert response.status_code == 200, response.text
        if response.json()["status"] in ("succeeded", "failed"):
            return response.json()
        await asyncio.sleep(0.1)
    raise AssertionError(f"import job not finished: {response.json()}")


async def test_mixed_file_gives_exact_counts_and_line_numbers(
    auth_service: RunningAuthService, kafka_bootstrap: str
) -> None:
    college = await auth_service.create_college()
    await auth_service.create_account(college["id"], "old@uni-a.edu")
    await auth_service.create_account(college["id"], "admin@uni-a.edu", ("college_admin",))
    admin = await auth_service.tokens("uni-a", "admin@uni-a.edu")
    as_admin = {"Authorization": f"Bearer {admin['access_token']}"}
    accounts_before = await auth_service.scalar("SELECT count(*) FROM accounts")

    response = await _upload(
        auth_service, college["id"], GOOD_BAD_DUPLICATE_FORMULA.encode(), as_admin
    )

    assert response.status_code == 202, response.text
    queued = response.json()
    assert response.headers["location"] == f"/account-imports/{queued['id']}"
    assert (queued["total"], queued["failed"], queued["batch_size"]) == (8, 4, 2)
    job = await _finished(auth_service, response.headers["location"], as_admin)
    assert job["status"] == "succeeded"
    assert (job["created"], job["skipped_existing"], job["failed"], job["total"]) == (3, 1, 4, 8)
    assert (job["processed"], job["progress"]) == (8, 1.0)
    assert [(e["line"], e["field"], e["code"]) for e in job["errors"]] == [
        (3, "email", "invalid"),
        (4, "roles", "invalid"),
        (6, "email", "duplicate"),
        (7, "display_name", "formula"),
    ]
    assert await auth_service.scalar("SELECT count(*) FROM accounts") == accounts_before + 3
    assert (
        await auth_service.scalar(
            "SELECT count(*) FROM accounts WHERE email = ANY($1) AND password_hash IS NULL",
            ["ada@uni-a.edu", "cy@uni-a.edu", "dee@uni-a.edu"],
        )
        == 3
    )
    assert await auth_service.scalar("SELECT roles FROM accounts WHERE email = 'cy@uni-a.edu'") == [
        "instructor",
        "teaching_assistant",
    ]
    topic = f"{auth_service.settings.kafka_topic_prefix}account"
    records = await consume_all(kafka_bootstrap, topic, expected=accounts_before + 3, timeout=20)
    registered = [decode_envelope(r.value) for r in records]
    imported = sorted(
        msgspec.json.decode(e.data)["email"]
        for e in registered
        if e.type == "account.registered" and e.tenant == college["id"]
    )
    assert imported == [
        "ada@uni-a.edu",
        "admin@uni-a.edu",
        "cy@uni-a.edu",
        "dee@uni-a.edu",
        "old@uni-a.edu",
    ]
    assert await auth_service.scalar("SELECT count(*) FROM import_job_rows") == 0
    assert await _audit_count(auth_service, "bulk.import_started") == 1
    assert await _audit_count(auth_service, "bulk.import_finished") == 1
    # An imported account has no password yet: login fails like a wrong password.
    assert (await auth_service.login("uni-a", "ada@uni-a.edu", "")).status_code in (400, 401)

    again = await _upload(
        auth_service, college["id"], GOOD_BAD_DUPLICATE_FORMULA.encode(), as_admin
    )
    repeat = await _finished(auth_service, again.headers["location"], as_admin)
    assert (repeat["created"], repeat["skipped_existing"], repeat["failed"]) == (0, 4, 4)


async def test_files_over_the_limits_are_refused_and_import_nothing(
    auth_service: RunningAuthService,
) -> None:
    college = await auth_service.create_college()
    before = await auth_service.scalar("SELECT count(*) FROM accounts")
    header = "email,display_name,roles\n"
    too_many = header + "".join(f"u{n}@uni-a.edu,U,student\n" for n in range(MAX_ROWS + 1))
    too_big = header + "".join(f"user{n:05d}@uni-a.edu,{'x' * 60},student\n" for n in range(60))
    assert len(too_many.encode()) < MAX_BYTES < len(too_big.encode())

    rows = await _upload(auth_service, college["id"], too_many.encode(), auth_service.root)
    assert rows.status_code == 422, rows.text
    assert rows.headers["content-type"].startswith("application/problem+json")
    assert rows.json()["code"] == "too_many_rows"
    assert f"more than {MAX_ROWS} rows" in rows.json()["detail"]

    size = await _upload(auth_service, college["id"], too_big.encode(), auth_service.root)
    assert size.status_code == 413, size.text
    assert str(MAX_BYTES) in size.json()["detail"]

    async def chunked() -> Any:  # no Content-Length: the limit is counted while reading
        for start in range(0, len(too_big), 1000):
            yield too_big[start : start + 1000].encode()

    streamed = await _upload(auth_service, college["id"], b"", auth_service.root)
    assert streamed.status_code == 422  # an empty body has no header
    streamed = await auth_service.client.post(
        f"/colleges/{college['id']}/account-imports",
        content=chunked(),
        headers={**auth_service.root, "Content-Type": "text/csv"},
    )
    assert streamed.status_code == 413, streamed.text

    no_header = await _upload(
        auth_service, college["id"], b"a@b.edu,A,student\n", auth_service.root
    )
    assert no_header.status_code == 422
    wrong_type = await auth_service.client.post(
        f"/colleges/{college['id']}/account-imports",
        content=header.encode(),
        headers={**auth_service.root, "Content-Type": "application/json"},
    )
    assert wrong_type.status_code == 415
    await asyncio.sleep(0.3)  # a worker would have had time to import anything stored
    assert await auth_service.scalar("SELECT count(*) FROM accounts") == before
    assert await auth_service.scalar("SELECT count(*) FROM import_jobs") == 0
    assert await _audit_count(auth_service, "bulk.import_started") == 0


async def test_import_routes_check_role_and_college(auth_service: RunningAuthService) -> None:
    uni_a = await auth_service.create_college("uni-a")
    uni_b = await auth_service.create_college("uni-b")
    await auth_service.create_account(uni_a["id"], "admin@uni-a.edu", ("college_admin",))
    await auth_service.create_account(uni_a["id"], "stu@uni-a.edu")
    admin = await auth_service.tokens("uni-a", "admin@uni-a.edu")
    student = await auth_service.tokens("uni-a", "stu@uni-a.edu")
    as_admin = {"Authorization": f"Bearer {admin['access_token']}"}
    as_student = {"Authorization": f"Bearer {student['access_token']}"}
    body = b"email,display_name,roles\nnew@uni.edu,New,student\n"

    assert (await _upload(auth_service, uni_a["id"], body, {})).status_code == 401
    assert (await _upload(auth_service, uni_a["id"], body, as_student)).status_code == 403
    assert (await _upload(auth_service, uni_b["id"], body, as_admin)).status_code == 404
    in_b = await _upload(auth_service, uni_b["id"], body, auth_service.root)
    assert in_b.status_code == 202
    job_b = in_b.headers["location"]
    assert (await auth_service.client.get(job_b, headers=as_admin)).status_code == 404
    assert (await auth_service.client.get(job_b, headers=as_student)).status_code == 404
    assert (await auth_service.client.get(job_b)).status_code == 401
    assert await _audit_count(auth_service, "bulk.import_started") == 1


async def test_export_neutralises_formulas(auth_service: RunningAuthService) -> None:
    college = await auth_service.create_college()
    for email, name in [
        ("ada@uni-a.edu", "=cmd|' /C calc'!A0"),
        ("bob@uni-a.edu", "+SUM(1,2)"),
        ("cy@uni-a.edu", "@import"),
        ("dee@uni-a.edu", '-1, "quoted"'),
        ("eve@uni-a.edu", "Eve Plain"),
    ]:
        account = await auth_service.create_account(college["id"], email)
        patched = await auth_service.client.patch(
            f"/accounts/{account['id']}", json={"display_name": name}, headers=auth_service.root
        )
        assert patched.status_code == 200, patched.text
    exports_before = await _audit_count(auth_service, "bulk.exported")

    response = await auth_service.client.get(
        f"/colleges/{college['id']}/accounts.csv", headers=auth_service.root
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="accounts-uni-a.csv"'
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["id", "email", "display_name", "roles", "status", "created_at"]
    names = {row[1]: row[2] for row in rows[1:]}
    assert names == {
        "ada@uni-a.edu": "'=cmd|' /C calc'!A0",
        "bob@uni-a.edu": "'+SUM(1,2)",
        "cy@uni-a.edu": "'@import",
        "dee@uni-a.edu": '\'-1, "quoted"',
        "eve@uni-a.edu": "Eve Plain",
    }
    assert response.text.splitlines()[1].startswith('"')  # every cell quoted
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert await _audit_count(auth_service, "bulk.exported") == exports_before + 1
    other = await auth_service.create_college("uni-b")
    await auth_service.create_account(college["id"], "admin@uni-a.edu", ("college_admin",))
    admin = await auth_service.tokens("uni-a", "admin@uni-a.edu")
    as_admin = {"Authorization": f"Bearer {admin['access_token']}"}
    cross = await auth_service.client.get(f"/colleges/{other['id']}/accounts.csv", headers=as_admin)
    assert cross.status_code == 404
    assert await _audit_count(auth_service, "bulk.exported") == exports_before + 1

"""Bad input is refused with its own status each time and leaves no object and no row behind:
rows (submissions, attempts, files, uploads, outbox) and S3 objects counted before and after."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.submission.integration.conftest import OTHER_COLLEGE, PDF, ZIP, World, sha256


async def _unchanged(world: World, before: dict[str, int | str]) -> None:
    after = await world.counts()
    assert after == before


async def test_over_the_size_limit_is_413_on_both_paths(world: World) -> None:
    assignment = await world.assignment(
        file_rules={"allowed_extensions": ["pdf"], "max_file_bytes": 1024}
    )
    before = await world.counts()
    slot = await world.slot(assignment, "big.pdf", PDF + b"x" * 2048)
    assert slot.status_code == 413 and slot.json()["code"] == "upload_too_large"
    direct = await world.direct(assignment, "big.pdf", PDF + b"x" * 4096)
    assert direct.status_code == 413, direct.text
    await _unchanged(world, before)


async def test_the_direct_path_stops_mid_stream(world: World) -> None:
    # Service limit 2 MiB (conftest): 3 MiB is cut off once the limit is passed, never stored.
    assignment = await world.assignment()
    before = await world.counts()

    async def body() -> AsyncIterator[bytes]:
        boundary = b"XyZ"
        yield b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'
        yield PDF
        for _ in range(48):
            yield b"x" * (64 * 1024)
        yield b"\r\n--" + boundary + b"--\r\n"

    response = await world.client.post(
        f"/submissions/direct?assignment_id={assignment}", content=body(),
        headers={**world.as_student(), "Content-Type": "multipart/form-data; boundary=XyZ"},
    )  # fmt: skip
    assert response.status_code == 413, response.text
    await _unchanged(world, before)


@pytest.mark.parametrize("filename", ["essay.exe", "essay.docx"])
async def test_a_disallowed_extension_is_415(world: World, filename: str) -> None:
    assignment = await world.assignment()  # pdf and txt only
    before = await world.counts()
    slot = await world.slot(assignment, filename, PDF)
    assert slot.status_code == 415 and slot.json()["code"] == "unsupported_file_type"
    direct = await world.direct(assignment, filename, PDF)
    assert direct.status_code == 415
    await _unchanged(world, before)


async def test_a_pdf_that_is_really_a_zip_is_415_and_deleted(world: World) -> None:
    assignment = await world.assignment()
    before = await world.counts()
    slot = (await world.slot(assignment, "essay.pdf", ZIP)).json()
    await world.put_to_storage(slot, ZIP)
    assert len(world.bucket.keys()) == 1  # in storage until the confirmation looks at it
    refused = await world.confirm(slot["upload"]["id"])
    assert refused.status_code == 415 and refused.json()["code"] == "unsupported_file_type"
    direct = await world.direct(assignment, "essay.pdf", ZIP)
    assert direct.status_code == 415
    await _unchanged(world, before)


async def test_a_checksum_mismatch_is_422_and_deleted(world: World) -> None:
    assignment = await world.assignment()
    before = await world.counts()
    other = PDF.replace(b"0123", b"3210", 1)
    slot = (await world.slot(assignment, "essay.pdf", PDF, declared_sha=sha256(other))).json()
    await world.put_to_storage(slot, PDF)
    refused = await world.confirm(slot["upload"]["id"])
    assert refused.status_code == 422 and refused.json()["code"] == "checksum_mismatch"
    direct = await world.direct(assignment, "essay.pdf", PDF, sha=sha256(other))
    assert direct.status_code == 422
    await _unchanged(world, before)


async def test_after_lock_at_is_403_with_the_reason(world: World) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    assignment = await world.assignment(
        due_at=(past - timedelta(days=1)).isoformat(), lock_at=past.isoformat()
    )
    before = await world.counts()
    text = await world.client.post(
        "/submissions",
        json={"assignment_id": str(assignment), "kind": "text", "text": "x"},
        headers=world.as_student(),
    )
    assert text.status_code == 403 and text.json()["code"] == "submission_closed"
    assert "lock" in text.json()["detail"]
    slot = await world.slot(assignment, "a.pdf", PDF)
    assert slot.status_code == 403
    direct = await world.direct(assignment, "a.pdf", PDF)
    assert direct.status_code == 403
    await _unchanged(world, before)


async def test_a_student_extension_reopens_the_window(world: World) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    later = datetime.now(UTC) + timedelta(days=1)
    override = {
        "id": "00000000-0000-0000-0000-000000000001",
        "target": "student",
        "target_id": str(world.student),
        "dates": {"due_at": later.isoformat(), "lock_at": later.isoformat()},
        "updated_at": past.isoformat(),
    }
    assignment = await world.assignment(
        due_at=past.isoformat(), lock_at=past.isoformat(), overrides=[override]
    )
    mine = await world.client.post(
        "/submissions",
        json={"assignment_id": str(assignment), "kind": "text", "text": "x"},
        headers=world.as_student(),
    )
    assert mine.status_code == 201 and mine.json()["late"] is False
    theirs = await world.client.post(
        "/submissions", json={"assignment_id": str(assignment), "kind": "text", "text": "x"},
        headers=world.as_student(world.classmate),
    )  # fmt: skip
    assert theirs.status_code == 403


async def test_over_the_attempt_limit_is_409(world: World) -> None:
    assignment = await world.assignment(allowed_attempts=1)
    body = {"assignment_id": str(assignment), "kind": "text", "text": "x"}
    assert (
        await world.client.post("/submissions", json=body, headers=world.as_student())
    ).status_code == 201
    before = await world.counts()
    again = await world.client.post("/submissions", json=body, headers=world.as_student())
    assert again.status_code == 409 and again.json()["code"] == "attempt_limit_reached"
    direct = await world.direct(assignment, "a.pdf", PDF)
    assert direct.status_code == 409
    await _unchanged(world, before)


async def test_another_students_submission_and_file_are_404(world: World) -> None:
    assignment = await world.assignment()
    mine = (await world.presigned_submit(assignment, "a.pdf", PDF)).json()["submission"]
    file_id = mine["latest"]["files"][0]["id"]
    other = world.as_student(world.classmate)
    assert (await world.client.get(f"/submissions/{mine['id']}", headers=other)).status_code == 404
    download = await world.client.get(
        f"/submissions/{mine['id']}/files/{file_id}/download", headers=other
    )
    assert download.status_code == 404
    resubmit = await world.client.put(
        f"/submissions/{mine['id']}", json={"kind": "text", "text": "x"}, headers=other
    )
    assert resubmit.status_code == 404
    confirm = await world.confirm(mine["latest"]["files"][0]["id"], headers=other)
    assert confirm.status_code == 404


async def test_another_college_is_404(world: World) -> None:
    assignment = await world.assignment()
    mine = (await world.presigned_submit(assignment, "a.pdf", PDF)).json()["submission"]
    before = await world.counts()
    for headers in (
        world.as_admin(OTHER_COLLEGE),
        world.as_student(college=OTHER_COLLEGE),
        world.as_teacher(OTHER_COLLEGE),
    ):
        assert (
            await world.client.get(f"/submissions/{mine['id']}", headers=headers)
        ).status_code == 404
        graded = await world.client.post(
            f"/submissions/{mine['id']}/grade", json={"score": 1}, headers=headers
        )
        assert graded.status_code == 404
        slot = await world.slot(assignment, "b.pdf", PDF, headers=headers)
        assert slot.status_code == 404
        listed = await world.client.get(f"/submissions?assignment_id={assignment}", headers=headers)
        assert listed.status_code == 404
    await _unchanged(world, before)


@pytest.mark.parametrize(
    "body",
    [
        {"assignment_id": "not-a-uuid", "kind": "text", "text": "x"},
        {"assignment_id": "00000000-0000-0000-0000-000000000000", "kind": "essay"},
        {"kind": "text", "text": "x"},
        {
            "assignment_id": "00000000-0000-0000-0000-000000000000",
            "kind": "text",
            "text": "x",
            "extra": 1,
        },
        {"assignment_id": "00000000-0000-0000-0000-000000000000", "kind": "text", "text": 5},
    ],
)
async def test_malformed_bodies_are_400_and_write_nothing(
    world: World, body: dict[str, object]
) -> None:
    before = await world.counts()
    response = await world.client.post("/submissions", json=body, headers=world.as_student())
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    await _unchanged(world, before)


async def test_a_url_submission_must_be_http(world: World) -> None:
    assignment = await world.assignment()
    before = await world.counts()
    response = await world.client.post(
        "/submissions", json={"assignment_id": str(assignment), "kind": "url", "url": "javascript:alert(1)"},
        headers=world.as_student(),
    )  # fmt: skip
    assert response.status_code == 400  # the schema's pattern: ^https?://
    await _unchanged(world, before)


async def test_a_form_without_its_fields_is_refused(world: World) -> None:
    before = await world.counts()
    assignment = await world.assignment()
    no_form = await world.client.post(
        f"/submissions/direct?assignment_id={assignment}",
        content=b"x",
        headers={**world.as_student(), "Content-Type": "text/plain"},
    )
    assert no_form.status_code == 415
    broken = await world.client.post(
        f"/submissions/direct?assignment_id={assignment}", content=b"--B\r\nno headers end",
        headers={**world.as_student(), "Content-Type": "multipart/form-data; boundary=B"},
    )  # fmt: skip
    assert broken.status_code == 422
    await _unchanged(world, before)

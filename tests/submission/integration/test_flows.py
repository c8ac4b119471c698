"""Both upload paths end to end against real S3, PostgreSQL and Kafka, attempts and history,
late flags from the kernel's rule, grading, posting and anonymous grading."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.submission.integration.conftest import PDF, World, sha256


async def test_presign_put_confirm_and_download(world: World) -> None:
    assignment = await world.assignment()
    slot = await world.slot(assignment, "../My Essay.pdf", PDF)
    assert slot.status_code == 201, slot.text
    body = slot.json()
    assert body["url"] and body["parts"] == []
    assert body["upload"]["filename"] == "My Essay.pdf"  # sanitised; the key is the service's
    put = await world.put_to_storage(body, PDF)
    assert put.status_code == 200, put.text
    confirmed = await world.confirm(body["upload"]["id"])
    assert confirmed.status_code == 200, confirmed.text
    submission = confirmed.json()["submission"]
    assert submission["attempt"] == 1 and submission["state"] == "submitted"
    file = submission["latest"]["files"][0]
    assert file["sha256"] == sha256(PDF) and file["size"] == len(PDF)
    (key,) = world.bucket.keys()
    assert key.startswith(f"college-a/{assignment}/{world.student}/") and "Essay" not in key

    link = await world.client.get(
        f"/submissions/{submission['id']}/files/{file['id']}/download", headers=world.as_student()
    )
    assert link.status_code == 200, link.text
    async with httpx.AsyncClient() as plain:
        downloaded = await plain.get(link.json()["url"])
    assert downloaded.status_code == 200 and downloaded.content == PDF
    staff_link = await world.client.get(
        f"/submissions/{submission['id']}/files/{file['id']}/download", headers=world.as_ta()
    )
    assert staff_link.status_code == 200


async def test_a_large_file_gets_a_multipart_plan(world: World) -> None:
    assignment = await world.assignment()
    data = PDF + b"x" * (7 * 1024 * 1024)
    slot = await world.slot(assignment, "big.pdf", data)
    assert slot.status_code == 201, slot.text
    parts = slot.json()["parts"]
    assert [p["part_number"] for p in parts] == [1, 2] and slot.json()["url"] is None
    etags, offset = [], 0
    async with httpx.AsyncClient(timeout=30) as plain:
        for part in parts:
            put = await plain.put(part["url"], content=data[offset : offset + part["size"]])
            assert put.status_code == 200, put.text
            etags.append({"part_number": part["part_number"], "etag": put.headers["etag"]})
            offset += part["size"]
    confirmed = await world.confirm(slot.json()["upload"]["id"], parts=etags)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["submission"]["latest"]["files"][0]["size"] == len(data)


async def test_direct_multipart_upload_streams_into_storage(world: World) -> None:
    assignment = await world.assignment()
    response = await world.direct(
        assignment, "notes.txt", b"hello, world\n" * 1000, sha=sha256(b"hello, world\n" * 1000)
    )
    assert response.status_code == 201, response.text
    latest = response.json()["latest"]
    assert latest["files"][0]["filename"] == "notes.txt"
    assert len(world.bucket.keys()) == 1


async def test_a_retried_confirm_makes_one_attempt(world: World) -> None:
    assignment = await world.assignment()
    slot = (await world.slot(assignment, "a.pdf", PDF)).json()
    await world.put_to_storage(slot, PDF)
    first = await world.confirm(slot["upload"]["id"])
    again = await world.confirm(slot["upload"]["id"])
    assert first.status_code == again.status_code == 200
    assert first.json()["submission"]["id"] == again.json()["submission"]["id"]
    assert await world.service.scalar("SELECT count(*) FROM attempts") == 1
    assert await world.service.scalar("SELECT count(*) FROM submitted_files") == 1


async def test_resubmission_keeps_the_history(world: World) -> None:
    assignment = await world.assignment(allowed_attempts=3)
    first = await world.client.post(
        "/submissions",
        json={"assignment_id": str(assignment), "kind": "text", "text": "v1"},
        headers=world.as_student(),
    )
    assert first.status_code == 201, first.text
    second = await world.client.put(
        f"/submissions/{first.json()['id']}", json={"kind": "url", "url": "https://example.edu/v2"},
        headers=world.as_student(),
    )  # fmt: skip
    assert second.status_code == 200, second.text
    read = await world.client.get(
        f"/submissions/{first.json()['id']}?include=history", headers=world.as_student()
    )
    history = read.json()["history"]
    assert [(a["attempt"], a["kind"]) for a in history] == [(1, "text"), (2, "url")]
    assert history[0]["text"] == "v1"


async def test_late_flags_come_from_the_kernel_rule(world: World) -> None:
    due = datetime.now(UTC) - timedelta(hours=2, minutes=1)
    assignment = await world.assignment(due_at=due.isoformat(), points_possible=10.0)
    await world.late_policy(
        late_deduction_enabled=True, late_deduction_percent=10, late_interval="hour"
    )
    submitted = await world.client.post(
        "/submissions",
        json={"assignment_id": str(assignment), "kind": "text", "text": "late"},
        headers=world.as_student(),
    )
    assert submitted.status_code == 201, submitted.text
    body = submitted.json()
    assert body["late"] is True and 2 * 3600 + 60 <= body["seconds_late"] < 2 * 3600 + 120
    graded = await world.client.post(
        f"/submissions/{body['id']}/grade", json={"score": 10}, headers=world.as_ta()
    )
    assert graded.status_code == 200, graded.text
    # Three started hours late at 10% of 10 points each.
    assert graded.json()["points_deducted"] == 3.0 and graded.json()["score"] == 7.0
    assert graded.json()["grade"] == "7"
    on_time = await world.client.post(
        f"/submissions/{body['id']}/grade", json={"late_status": "none"}, headers=world.as_ta()
    )
    assert on_time.json()["score"] == 10.0 and on_time.json()["late"] is False


async def test_manual_posting_hides_the_grade_until_posted(world: World) -> None:
    assignment = await world.assignment(grade_posting="manual", grading_type="letter_grade")
    submitted = (await world.client.post(
        "/submissions", json={"assignment_id": str(assignment), "kind": "text", "text": "x"}, headers=world.as_student()
    )).json()  # fmt: skip
    graded = await world.client.post(
        f"/submissions/{submitted['id']}/grade",
        json={"score": 9.5, "comment": "Good"},
        headers=world.as_teacher(),
    )
    assert graded.json()["grade"] == "A" and graded.json()["posted_at"] is None
    before = (
        await world.client.get(
            f"/submissions/{submitted['id']}?include=comments", headers=world.as_student()
        )
    ).json()
    assert before["score"] is None and before["grade"] is None and before["comments"] is None
    assert before["state"] == "submitted"
    posted = await world.client.post(
        f"/assignments/{assignment}/grades/post", headers=world.as_teacher()
    )
    assert posted.status_code == 200 and posted.json() == {"posted": 1}
    after = (
        await world.client.get(
            f"/submissions/{submitted['id']}?include=comments", headers=world.as_student()
        )
    ).json()
    assert after["score"] == 9.5 and after["grade"] == "A" and after["state"] == "returned"
    assert [c["comment"] for c in after["comments"]] == ["Good"]


async def test_anonymous_grading_hides_the_student_from_graders(world: World) -> None:
    assignment = await world.assignment(anonymous_grading=True, grade_posting="manual")
    submitted = (await world.client.post(
        "/submissions", json={"assignment_id": str(assignment), "kind": "text", "text": "x"}, headers=world.as_student()
    )).json()  # fmt: skip
    listed = await world.client.get(
        f"/submissions?assignment_id={assignment}", headers=world.as_ta()
    )
    assert listed.status_code == 200
    (item,) = listed.json()["items"]
    assert item["student_id"] is None and item["anonymous_id"]
    assert str(world.student) not in listed.text
    await world.client.post(
        f"/submissions/{submitted['id']}/grade", json={"score": 5}, headers=world.as_ta()
    )
    await world.client.post(f"/assignments/{assignment}/grades/post", headers=world.as_teacher())
    named = (
        await world.client.get(f"/submissions/{submitted['id']}", headers=world.as_ta())
    ).json()
    assert named["student_id"] == str(world.student)


async def test_lists_filter_and_students_see_their_own(world: World) -> None:
    assignment = await world.assignment()
    for who in (world.student, world.classmate):
        r = await world.client.post(
            "/submissions", json={"assignment_id": str(assignment), "kind": "text", "text": "t"},
            headers=world.as_student(who),
        )  # fmt: skip
        assert r.status_code == 201
    staff = (
        await world.client.get(
            f"/submissions?assignment_id={assignment}", headers=world.as_teacher()
        )
    ).json()
    assert staff["total"] == 2
    mine = (
        await world.client.get(
            f"/submissions?assignment_id={assignment}", headers=world.as_student()
        )
    ).json()
    assert [i["student_id"] for i in mine["items"]] == [str(world.student)]
    late = (
        await world.client.get(
            f"/submissions?assignment_id={assignment}&late=true", headers=world.as_teacher()
        )
    ).json()
    assert late["total"] == 0
    paged = (
        await world.client.get(
            f"/submissions?assignment_id={assignment}&limit=1", headers=world.as_teacher()
        )
    ).json()
    assert len(paged["items"]) == 1 and paged["has_more"] is True


async def test_staff_download_every_submission_as_one_zip(world: World) -> None:
    import io
    import zipfile

    assignment = await world.assignment(anonymous_grading=False)
    await world.presigned_submit(assignment, "essay.pdf", PDF)
    await world.direct(
        assignment, "notes.txt", b"classmate\n", headers=world.as_student(world.classmate)
    )
    response = await world.client.get(
        f"/assignments/{assignment}/submissions.zip", headers=world.as_teacher()
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/zip")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == sorted(
        [f"{world.student}/essay.pdf", f"{world.classmate}/notes.txt"]
    )
    assert archive.read(f"{world.student}/essay.pdf") == PDF
    denied = await world.client.get(
        f"/assignments/{assignment}/submissions.zip", headers=world.as_student()
    )
    assert denied.status_code == 404


async def test_the_zip_is_anonymous_while_grading_is(world: World) -> None:
    import io
    import zipfile

    assignment = await world.assignment(anonymous_grading=True, grade_posting="manual")
    await world.presigned_submit(assignment, "essay.pdf", PDF)
    response = await world.client.get(
        f"/assignments/{assignment}/submissions.zip", headers=world.as_ta()
    )
    (name,) = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert name.startswith("anonymous-") and str(world.student) not in name

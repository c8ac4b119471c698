"""``notification import-auth-templates``: auth's retired email-template versions, exported as
JSON lines (docs/services/notification.md), become this service's email templates."""

from __future__ import annotations

import io
import json
import uuid

import pytest

from lms.notification.adapters.commands import import_auth_templates
from tests.notification.integration.events import RunningNotification
from tests.notification.permissions import default_permissions

ADMIN = ("college_admin",)

# Made by PostgreSQL's row_to_json from the column types of auth's email_templates, as the
# documented export does.
COLLEGE = str(uuid.uuid4())  # auth's college id, the tenant id in tokens and events
ROW_SQL = """
SELECT row_to_json(t)::text FROM (
    SELECT $1::uuid AS id, $2::uuid AS college_id, $3::varchar(32) AS kind, $4::int AS version,
           $5::text AS subject, $6::text AS text_body, $7::text AS html_body,
           now() AS created_at, $8::uuid AS created_by
) t
"""


async def _row(
    service: RunningNotification, kind: str, version: int, subject: str, text: str
) -> tuple[str, str]:
    row_id = str(uuid.uuid4())
    line = await service.scalar(
        ROW_SQL, uuid.UUID(row_id), uuid.UUID(COLLEGE), kind, version, subject, text,
        f"<p>{text}</p>", uuid.uuid4(),
    )  # fmt: skip
    return row_id, line


async def _run(
    service: RunningNotification, lines: list[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[list[dict[str, object]], int]:
    out = io.StringIO()
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    monkeypatch.setattr("sys.stdout", out)
    code = 0
    try:
        await import_auth_templates(service.runtime)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    # The service's own log lines may share stdout (the Kafka consumers of the running test
    # service); the command's lines are the JSON objects with a status.
    lines_out = [line for line in out.getvalue().splitlines() if line.startswith('{"id":')]
    return [json.loads(line) for line in lines_out], code


async def test_auth_versions_are_carried_over_in_order_once_and_bad_ones_are_reported(
    notification_service: RunningNotification, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = notification_service
    admin = service.bearer("admin", COLLEGE, roles=ADMIN, permissions=default_permissions(ADMIN))
    path = "/templates/password_reset/email"
    mine = {"subject": "here first", "text_body": "{{ reset_url }}", "html_body": ""}
    assert (await service.client.put(path, json=mine, headers=admin)).status_code == 201

    v2 = await _row(service, "password_reset", 2, "v2 {{ college_name }}", "{{ reset_url }} 2")
    v1 = await _row(service, "password_reset", 1, "v1 {{ college_name }}", "{{ reset_url }} 1")
    # auth's welcome offered college_name; this service's welcome does not.
    welcome = await _row(service, "welcome", 1, "Welcome to {{ college_name }}", "{{ login_url }}")
    lines = [v2[1], welcome[1], v1[1]]

    outcomes, code = await _run(service, lines, monkeypatch)
    by_id = {o["id"]: o for o in outcomes}
    assert code == 1  # a refused row fails the run, so it is not missed
    assert (by_id[v1[0]]["status"], by_id[v1[0]]["version"]) == ("copied", 2)
    assert (by_id[v2[0]]["status"], by_id[v2[0]]["version"]) == ("copied", 3)
    assert by_id[welcome[0]]["status"] == "refused"
    assert "college_name" in str(by_id[welcome[0]]["reason"])

    versions = (await service.client.get(f"{path}/versions", headers=admin)).json()["items"]
    assert [(v["version"], v["subject"]) for v in versions] == [
        (3, "v2 {{ college_name }}"),
        (2, "v1 {{ college_name }}"),
        (1, "here first"),
    ]
    # The source id: a second run finds it.
    assert await service.scalar("SELECT id::text FROM templates WHERE version = 3") == v2[0]
    preview = await service.client.post(f"{path}/preview", json={}, headers=admin)
    assert preview.json()["subject"] == "v2 Example University"

    again, _ = await _run(service, lines, monkeypatch)
    assert sorted(str(o["status"]) for o in again) == [
        "already copied",
        "already copied",
        "refused",
    ]
    assert await service.scalar("SELECT count(*) FROM templates") == 3


async def test_a_line_that_does_not_decode_stops_the_import_before_it_writes(
    notification_service: RunningNotification, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, good = await _row(notification_service, "invitation", 1, "Hi", "{{ invitation_url }}")
    monkeypatch.setattr("sys.stdin", io.StringIO(good + "\n" + '{"id": "x"}\n'))
    with pytest.raises(SystemExit, match="line 2"):
        await import_auth_templates(notification_service.runtime)
    assert await notification_service.scalar("SELECT count(*) FROM templates") == 0

"""Email templates over HTTP: defaults, immutable versions, preview, errors with the line."""

from __future__ import annotations

from tests.auth.integration.conftest import RunningAuthService

TEMPLATE = {
    "subject": "Reset for {{ college_name }}",
    "text_body": "Hello {{ display_name }}\nGo to {{ reset_url }}",
    "html_body": '<p>Hello {{ display_name }}</p>\n<a href="{{ reset_url }}">reset</a>',
}


async def test_versions_preview_and_errors(auth_service: RunningAuthService) -> None:
    college = await auth_service.create_college("uni-a")
    path = f"/colleges/{college['id']}/email-templates/password_reset"
    client, root = auth_service.client, auth_service.root

    default = await client.get(path, headers=root)
    assert default.status_code == 200
    assert (default.json()["version"], default.json()["is_default"]) == (0, True)
    assert "reset_url" in default.json()["variables"]

    first = await client.put(path, json=TEMPLATE, headers=root)
    second = await client.put(
        path, json={**TEMPLATE, "subject": "v2 {{ college_name }}"}, headers=root
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert (first.json()["version"], second.json()["version"]) == (1, 2)
    versions = await client.get(path + "/versions", headers=root)
    assert [v["version"] for v in versions.json()["items"]] == [2, 1]
    assert versions.json()["items"][1]["subject"] == TEMPLATE["subject"]
    assert (await client.get(path, headers=root)).json()["version"] == 2
    assert (
        await auth_service.scalar(
            "SELECT count(*) FROM audit_log WHERE action = 'email_template.changed'"
        )
        == 2
    )

    preview = await client.post(path + "/preview", json={"version": 1}, headers=root)
    assert preview.status_code == 200, preview.text
    assert preview.json()["subject"] == "Reset for Example University"
    assert "https://lms.example/reset-password?token=sample-token" in preview.json()["html_body"]

    broken = await client.put(
        path, json={**TEMPLATE, "html_body": "<p>\n{{ reset_url }}\n{% if %}"}, headers=root
    )
    assert broken.status_code == 400
    assert broken.json()["code"] == "invalid_template"
    assert broken.json()["extra"] == {"part": "html_body", "line": 3}
    unknown = await client.post(
        path + "/preview", json={**TEMPLATE, "text_body": "x\n{{ password }}"}, headers=root
    )
    assert unknown.status_code == 400 and unknown.json()["extra"]["line"] == 2
    assert (await client.get(path, headers=root)).json()["version"] == 2

    # Versions are immutable in the database too.
    refused = await auth_service.scalar(
        "SELECT count(*) FROM pg_trigger WHERE tgname = 'email_templates_immutable'"
    )
    assert refused == 1
    missing = await client.get(
        f"/colleges/{college['id']}/email-templates/newsletter", headers=root
    )
    assert missing.status_code == 404

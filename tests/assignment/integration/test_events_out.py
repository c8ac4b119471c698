"""Every change others must hear about leaves through the outbox: read back with a plain
aiokafka consumer, the envelope checked field by field, one event per change."""

from __future__ import annotations

import uuid

import msgspec
import pytest

from lms_platform.messaging import topic_name
from lms_platform.testing.kafka import consume_all
from tests.assignment.integration.conftest import COLLEGE, AssignmentApi
from tests.assignment.integration.events import decoded

pytestmark = pytest.mark.with_relay


async def test_assignment_changes_reach_a_plain_consumer(api: AssignmentApi) -> None:
    created = await api.create(
        status="draft", due_at="2026-10-08T23:59:00Z", lock_at="2026-10-10T23:59:00Z"
    )
    path = f"/assignments/{created['id']}"
    instructor = api.as_("instructor")
    assert (
        await api.client.patch(path, json={"status": "published"}, headers=instructor)
    ).is_success
    assert (
        await api.client.patch(path, json={"points_possible": 20}, headers=instructor)
    ).is_success
    override = await api.client.post(
        f"{path}/overrides",
        json={"target": "student", "target_id": str(api.cast.users["student"]),
              "due_at": "2026-10-09T23:59:00Z"},
        headers=instructor,
    )  # fmt: skip
    assert override.status_code == 201, override.text
    policy = await api.client.put(
        f"/courses/{api.cast.course_id}/late-policy",
        json={"late_deduction_enabled": True, "late_deduction_percent": 5},
        headers=instructor,
    )
    assert policy.status_code == 200
    assert (await api.client.delete(path, headers=instructor)).status_code == 204

    settings = api.service.settings
    records = await consume_all(
        settings.kafka_bootstrap_servers,
        topic_name("assignment", settings.kafka_topic_prefix),
        expected=6,
        timeout=30,
        linger=1.0,
    )
    events = decoded(records)
    # One key per aggregate: the assignment's events in order; the course's policy apart.
    assert sorted(e.type for _, e in events if e.subject != created["id"]) == [
        "assignment.late_policy_changed"
    ]
    assert [e.type for _, e in events if e.subject == created["id"]] == [
        "assignment.created",
        "assignment.published",
        "assignment.updated",
        "assignment.override_changed",
        "assignment.deleted",
    ]
    for key, envelope in events:
        assert envelope.source == "assignment" and envelope.tenant == COLLEGE
        assert envelope.specversion == "1.0" and envelope.schemaversion == 1
        assert uuid.UUID(envelope.id) and envelope.time.tzinfo is not None
        assert key == envelope.subject
        assert envelope.traceparent
    by_assignment = [e for _, e in events if e.type != "assignment.late_policy_changed"]
    assert {e.subject for e in by_assignment} == {created["id"]}
    snapshots = [msgspec.json.decode(e.data)["assignment"] for e in by_assignment]
    assert [s["version"] for s in snapshots] == [1, 2, 3, 4, 5]
    published = snapshots[1]
    assert published["status"] == "published" and published["course_id"] == str(api.cast.course_id)
    assert published["due_at"] == "2026-10-08T23:59:00+00:00"
    assert set(published) >= {
        "points_possible", "grading_type", "submission_types", "file_rules", "allowed_attempts",
        "section_ids", "overrides", "unlock_at", "lock_at", "title", "description", "locked",
    }  # fmt: skip
    assert snapshots[2]["points_possible"] == 20.0
    changed = msgspec.json.decode(by_assignment[3].data)
    assert changed["change"] == "created" and changed["override_id"] == override.json()["id"]
    assert changed["assignment"]["overrides"][0]["dates"] == {"due_at": "2026-10-09T23:59:00+00:00"}
    [late_policy] = [e for _, e in events if e.type == "assignment.late_policy_changed"]
    assert late_policy.subject == str(api.cast.course_id)
    assert msgspec.json.decode(late_policy.data)["late_policy"]["late_deduction_percent"] == 5.0
    assert snapshots[4]["deleted_at"] is not None
    # Published rows are gone from the outbox; nothing is left behind.
    assert await api.service.scalar("SELECT count(*) FROM outbox") == 0

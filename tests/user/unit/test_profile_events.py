"""The events the user service publishes: routing fields and payloads other services rely on."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from lms.user.domain.events import (
    USER_TOPIC,
    UserCreated,
    UserDeleted,
    UserUpdated,
    profile_snapshot,
    user_created,
    user_deleted,
    user_updated,
)
from tests.user.unit.fakes import T0, make_profile

PROFILE_ID = UUID("0b5c3f0e-6f0a-4f7e-9d61-3c1f2a9b7e11")


def test_every_user_event_goes_to_the_user_topic_with_its_type() -> None:
    assert USER_TOPIC == "user"
    assert (UserCreated.topic, UserCreated.event_type) == ("user", "user.created")
    assert (UserUpdated.topic, UserUpdated.event_type) == ("user", "user.updated")
    assert (UserDeleted.topic, UserDeleted.event_type) == ("user", "user.deleted")
    assert (
        UserCreated.schema_version == UserUpdated.schema_version == UserDeleted.schema_version == 1
    )


def test_snapshot_carries_the_public_profile_as_json_ready_values() -> None:
    profile = make_profile(
        id=PROFILE_ID,
        tenant_id="college-b",
        roles=("student", "teaching_assistant"),
        timezone="Asia/Kolkata",
        locale="hi",
        avatar_url="https://cdn.example.edu/a.png",
    )
    assert profile_snapshot(profile) == {
        "id": str(PROFILE_ID),
        "email": "ada@example.edu",
        "display_name": "Ada Lovelace",
        "avatar_url": "https://cdn.example.edu/a.png",
        "bio": None,
        "timezone": "Asia/Kolkata",
        "locale": "hi",
        "roles": ["student", "teaching_assistant"],
        "status": "active",
        "version": 1,
        "updated_at": T0.isoformat(),
    }


def test_user_created_is_keyed_by_profile_and_tenant() -> None:
    profile = make_profile(id=PROFILE_ID, tenant_id="college-b")
    event = user_created(profile)
    assert (event.aggregate_id, event.tenant_id) == (str(PROFILE_ID), "college-b")
    assert event.payload() == {"profile": profile_snapshot(profile)}


def test_user_updated_lists_changed_fields_sorted_with_the_new_state() -> None:
    profile = make_profile(id=PROFILE_ID)
    later = T0 + timedelta(hours=1)
    changed = profile.apply_changes({"timezone": "Europe/Paris", "display_name": "A. L."}, later)
    event = user_updated(profile, changed)
    assert (event.aggregate_id, event.tenant_id) == (str(PROFILE_ID), "college-a")
    payload = event.payload()
    assert payload["changed_fields"] == ["display_name", "timezone"]
    assert payload["profile"]["display_name"] == "A. L."
    assert payload["profile"]["version"] == 2
    assert payload["profile"]["updated_at"] == later.isoformat()


def test_user_deleted_carries_email_and_time_only() -> None:
    profile = make_profile(id=PROFILE_ID)
    later = T0 + timedelta(days=2)
    profile.delete(later)
    event = user_deleted(profile, later)
    assert (event.aggregate_id, event.tenant_id) == (str(PROFILE_ID), "college-a")
    assert event.payload() == {"email": "ada@example.edu", "deleted_at": later.isoformat()}


def test_payload_is_a_copy_not_a_view_of_the_event() -> None:
    event = user_created(make_profile(id=PROFILE_ID))
    event.payload()["profile"]["email"] = "changed@example.edu"
    assert event.payload()["profile"]["email"] == "ada@example.edu"

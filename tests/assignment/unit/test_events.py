"""Events carry the whole assignment (overrides and version included) as JSON-ready values."""

from __future__ import annotations

import uuid
from decimal import Decimal

import msgspec

from lms.assignment.domain.events import (
    AssignmentCreated,
    AssignmentOverrideChanged,
    assignment_event,
    late_policy_changed,
    override_changed,
)
from lms.assignment.domain.late_policies import CourseLatePolicy
from lms.assignment.domain.overrides import Override
from lms_platform.kernel.grading import LatePolicy, OverrideTarget
from tests.assignment.unit.builders import COURSE, SECTION_A, T0, assignment, day


def test_an_assignment_event_is_a_full_snapshot() -> None:
    existing = assignment(section_ids=(SECTION_A,))
    existing.add_override(
        Override.create(
            id=uuid.uuid4(),
            target=OverrideTarget.SECTION,
            target_id=SECTION_A,
            dates={"due_at": day(8), "lock_at": None},
            now=T0,
        ),
        T0,
    )
    event = assignment_event(AssignmentCreated, existing)
    data = msgspec.json.decode(msgspec.json.encode(event.payload()))
    snapshot = data["assignment"]
    assert event.event_type == "assignment.created" and event.topic == "assignment"
    assert event.aggregate_id == str(existing.id) and event.tenant_id == existing.tenant_id
    assert snapshot["version"] == 2 and snapshot["course_id"] == str(COURSE)
    assert snapshot["section_ids"] == [str(SECTION_A)]
    assert snapshot["points_possible"] == 10.0
    assert snapshot["due_at"] == day(7).isoformat()
    assert snapshot["file_rules"] == {
        "allowed_extensions": [],
        "max_file_bytes": None,
        "multiple_files": False,
    }
    assert snapshot["overrides"][0]["dates"] == {"due_at": day(8).isoformat(), "lock_at": None}
    assert snapshot["overrides"][0]["target"] == "section"
    assert "tenant_id" not in data and "aggregate_id" not in data


def test_an_override_change_names_the_override_and_the_change() -> None:
    existing = assignment()
    override_id = uuid.uuid4()
    event = override_changed(existing, override_id, "deleted")
    assert isinstance(event, AssignmentOverrideChanged)
    assert event.payload()["override_id"] == str(override_id)
    assert event.payload()["change"] == "deleted"
    assert event.payload()["changed_fields"] == ["overrides"]


def test_the_late_policy_event_is_keyed_by_the_course() -> None:
    policy = CourseLatePolicy.default("college-a", COURSE, T0)
    policy.change(
        LatePolicy(late_deduction_enabled=True, late_deduction_percent=Decimal("2.5")), "t", T0
    )
    event = late_policy_changed(policy)
    assert (
        event.aggregate_id == str(COURSE) and event.event_type == "assignment.late_policy_changed"
    )
    assert event.payload()["late_policy"]["late_deduction_percent"] == 2.5
    assert event.payload()["version"] == 1

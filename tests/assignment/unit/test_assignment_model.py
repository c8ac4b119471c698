"""The assignment aggregate's rules: dates in order, points, attempts, submission types and
file rules, status, overrides that fit, and a lock after the course is archived."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from lms.assignment.domain.assignments import (
    AssignmentStatus,
    FileRules,
    SubmissionType,
    content_with,
)
from lms.assignment.domain.errors import AssignmentLocked, DuplicateOverride, UnknownOverride
from lms.assignment.domain.overrides import Override
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.grading import AssignmentDates, OverrideTarget
from tests.assignment.unit.builders import SECTION_A, STUDENT, T0, assignment, content, day


def test_a_new_assignment_is_validated_and_versioned() -> None:
    created = assignment(publish=False, title="  Essay 1  ")
    assert created.content.title == "Essay 1"
    assert created.status is AssignmentStatus.DRAFT and created.published_at is None
    assert created.version == 1


@pytest.mark.parametrize(
    "dates",
    [
        AssignmentDates(due_at=day(9), lock_at=day(8)),  # due after lock
        AssignmentDates(unlock_at=day(3), due_at=day(2)),
        AssignmentDates(unlock_at=day(3), lock_at=day(2)),
    ],
)
def test_dates_out_of_order_are_refused(dates: AssignmentDates) -> None:
    with pytest.raises(InvalidInput):
        assignment(dates=dates)


def test_dates_are_kept_in_utc_and_bounded() -> None:
    plus_two = timezone(timedelta(hours=2))
    created = assignment(dates=AssignmentDates(due_at=datetime(2026, 10, 8, 12, tzinfo=plus_two)))
    due = created.content.dates.due_at
    assert due is not None and due.utcoffset() == timedelta(0) and due.hour == 10
    with pytest.raises(InvalidInput, match="1900 to 2999"):
        assignment(dates=AssignmentDates(due_at=datetime(1, 1, 1, tzinfo=plus_two)))


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "   "},
        {"title": "a\x00b"},
        {"description": "\x00"},
        {"title": "x" * 256},
        {"description": "x" * 65_537},
        {"points_possible": Decimal(-1)},
        {"points_possible": Decimal("100000.01")},
        {"points_possible": Decimal("1.005")},
        {"points_possible": Decimal("NaN")},
        {"allowed_attempts": 0},
        {"allowed_attempts": -2},
        {"allowed_attempts": 101},
        {"submission_types": ()},
        {"submission_types": (SubmissionType.NONE, SubmissionType.TEXT)},
        {"submission_types": (SubmissionType.TEXT,), "file_rules": FileRules(multiple_files=True)},
        {"file_rules": FileRules(allowed_extensions=("p d f",))},
        {"file_rules": FileRules(allowed_extensions=tuple(f"e{i}" for i in range(51)))},
        {"file_rules": FileRules(max_file_bytes=0)},
        {"section_ids": tuple(uuid.uuid4() for _ in range(101))},
    ],
)
def test_content_out_of_bounds_is_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        assignment(**fields)


def test_file_rules_and_lists_are_normalised() -> None:
    created = assignment(
        submission_types=(SubmissionType.TEXT, SubmissionType.FILE, SubmissionType.TEXT),
        file_rules=FileRules(allowed_extensions=(".PDF", "docx", "pdf"), max_file_bytes=1024),
        section_ids=(SECTION_A, SECTION_A),
        allowed_attempts=-1,
    )
    assert created.content.submission_types == (SubmissionType.FILE, SubmissionType.TEXT)
    assert created.content.file_rules.allowed_extensions == ("docx", "pdf")
    assert created.content.section_ids == (SECTION_A,)
    assert created.content.expects_submission
    assert not assignment(submission_types=(SubmissionType.NONE,)).content.expects_submission


def test_an_edit_reports_what_changed_and_bumps_the_version() -> None:
    existing = assignment()
    changed = existing.edit(
        content_with(existing.content, {"title": "Essay one", "due_at": day(8)}), T0
    )
    assert changed == ["due_at", "title"]
    assert existing.version == 2 and existing.content.dates.due_at == day(8)
    assert existing.edit(existing.content, T0) == []  # nothing changed: no new version
    assert existing.version == 2


def test_content_with_refuses_unknown_fields() -> None:
    with pytest.raises(InvalidInput, match="not assignment fields"):
        content_with(content(), {"tenant_id": "x"})


def test_publishing_sets_the_time_once() -> None:
    draft = assignment(publish=False)
    assert draft.change_status(AssignmentStatus.PUBLISHED, T0)
    assert draft.published_at == T0
    assert not draft.change_status(AssignmentStatus.PUBLISHED, day(1))
    assert draft.change_status(AssignmentStatus.DRAFT, day(1))
    assert draft.change_status(AssignmentStatus.PUBLISHED, day(2))
    assert draft.published_at == T0 and draft.version == 4


def _extension(due: datetime, lock: datetime | None = None) -> Override:
    dates = {"due_at": due} if lock is None else {"due_at": due, "lock_at": lock}
    return Override.create(
        id=uuid.uuid4(), target=OverrideTarget.STUDENT, target_id=STUDENT, dates=dates, now=T0
    )


def test_overrides_are_added_replaced_and_removed() -> None:
    existing = assignment()
    extension = _extension(day(8))
    existing.add_override(extension, T0)
    assert existing.version == 2
    replaced = existing.replace_override(extension.id, {"due_at": day(9), "lock_at": day(10)}, T0)
    assert replaced.dates == {"due_at": day(9), "lock_at": day(10)}
    assert existing.override(extension.id) == replaced and existing.version == 3
    existing.remove_override(extension.id, T0)
    assert existing.overrides == () and existing.version == 4
    with pytest.raises(UnknownOverride):
        existing.remove_override(extension.id, T0)


def test_an_override_must_fit_the_dates_it_inherits() -> None:
    existing = assignment()  # locks on day 9
    with pytest.raises(InvalidInput, match="override"):
        existing.add_override(_extension(day(10)), T0)
    existing.add_override(_extension(day(10), lock=day(11)), T0)
    with pytest.raises(InvalidInput):
        Override.create(
            id=uuid.uuid4(), target=OverrideTarget.SECTION, target_id=SECTION_A, dates={}, now=T0
        )


def test_one_override_per_target() -> None:
    existing = assignment()
    existing.add_override(_extension(day(8)), T0)
    with pytest.raises(DuplicateOverride):
        existing.add_override(_extension(day(8)), T0)


def test_an_edit_that_would_break_an_override_is_refused() -> None:
    existing = assignment()
    existing.add_override(_extension(day(8)), T0)  # inherits lock_at day 9
    with pytest.raises(InvalidInput):
        existing.edit(content_with(existing.content, {"lock_at": day(7)}), T0)
    assert existing.content.dates.lock_at == day(9)


def test_a_locked_assignment_refuses_every_change() -> None:
    existing = assignment()
    assert existing.lock(T0) and not existing.lock(T0)
    version = existing.version
    for attempt in (
        lambda: existing.edit(content_with(existing.content, {"title": "x"}), T0),
        lambda: existing.change_status(AssignmentStatus.DRAFT, T0),
        lambda: existing.delete(T0),
        lambda: existing.add_override(_extension(day(8)), T0),
    ):
        with pytest.raises(AssignmentLocked):
            attempt()
    assert existing.version == version


def test_a_deleted_assignment_is_not_locked_again() -> None:
    existing = assignment()
    existing.delete(T0)
    assert existing.is_deleted and not existing.lock(T0)

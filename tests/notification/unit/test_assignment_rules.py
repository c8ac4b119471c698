"""The copy of an assignment: a student's effective due date (their override, else their
sections', else the assignment's), the title fallback; a college's default channel sets."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from lms.notification.domain.assignments import AssignmentCopy, reminder_time, title_of
from lms.notification.domain.college_defaults import checked_defaults
from lms.notification.domain.kinds import Cadence, Channel, NotificationType
from lms.notification.domain.preferences import CriticalTypeRefused, Preferences
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.grading import DateOverride, OverrideTarget

DUE = datetime(2030, 1, 10, 23, 59, tzinfo=UTC)
SECTION_DUE = datetime(2030, 1, 11, 23, 59, tzinfo=UTC)
OWN_DUE = datetime(2030, 1, 12, 23, 59, tzinfo=UTC)
STUDENT, SECTION = str(uuid.uuid4()), str(uuid.uuid4())


def _copy(*overrides: DateOverride) -> AssignmentCopy:
    return AssignmentCopy(
        college_id="c", id="a", course_id="k", title="Essay", section_ids=(), published=True,
        deleted=False, due_at=DUE, overrides=overrides, version=1,
    )  # fmt: skip


def _override(target: OverrideTarget, target_id: str, due: datetime | None) -> DateOverride:
    return DateOverride(
        target=target, target_id=uuid.UUID(target_id), due_at=due, fields=frozenset({"due_at"})
    )


def test_the_students_own_override_wins_over_the_sections_and_the_assignments() -> None:
    section = _override(OverrideTarget.SECTION, SECTION, SECTION_DUE)
    own = _override(OverrideTarget.STUDENT, STUDENT, OWN_DUE)
    assert _copy().due_for(STUDENT, [SECTION]) == DUE
    assert _copy(section).due_for(STUDENT, [SECTION]) == SECTION_DUE
    assert _copy(section).due_for(STUDENT, []) == DUE  # not in that section
    assert _copy(section, own).due_for(STUDENT, [SECTION]) == OWN_DUE
    assert _copy(_override(OverrideTarget.STUDENT, STUDENT, None)).due_for(STUDENT, []) is None
    assert _copy(own).due_for("not-a-uuid", ["nor-this"]) == DUE
    assert reminder_time(DUE) == datetime(2030, 1, 9, 23, 59, tzinfo=UTC)


def test_an_unknown_assignment_is_your_assignment() -> None:
    assert title_of(None) == "your assignment"
    assert title_of(_copy()) == "Essay"


def test_college_defaults_set_the_channels_and_a_users_choice_still_wins() -> None:
    defaults = checked_defaults([(NotificationType.WELCOME, [Channel.IN_APP])])
    mine = Preferences(choices={(NotificationType.WELCOME, Channel.EMAIL): Cadence.DAILY})
    assert Preferences().under(defaults).cadence(NotificationType.WELCOME, Channel.EMAIL) is (
        Cadence.OFF
    )
    assert mine.under(defaults).cadence(NotificationType.WELCOME, Channel.EMAIL) is Cadence.DAILY
    assert Preferences().under(defaults).cadence(
        NotificationType.GRADE_POSTED, Channel.EMAIL
    ) is Cadence.IMMEDIATELY  # fmt: skip


def test_a_critical_type_keeps_its_email_and_a_type_comes_once() -> None:
    with pytest.raises(CriticalTypeRefused):
        checked_defaults([(NotificationType.INVITATION, [Channel.SMS])])
    with pytest.raises(CriticalTypeRefused):  # the inbox would keep the live link
        checked_defaults([(NotificationType.PASSWORD_RESET, [Channel.EMAIL, Channel.IN_APP])])
    with pytest.raises(InvalidInput):
        checked_defaults([(NotificationType.WELCOME, []), (NotificationType.WELCOME, [])])
    wider = checked_defaults([(NotificationType.PASSWORD_RESET, [Channel.EMAIL, Channel.SMS])])
    assert Preferences().under(wider).cadence(NotificationType.PASSWORD_RESET, Channel.SMS) is (
        Cadence.IMMEDIATELY
    )

"""Date checks shared by assignments and their overrides."""

from __future__ import annotations

from datetime import UTC, datetime

from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.grading import DATE_FIELDS, AssignmentDates

# Dates outside this range are refused: they are typos, and far ones overflow in UTC.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)


def check_date(value: datetime | None, name: str) -> datetime | None:
    """``value`` in UTC, or ``InvalidInput`` when it has no time zone or is out of range."""
    if value is None:
        return None
    if value.utcoffset() is None:
        raise InvalidInput(f"{name} needs a time zone", field=name)
    if not EARLIEST <= value < LATEST:
        raise InvalidInput(f"{name} must be in the years 1900 to 2999", field=name)
    return value.astimezone(UTC)


def check_dates(dates: AssignmentDates, *, where: str = "") -> AssignmentDates:
    """Each date checked, and ``unlock_at <= due_at <= lock_at``."""
    checked = AssignmentDates(**{n: check_date(getattr(dates, n), n) for n in DATE_FIELDS})
    checked.check_order(where=where)
    return checked

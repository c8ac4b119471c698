"""A user's wishes per type x channel, quiet hours, and what they mean for one message."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from lms.notification.domain.kinds import (
    DEFAULT_CHANNELS,
    Cadence,
    Channel,
    NotificationType,
    is_critical,
)
from lms_platform.kernel.errors import InvalidInput

# The local hour digests go out at; weekly digests go out on Mondays.
DIGEST_HOUR = 8
WEEKLY_DIGEST_WEEKDAY = 0


class CriticalTypeRefused(InvalidInput):
    """A critical type (credential mail) switched off or held for a digest."""

    code = "critical_notification_type"


@dataclass(frozen=True, slots=True)
class QuietHours:
    """``start`` to ``end`` in the user's local time; may cross midnight (22:00-07:00)."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise InvalidInput(
                "quiet hours must not start and end at the same time", field="quiet_hours"
            )

    def contains(self, local: time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def end_after(self, local: datetime) -> datetime:
        """The first moment at or after ``local`` (tz-aware) outside the quiet hours."""
        if not self.contains(local.time().replace(tzinfo=None)):
            return local
        candidate = local.replace(
            hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0
        )
        if candidate <= local:
            candidate += timedelta(days=1)
        return candidate


def validate_timezone(name: str) -> ZoneInfo:
    if name not in _zones():
        raise InvalidInput(f"unknown time zone {name!r}", field="timezone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - listed but unloadable
        raise InvalidInput(f"unknown time zone {name!r}", field="timezone") from exc


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


@dataclass(frozen=True, slots=True)
class Preferences:
    """One user's settings. ``choices`` holds only what the user chose; the rest follows the
    defaults (immediately on each type's default channels, the college's or else the
    platform's, off elsewhere). No ``timezone``:
    the profile's, else UTC."""

    timezone: str | None = None
    quiet_hours: QuietHours | None = None
    choices: Mapping[tuple[NotificationType, Channel], Cadence] = field(default_factory=dict)
    # The user's college's default channel sets (``college_defaults``), where it set one.
    college_defaults: Mapping[NotificationType, frozenset[Channel]] = field(default_factory=dict)

    def default_channels(self, kind: NotificationType) -> frozenset[Channel]:
        return self.college_defaults.get(kind, DEFAULT_CHANNELS[kind])

    def cadence(self, kind: NotificationType, channel: Channel) -> Cadence:
        if is_critical(kind):
            return Cadence.IMMEDIATELY if channel in self.default_channels(kind) else Cadence.OFF
        chosen = self.choices.get((kind, channel))
        if chosen is not None:
            return chosen
        return Cadence.IMMEDIATELY if channel in self.default_channels(kind) else Cadence.OFF

    def under(self, college_defaults: Mapping[NotificationType, frozenset[Channel]]) -> Preferences:
        return replace(self, college_defaults=college_defaults)

    def zone(self, profile_timezone: str | None = None) -> ZoneInfo:
        for name in (self.timezone, profile_timezone):
            if name and name in _zones():
                return ZoneInfo(name)
        return ZoneInfo("UTC")


def checked_choices(
    entries: Iterable[tuple[NotificationType, Channel, Cadence]],
) -> dict[tuple[NotificationType, Channel], Cadence]:
    """The user's new choices, refusing what a critical type cannot be."""
    choices: dict[tuple[NotificationType, Channel], Cadence] = {}
    for kind, channel, cadence in entries:
        if is_critical(kind) and cadence is not Cadence.IMMEDIATELY:
            raise CriticalTypeRefused(
                f"{kind.value} is a critical notification: it cannot be switched off or digested",
                field="preferences",
                extra={"type": kind.value, "channel": channel.value},
            )
        if (kind, channel) in choices:
            raise InvalidInput(
                f"{kind.value} x {channel.value} is given twice", field="preferences"
            )
        choices[(kind, channel)] = cadence
    return choices


def send_at(
    preferences: Preferences,
    kind: NotificationType,
    cadence: Cadence,
    now: datetime,
    profile_timezone: str | None = None,
) -> datetime:
    """When a message of ``cadence`` created ``now`` (UTC, aware) is due: at once, after the
    quiet hours, or at the next digest window in the user's local time."""
    if is_critical(kind):
        return now
    zone = preferences.zone(profile_timezone)
    local = now.astimezone(zone)
    if cadence is Cadence.IMMEDIATELY:
        if preferences.quiet_hours is None:
            return now
        return preferences.quiet_hours.end_after(local).astimezone(now.tzinfo)
    return next_digest_window(local, cadence).astimezone(now.tzinfo)


def next_digest_window(local: datetime, cadence: Cadence) -> datetime:
    """The next ``DIGEST_HOUR`` local (daily) or the next Monday's (weekly), after ``local``."""
    candidate = local.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if candidate <= local:
        candidate += timedelta(days=1)
    if cadence is Cadence.WEEKLY:
        while candidate.weekday() != WEEKLY_DIGEST_WEEKDAY:
            candidate += timedelta(days=1)
    elif cadence is not Cadence.DAILY:
        raise ValueError(f"{cadence} has no digest window")
    return candidate

"""Preference rules, quiet hours and digest windows, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from lms.notification.domain.kinds import Cadence, Channel, NotificationType
from lms.notification.domain.preferences import (
    CriticalTypeRefused,
    Preferences,
    QuietHours,
    checked_choices,
    next_digest_window,
    send_at,
    validate_timezone,
)
from lms_platform.kernel.errors import InvalidInput

T = NotificationType
PARIS = ZoneInfo("Europe/Paris")


def test_quiet_hours_across_midnight() -> None:
    night = QuietHours(time(22, 0), time(7, 0))
    assert night.contains(time(23, 30)) and night.contains(time(6, 59))
    assert not night.contains(time(7, 0)) and not night.contains(time(12, 0))
    late = datetime(2030, 1, 7, 23, 15, tzinfo=PARIS)
    assert night.end_after(late) == datetime(2030, 1, 8, 7, 0, tzinfo=PARIS)
    early = datetime(2030, 1, 8, 3, 0, tzinfo=PARIS)
    assert night.end_after(early) == datetime(2030, 1, 8, 7, 0, tzinfo=PARIS)
    noon = datetime(2030, 1, 8, 12, 0, tzinfo=PARIS)
    assert night.end_after(noon) == noon


def test_quiet_hours_within_a_day_and_of_no_length() -> None:
    lunch = QuietHours(time(12, 0), time(13, 0))
    assert lunch.contains(time(12, 30)) and not lunch.contains(time(13, 0))
    with pytest.raises(InvalidInput):
        QuietHours(time(9, 0), time(9, 0))


def test_a_critical_type_ignores_quiet_hours_and_digests() -> None:
    prefs = Preferences(quiet_hours=QuietHours(time(0, 0), time(23, 59)))
    now = datetime(2030, 1, 7, 12, 0, tzinfo=UTC)
    assert send_at(prefs, T.PASSWORD_RESET, Cadence.IMMEDIATELY, now) == now
    assert prefs.cadence(T.PASSWORD_RESET, Channel.EMAIL) is Cadence.IMMEDIATELY


def test_quiet_hours_delay_in_the_users_zone() -> None:
    prefs = Preferences(timezone="Europe/Paris", quiet_hours=QuietHours(time(22, 0), time(7, 30)))
    now = datetime(2030, 1, 7, 22, 0, tzinfo=UTC)  # 23:00 in Paris
    assert send_at(prefs, T.GRADE_POSTED, Cadence.IMMEDIATELY, now) == datetime(
        2030, 1, 8, 6, 30, tzinfo=UTC
    )


def test_the_profile_zone_applies_when_the_user_chose_none() -> None:
    prefs = Preferences(quiet_hours=QuietHours(time(22, 0), time(7, 0)))
    now = datetime(2030, 1, 7, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo
    due = send_at(prefs, T.GRADE_POSTED, Cadence.IMMEDIATELY, now, "Asia/Tokyo")
    assert due == datetime(2030, 1, 7, 22, 0, tzinfo=UTC)  # 07:00 in Tokyo


def test_digest_windows_daily_weekly_and_across_a_clock_change() -> None:
    monday_9 = datetime(2030, 1, 7, 9, 0, tzinfo=PARIS)
    assert next_digest_window(monday_9, Cadence.DAILY) == datetime(2030, 1, 8, 8, 0, tzinfo=PARIS)
    assert next_digest_window(monday_9, Cadence.WEEKLY) == datetime(2030, 1, 14, 8, 0, tzinfo=PARIS)
    before_dst = datetime(2030, 3, 30, 12, 0, tzinfo=PARIS)  # clocks go forward that night
    window = next_digest_window(before_dst, Cadence.DAILY)
    assert window.hour == 8 and window.utcoffset().total_seconds() == 7200  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="no digest window"):
        next_digest_window(monday_9, Cadence.OFF)


def test_choices_refuse_critical_off_or_digest_and_duplicates() -> None:
    assert checked_choices([(T.WELCOME, Channel.EMAIL, Cadence.OFF)]) == {
        (T.WELCOME, Channel.EMAIL): Cadence.OFF
    }
    for cadence in (Cadence.OFF, Cadence.DAILY, Cadence.WEEKLY):
        with pytest.raises(CriticalTypeRefused) as refused:
            checked_choices([(T.INVITATION, Channel.EMAIL, cadence)])
        assert refused.value.extra == {
            "type": "invitation",
            "channel": "email",
            "field": "preferences",
        }
    with pytest.raises(InvalidInput):
        checked_choices(
            [(T.WELCOME, Channel.SMS, Cadence.OFF), (T.WELCOME, Channel.SMS, Cadence.DAILY)]
        )


def test_defaults_are_the_types_channels() -> None:
    prefs = Preferences()
    assert prefs.cadence(T.CHAT_MENTION, Channel.PUSH) is Cadence.IMMEDIATELY
    assert prefs.cadence(T.CHAT_MENTION, Channel.EMAIL) is Cadence.OFF
    chosen = Preferences(choices={(T.CHAT_MENTION, Channel.EMAIL): Cadence.WEEKLY})
    assert chosen.cadence(T.CHAT_MENTION, Channel.EMAIL) is Cadence.WEEKLY


def test_time_zones_are_checked() -> None:
    assert validate_timezone("America/Sao_Paulo").key == "America/Sao_Paulo"
    with pytest.raises(InvalidInput):
        validate_timezone("Mars/Olympus")

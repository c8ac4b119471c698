"""A college's default channel set per notification type, instead of the platform's
(``kinds.DEFAULT_CHANNELS``). A user's own choices still win over it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lms.notification.domain.kinds import DEFAULT_CHANNELS, Channel, NotificationType, is_critical
from lms.notification.domain.preferences import CriticalTypeRefused
from lms_platform.kernel.errors import InvalidInput

# Credential mail carries its link by email: a college cannot take that channel away.
CRITICAL_CHANNEL = Channel.EMAIL

ChannelDefaults = Mapping[NotificationType, frozenset[Channel]]


def channels_for(defaults: ChannelDefaults, kind: NotificationType) -> frozenset[Channel]:
    return defaults.get(kind, DEFAULT_CHANNELS[kind])


def checked_defaults(
    entries: Iterable[tuple[NotificationType, Iterable[Channel]]],
) -> dict[NotificationType, frozenset[Channel]]:
    """A college's new defaults, refusing a critical type without its email or in the inbox
    (which would keep its live link and publish it), and a type given twice."""
    defaults: dict[NotificationType, frozenset[Channel]] = {}
    for kind, channels in entries:
        chosen = frozenset(channels)
        if kind in defaults:
            raise InvalidInput(f"{kind.value} is given twice", field="defaults")
        if is_critical(kind) and CRITICAL_CHANNEL not in chosen:
            raise CriticalTypeRefused(
                f"{kind.value} is a critical notification: its {CRITICAL_CHANNEL.value} channel "
                "cannot be switched off",
                field="defaults",
                extra={"type": kind.value, "channel": CRITICAL_CHANNEL.value},
            )
        if is_critical(kind) and Channel.IN_APP in chosen:
            raise CriticalTypeRefused(
                f"{kind.value} carries a one-time link: it cannot go to the inbox, which keeps "
                "it and publishes it",
                field="defaults",
                extra={"type": kind.value, "channel": Channel.IN_APP.value},
            )
        defaults[kind] = chosen
    return defaults

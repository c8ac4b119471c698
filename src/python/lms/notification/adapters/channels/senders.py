"""The channel providers of this process, and fail-over from one provider to the next."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lms.notification.application.ports import (
    ChannelSender,
    DeliveryUnavailable,
    OutgoingMessage,
)
from lms.notification.domain.kinds import Channel


class FailoverSender:
    """Tries each provider in turn while they answer "unavailable"; a refusal is final."""

    def __init__(self, providers: Sequence[ChannelSender]) -> None:
        if not providers:
            raise ValueError("a fail-over sender needs at least one provider")
        self._providers = list(providers)

    async def send(self, message: OutgoingMessage) -> str:
        errors: list[str] = []
        for provider in self._providers:
            try:
                return await provider.send(message)
            except DeliveryUnavailable as exc:
                errors.append(str(exc))
        raise DeliveryUnavailable("; ".join(errors))


class ConfiguredSenders:
    def __init__(self, senders: Mapping[Channel, ChannelSender]) -> None:
        self._senders = dict(senders)

    def for_channel(self, channel: Channel) -> ChannelSender | None:
        return self._senders.get(channel)

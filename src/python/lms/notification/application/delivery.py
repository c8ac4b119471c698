"""The delivery worker's step: claim what is due, render it, hand it to its channel, and
record the outcome. A failure is retried with backoff and jitter over a bounded window; a
bounce is final. Digest deliveries of one user and window go out as one message."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from lms.notification.application.ports import (
    ChannelSender,
    ChannelSenders,
    DeliveryMetrics,
    DeliveryRefused,
    DeliveryUnavailable,
    DeliveryUnitOfWork,
    DueDelivery,
    OutgoingMessage,
    PushTarget,
    RetrySchedule,
    TemplateRenderer,
)
from lms.notification.application.templates import current_template
from lms.notification.domain.deliveries import (
    Delivery,
    DeliveryState,
    Notification,
    give_up_time,
)
from lms.notification.domain.events import NotificationFailed, NotificationSent
from lms.notification.domain.kinds import Cadence, Channel, NotificationType, is_critical
from lms.notification.domain.templates import (
    DIGEST_TEMPLATE,
    TEMPLATE_VARIABLES,
    InvalidTemplate,
    TemplateContent,
)
from lms_platform.kernel.ports import Clock, IdGenerator


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryPolicy:
    batch_size: int = 50
    retry_window: timedelta = timedelta(hours=1)
    concurrency: int = 8  # messages in flight to the providers at once


@dataclass(frozen=True, slots=True)
class _Job:
    group: list[DueDelivery]
    sender: ChannelSender
    message: OutgoingMessage


class DeliverDueNotifications:
    """One step of the worker: True when it claimed anything."""

    def __init__(
        self,
        uow: DeliveryUnitOfWork,
        clock: Clock,
        ids: IdGenerator,
        renderer: TemplateRenderer,
        senders: ChannelSenders,
        retries: RetrySchedule,
        policy: DeliveryPolicy,
        metrics: DeliveryMetrics,
    ) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids
        self._renderer, self._senders, self._retries = renderer, senders, retries
        self._policy, self._metrics = policy, metrics
        self._templates: dict[tuple[str, NotificationType, Channel], TemplateContent] = {}

    async def __call__(self) -> bool:
        now = self._clock.now()
        claimed = await self._uow.notifications.claim_due(now, self._policy.batch_size)
        if not claimed:
            return False
        digests: dict[tuple[str, str, Channel, Cadence], list[DueDelivery]] = defaultdict(list)
        jobs: list[_Job | None] = []
        for due in claimed:
            delivery = due.delivery
            if delivery.cadence in (Cadence.DAILY, Cadence.WEEKLY):
                key = (delivery.college_id, delivery.account_id, delivery.channel, delivery.cadence)
                digests[key].append(due)
            else:
                jobs.append(await self._deliver_one(due))
        for group in digests.values():
            jobs.append(await self._deliver_digest(group))
        ready = [job for job in jobs if job is not None]
        # The network part runs concurrently; the session is used by one coroutine at a time.
        limit = asyncio.Semaphore(self._policy.concurrency)

        async def attempt(job: _Job) -> str | Exception:
            async with limit:
                try:
                    return await job.sender.send(job.message)
                except (DeliveryRefused, DeliveryUnavailable) as exc:
                    return exc

        outcomes = await asyncio.gather(*(attempt(job) for job in ready))
        for job, outcome in zip(ready, outcomes, strict=True):
            await self._record(job.group, outcome)
        await self._uow.commit()
        return True

    async def _deliver_one(self, due: DueDelivery) -> _Job | None:
        delivery, notification = due.delivery, due.notification
        key = (delivery.college_id, notification.type, delivery.channel)
        if key not in self._templates:  # one lookup per step and college x type x channel
            self._templates[key] = (await current_template(self._uow.templates, *key)).content
        try:
            rendered = await self._renderer.render(self._templates[key], _variables(notification))
        except InvalidTemplate as exc:  # retrying renders the same failure
            await self._finish(delivery, notification, DeliveryState.FAILED, str(exc))
            return None
        return await self._prepare(
            [due], rendered.subject, rendered.text_body, rendered.html_body, notification
        )

    async def _deliver_digest(self, group: list[DueDelivery]) -> _Job | None:
        now = self._clock.now()
        pending = []
        for due in group:
            if due.notification.read_at is not None:  # seen in the inbox already
                due.delivery.mark(DeliveryState.SUPPRESSED, now)
                due.delivery.last_error = "read in the inbox before the digest"
                await self._uow.notifications.save_delivery(due.delivery)
            else:
                pending.append(due)
        if not pending:
            return None
        first = pending[0]
        items = [due.notification.title or due.notification.type.value for due in pending]
        rendered = await self._renderer.render(
            DIGEST_TEMPLATE,
            {
                "cadence": first.delivery.cadence.value,
                "items": items,
                "display_name": first.notification.recipient.display_name or "",
                "email": first.notification.recipient.email or "",
            },
        )
        digest_id = self._ids.new_id()
        for due in pending:
            due.delivery.digest_id = digest_id
        return await self._prepare(
            pending, rendered.subject, rendered.text_body, rendered.html_body, first.notification
        )

    async def _prepare(
        self,
        group: list[DueDelivery],
        subject: str,
        text: str,
        html: str,
        notification: Notification,
    ) -> _Job | None:
        lead = group[0].delivery
        sender = self._senders.for_channel(lead.channel)
        address = _address(notification, lead.channel)
        if sender is None or address is None:
            for due in group:
                await self._finish(due.delivery, due.notification, DeliveryState.FAILED,
                                   f"no {lead.channel.value} provider or address")  # fmt: skip
            return None
        targets: tuple[PushTarget, ...] = ()
        if lead.channel is Channel.PUSH:
            targets = tuple(
                await self._uow.push_subscriptions.targets(lead.college_id, lead.account_id)
            )
        message = OutgoingMessage(
            delivery_id=lead.digest_id or lead.id,
            to=address,
            subject=subject,
            text_body=text,
            html_body=html,
            push_targets=targets,
        )
        return _Job(group, sender, message)

    async def _record(self, group: list[DueDelivery], outcome: str | Exception) -> None:
        if isinstance(outcome, DeliveryRefused):
            for due in group:
                due.delivery.attempts += 1
                await self._finish(
                    due.delivery, due.notification, DeliveryState.BOUNCED, str(outcome)
                )
        elif isinstance(outcome, Exception):
            for due in group:
                await self._retry_later(due, str(outcome))
        else:
            for due in group:
                due.delivery.attempts += 1
                await self._finish(due.delivery, due.notification, DeliveryState.SENT, None,
                                   provider=outcome)  # fmt: skip

    async def _retry_later(self, due: DueDelivery, error: str) -> None:
        delivery, notification = due.delivery, due.notification
        now = self._clock.now()
        give_up = give_up_time(
            delivery.created_at, self._policy.retry_window, notification.expires_at
        )
        delivery.failed_attempt(
            error, now, retry_in=self._retries.delay(delivery.attempts + 1), give_up_at=give_up
        )
        if delivery.state is DeliveryState.FAILED:
            await self._finish(delivery, notification, DeliveryState.FAILED, delivery.last_error)
        else:
            self._metrics.outcome(delivery.channel, "retried")
            await self._uow.notifications.save_delivery(delivery)

    async def _finish(
        self,
        delivery: Delivery,
        notification: Notification,
        state: DeliveryState,
        error: str | None,
        *,
        provider: str | None = None,
    ) -> None:
        now = self._clock.now()
        if delivery.state is not state:
            delivery.mark(state, now, provider=provider)
        if error is not None:
            delivery.last_error = error[:500]
        await self._uow.notifications.save_delivery(delivery)
        self._metrics.outcome(delivery.channel, state.value)
        if is_critical(notification.type):
            # Each critical type goes to one channel: once it ended, the link is not needed.
            await self._uow.notifications.forget_variables(notification.id)
        common: dict[str, Any] = {
            "aggregate_id": str(delivery.id),
            "tenant_id": delivery.college_id,
            "notification_id": str(notification.id),
            "account_id": delivery.account_id,
            "type": delivery.type.value,
            "channel": delivery.channel.value,
            "attempts": delivery.attempts,
            "at": now.isoformat(),
        }
        if state is DeliveryState.SENT:
            self._uow.record(NotificationSent(**common))
        else:
            self._uow.record(NotificationFailed(**common, state=state.value))


def _address(notification: Notification, channel: Channel) -> str | None:
    if channel is Channel.EMAIL:
        return notification.recipient.email
    if channel is Channel.SMS:
        return notification.recipient.phone
    if channel is Channel.PUSH:
        return notification.recipient.account_id  # the push adapter looks up the devices
    return None


def _variables(notification: Notification) -> dict[str, Any]:
    values: dict[str, Any] = {name: "" for name in TEMPLATE_VARIABLES[notification.type]}
    values.update(notification.variables)
    values["display_name"] = values.get("display_name") or notification.recipient.display_name or ""
    values["email"] = values.get("email") or notification.recipient.email or ""
    return values

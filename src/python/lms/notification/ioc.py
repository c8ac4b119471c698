"""The notification service's dishka providers: each port bound to its adapter
(``provide(Impl, provides=Port)``), and the use cases. The platform runtime adds the engine,
sessions, Redis, clock, ids and the outbox stager."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

from dishka import AnyOf, Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncSession

from lms.notification.adapters.channels.metrics import PrometheusDeliveryMetrics
from lms.notification.adapters.channels.senders import ConfiguredSenders, FailoverSender
from lms.notification.adapters.channels.wakeup import DeliveryQueueSignal
from lms.notification.adapters.email.smtp import RateLimiter, SmtpEmailSender
from lms.notification.adapters.persistence.repository import SqlAudience
from lms.notification.adapters.persistence.unit_of_work import NotificationSqlAlchemyUnitOfWork
from lms.notification.adapters.push.webpush import WebPushSender
from lms.notification.adapters.sms.twilio import TwilioSmsSender
from lms.notification.adapters.templates.renderer import sandboxed_renderer
from lms.notification.application.assignment_copies import (
    AssignmentsUnitOfWork,
    AssignmentTitles,
    KeepAssignmentCopy,
    RecordSubmission,
)
from lms.notification.application.college_defaults import (
    CollegeDefaultsUnitOfWork,
    GetCollegeDefaults,
    ReplaceCollegeDefaults,
)
from lms.notification.application.delivery import DeliverDueNotifications, DeliveryPolicy
from lms.notification.application.fanout import NotifyAudience
from lms.notification.application.inbox import (
    InboxUnitOfWork,
    ListDeliveries,
    ListMyNotifications,
    MarkNotificationRead,
)
from lms.notification.application.intake import AcceptNotification
from lms.notification.application.mentions import NotifyMention
from lms.notification.application.ports import (
    Audience,
    ChannelSender,
    ChannelSenders,
    DeliveryMetrics,
    DeliveryUnitOfWork,
    DeliveryWakeup,
    IntakeUnitOfWork,
    RetrySchedule,
    TemplateRenderer,
)
from lms.notification.application.preferences import (
    GetMyPreferences,
    PreferencesUnitOfWork,
    ReplaceMyPreferences,
)
from lms.notification.application.push import (
    PushEndpointPolicy,
    PushUnitOfWork,
    RegisterPushSubscription,
    RemovePushSubscription,
)
from lms.notification.application.recipients import RecipientUnitOfWork, RememberRecipient
from lms.notification.application.reminders import ReminderPolicy, SendDueReminders
from lms.notification.application.template_carry_over import CarryOverAuthTemplates
from lms.notification.application.templates import (
    GetCurrentTemplate,
    ListTemplateVersions,
    PreviewTemplate,
    PublishTemplate,
    TemplatesUnitOfWork,
)
from lms.notification.config import NotificationSettings
from lms.notification.domain.kinds import Channel
from lms_platform.messaging import Backoff
from lms_platform.runtime import JobWakeup


class NotificationAdaptersProvider(Provider):
    scope = Scope.APP

    def __init__(self, settings: NotificationSettings) -> None:
        super().__init__()
        self._settings = settings

    wakeup = provide(
        DeliveryQueueSignal, provides=AnyOf[DeliveryQueueSignal, JobWakeup, DeliveryWakeup]
    )
    unit_of_work = provide(
        NotificationSqlAlchemyUnitOfWork,
        provides=AnyOf[
            IntakeUnitOfWork,
            DeliveryUnitOfWork,
            PreferencesUnitOfWork,
            InboxUnitOfWork,
            RecipientUnitOfWork,
            TemplatesUnitOfWork,
            PushUnitOfWork,
            AssignmentsUnitOfWork,
            CollegeDefaultsUnitOfWork,
        ],
        scope=Scope.REQUEST,
    )

    @provide
    async def renderer(self) -> AsyncIterator[TemplateRenderer]:
        async for renderer in sandboxed_renderer(self._settings):
            yield renderer

    @provide
    def retries(self) -> RetrySchedule:
        s = self._settings
        return Backoff(initial=s.retry_initial_seconds, maximum=s.retry_max_seconds)

    @provide
    def policy(self) -> DeliveryPolicy:
        s = self._settings
        return DeliveryPolicy(
            batch_size=s.delivery_batch_size, retry_window=timedelta(seconds=s.retry_window_seconds)
        )

    @provide
    def reminder_policy(self) -> ReminderPolicy:
        s = self._settings
        return ReminderPolicy(
            batch_size=s.reminder_batch_size,
            url_template=s.assignment_url_template,
            replan_every=timedelta(seconds=s.reminder_replan_seconds),
        )

    @provide
    def senders(self) -> ChannelSenders:
        s = self._settings
        limiter = RateLimiter(s.smtp_max_per_second)
        relays: list[ChannelSender] = [
            SmtpEmailSender(
                host=s.smtp_host, port=s.smtp_port, mail_from=s.mail_from,
                security=s.smtp_security, username=s.smtp_username, password=s.smtp_password,
                timeout=s.smtp_timeout_seconds, limiter=limiter,
            )
        ]  # fmt: skip
        if s.smtp_fallback_host:
            relays.append(
                SmtpEmailSender(
                    host=s.smtp_fallback_host, port=s.smtp_fallback_port, mail_from=s.mail_from,
                    security=s.smtp_security, username=s.smtp_username, password=s.smtp_password,
                    timeout=s.smtp_timeout_seconds, limiter=limiter,
                )
            )  # fmt: skip
        senders: dict[Channel, ChannelSender] = {Channel.EMAIL: FailoverSender(relays)}
        if s.sms_base_url:
            senders[Channel.SMS] = FailoverSender([
                TwilioSmsSender(
                    base_url=url, account_sid=s.sms_account_sid, auth_token=s.sms_auth_token,
                    sender=s.sms_from, timeout=s.sms_timeout_seconds,
                )
                for url in (s.sms_base_url, s.sms_fallback_base_url) if url
            ])  # fmt: skip
        if s.vapid_private_key:
            senders[Channel.PUSH] = WebPushSender(
                vapid_private_key=s.vapid_private_key, vapid_subject=s.vapid_subject,
                ttl_seconds=s.push_ttl_seconds, timeout=s.push_timeout_seconds,
            )  # fmt: skip
        return ConfiguredSenders(senders)

    @provide
    def metrics(self) -> DeliveryMetrics:
        return PrometheusDeliveryMetrics(self._settings.service_name)

    @provide
    def push_policy(self) -> PushEndpointPolicy:
        return PushEndpointPolicy(allow_loopback_http=self._settings.push_allow_loopback_http)


class NotificationUseCasesProvider(Provider):
    scope = Scope.REQUEST
    intake = (
        provide(AcceptNotification)
        + provide(RememberRecipient)
        + provide(NotifyAudience)
        + provide(NotifyMention)
    )

    @provide
    def audience(self, session: AsyncSession) -> Audience:
        return SqlAudience(session)

    assignments = (
        provide(KeepAssignmentCopy) + provide(AssignmentTitles) + provide(RecordSubmission)
    )
    delivery = provide(DeliverDueNotifications) + provide(SendDueReminders)
    college_defaults = provide(GetCollegeDefaults) + provide(ReplaceCollegeDefaults)
    preferences = provide(GetMyPreferences) + provide(ReplaceMyPreferences)
    templates = (
        provide(GetCurrentTemplate) + provide(ListTemplateVersions) + provide(PublishTemplate)
        + provide(PreviewTemplate) + provide(CarryOverAuthTemplates)
    )  # fmt: skip
    push = provide(RegisterPushSubscription) + provide(RemovePushSubscription)
    inbox = provide(ListMyNotifications) + provide(MarkNotificationRead) + provide(ListDeliveries)


def providers(settings: NotificationSettings) -> Sequence[Provider]:
    return [NotificationAdaptersProvider(settings), NotificationUseCasesProvider()]

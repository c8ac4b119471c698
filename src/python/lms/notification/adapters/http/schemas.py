"""Request and response bodies of the notification API (msgspec; unknown fields refused)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from typing import Annotated, Literal
from uuid import UUID
from zoneinfo import available_timezones

import msgspec

from lms.notification.domain.college_defaults import channels_for
from lms.notification.domain.deliveries import Delivery, Notification
from lms.notification.domain.kinds import Channel, NotificationType, is_critical
from lms.notification.domain.preferences import Preferences
from lms.notification.domain.templates import MessageTemplate
from lms_platform.http.openapi import documented

TypeName = Literal[
    "password_reset", "email_verification", "invitation", "welcome", "assignment_published",
    "deadline_reminder", "grade_posted", "submission_receipt", "chat_mention",
]  # fmt: skip
ChannelName = Literal["email", "sms", "push", "in_app"]
CadenceName = Literal["immediately", "daily", "weekly", "off"]
StateName = Literal["queued", "sent", "delivered", "failed", "bounced", "suppressed"]
TimeOfDay = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
TimeZoneName = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64), documented(enum=sorted(available_timezones()))
]


class QuietHoursBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    start: TimeOfDay
    end: TimeOfDay

    def times(self) -> tuple[time, time]:
        return time.fromisoformat(self.start), time.fromisoformat(self.end)


class PreferenceBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    type: TypeName
    channel: ChannelName
    cadence: CadenceName


class PreferencesRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    timezone: TimeZoneName | None = None  # null: the profile's time zone
    quiet_hours: QuietHoursBody | None = None
    preferences: Annotated[list[PreferenceBody], msgspec.Meta(max_length=64)] = []


class EffectivePreference(msgspec.Struct, kw_only=True):
    type: TypeName
    channel: ChannelName
    cadence: CadenceName
    critical: bool


class PreferencesResponse(msgspec.Struct, kw_only=True):
    timezone: str | None
    quiet_hours: QuietHoursBody | None
    preferences: list[EffectivePreference]

    @classmethod
    def from_domain(cls, preferences: Preferences) -> PreferencesResponse:
        quiet = preferences.quiet_hours
        return cls(
            timezone=preferences.timezone,
            quiet_hours=(
                QuietHoursBody(start=quiet.start.strftime("%H:%M"), end=quiet.end.strftime("%H:%M"))
                if quiet
                else None
            ),
            preferences=[
                EffectivePreference(
                    type=kind.value,
                    channel=channel.value,
                    cadence=preferences.cadence(kind, channel).value,
                    critical=is_critical(kind),
                )
                for kind in NotificationType
                for channel in Channel
            ],
        )


class InboxItemResponse(msgspec.Struct, kw_only=True):
    id: UUID
    type: TypeName
    title: str
    created_at: datetime
    read_at: datetime | None
    read: bool

    @classmethod
    def from_domain(cls, notification: Notification) -> InboxItemResponse:
        return cls(
            id=notification.id,
            type=notification.type.value,
            title=notification.title,
            created_at=notification.created_at,
            read_at=notification.read_at,
            read=notification.read_at is not None,
        )


class DeliveryResponse(msgspec.Struct, kw_only=True):
    id: UUID
    notification_id: UUID
    college_id: str
    user_id: str
    type: TypeName
    channel: ChannelName
    cadence: CadenceName
    state: StateName
    attempts: int
    due_at: datetime
    created_at: datetime
    sent_at: datetime | None
    provider: str | None
    last_error: str | None
    digest_id: UUID | None

    @classmethod
    def from_domain(cls, delivery: Delivery) -> DeliveryResponse:
        return cls(
            id=delivery.id,
            notification_id=delivery.notification_id,
            college_id=delivery.college_id,
            user_id=delivery.account_id,
            type=delivery.type.value,
            channel=delivery.channel.value,
            cadence=delivery.cadence.value,
            state=delivery.state.value,
            attempts=delivery.attempts,
            due_at=delivery.due_at,
            created_at=delivery.created_at,
            sent_at=delivery.sent_at,
            provider=delivery.provider,
            last_error=delivery.last_error,
            digest_id=delivery.digest_id,
        )


Subject = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Body = Annotated[str, msgspec.Meta(min_length=1, max_length=50_000)]
HtmlBody = Annotated[str, msgspec.Meta(max_length=50_000)]


class TemplateRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    subject: Subject
    text_body: Body
    html_body: HtmlBody = ""


class PreviewRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Content to try, or a stored ``version`` (0: the built-in default), or neither: the
    current template."""

    subject: Subject | None = None
    text_body: Body | None = None
    html_body: HtmlBody | None = None
    version: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] | None = None


class TemplateResponse(msgspec.Struct, kw_only=True):
    type: TypeName
    channel: ChannelName
    version: int
    is_default: bool
    subject: str
    text_body: str
    html_body: str
    variables: list[str]
    created_at: datetime | None
    created_by: str | None

    @classmethod
    def from_domain(cls, template: MessageTemplate) -> TemplateResponse:
        return cls(
            type=template.type.value,
            channel=template.channel.value,
            version=template.version,
            is_default=template.id is None,
            subject=template.content.subject,
            text_body=template.content.text_body,
            html_body=template.content.html_body,
            variables=sorted(template.variables),
            created_at=template.created_at,
            created_by=template.created_by,
        )


class RenderedResponse(msgspec.Struct, kw_only=True):
    subject: str
    text_body: str
    html_body: str


class ChannelDefaultBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    type: TypeName
    channels: Annotated[list[ChannelName], msgspec.Meta(max_length=4)]


class CollegeDefaultsRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The college's channel set for each listed type; the others follow the platform's."""

    defaults: Annotated[list[ChannelDefaultBody], msgspec.Meta(max_length=16)]


class ChannelDefaultResponse(msgspec.Struct, kw_only=True):
    type: TypeName
    channels: list[ChannelName]
    critical: bool
    college_set: bool  # false: the platform's default


class CollegeDefaultsResponse(msgspec.Struct, kw_only=True):
    defaults: list[ChannelDefaultResponse]

    @classmethod
    def from_domain(
        cls, defaults: Mapping[NotificationType, frozenset[Channel]]
    ) -> CollegeDefaultsResponse:
        return cls(
            defaults=[
                ChannelDefaultResponse(
                    type=kind.value,
                    channels=sorted(c.value for c in channels_for(defaults, kind)),
                    critical=is_critical(kind),
                    college_set=kind in defaults,
                )
                for kind in NotificationType
            ]
        )

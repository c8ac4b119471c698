"""Message templates per type x channel: what each may use and the built-in defaults. The
credential ones use exactly the variables of auth's ``credential`` events (and auth's wording),
so a college's versions carry over unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from lms.notification.domain.kinds import Channel, NotificationType
from lms_platform.kernel.errors import DomainError, InvalidInput

MAX_SUBJECT = 200
MAX_BODY = 50_000


class InvalidTemplate(DomainError):
    """A template that does not parse, uses a refused construct or fails to render."""

    code = "invalid_template"

    def __init__(self, detail: str, *, part: str, line: int | None = None) -> None:
        super().__init__(detail, extra={"part": part, "line": line})
        self.part, self.line = part, line


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateContent:
    """``subject`` is the email subject, the push title or the inbox title; ``text_body`` the
    plain text (the SMS and push body); ``html_body`` only for email."""

    subject: str
    text_body: str
    html_body: str = ""

    def __post_init__(self) -> None:
        if not 1 <= len(self.subject) <= MAX_SUBJECT:
            raise InvalidInput(f"subject must have 1 to {MAX_SUBJECT} characters", field="subject")
        if not 1 <= len(self.text_body) <= MAX_BODY:
            raise InvalidInput(f"text_body must have 1 to {MAX_BODY} characters", field="text_body")
        if len(self.html_body) > MAX_BODY:
            raise InvalidInput(f"html_body has more than {MAX_BODY} characters", field="html_body")


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderedMessage:
    subject: str
    text_body: str
    html_body: str


_COMMON = frozenset({"college_name", "college_slug", "display_name", "email"})
_ASSIGNMENT = frozenset({"display_name", "title", "assignment_title"})

TEMPLATE_VARIABLES: dict[NotificationType, frozenset[str]] = {
    NotificationType.PASSWORD_RESET: _COMMON | {"reset_url", "expires_at"},
    NotificationType.EMAIL_VERIFICATION: _COMMON | {"verification_url", "expires_at"},
    NotificationType.INVITATION: _COMMON | {"invitation_url", "expires_at", "roles"},
    NotificationType.WELCOME: frozenset({"display_name", "email", "login_url"}),
    # ``title`` and ``assignment_title`` are the same (the first came first): the assignment's
    # title from this service's copy, "your assignment" while it has not seen the assignment.
    NotificationType.ASSIGNMENT_PUBLISHED: _ASSIGNMENT | {"due_at", "url"},
    NotificationType.DEADLINE_REMINDER: _ASSIGNMENT | {"due_at", "url"},
    NotificationType.GRADE_POSTED: _ASSIGNMENT | {"url"},
    NotificationType.SUBMISSION_RECEIPT: _ASSIGNMENT | {"attempt", "submitted_at"},
    # ``room`` is "a chat room" and ``author`` the sender's name as this service knows it
    # ("Someone" else): chat's event carries ids only.
    NotificationType.CHAT_MENTION: frozenset(
        {"display_name", "room", "room_id", "author", "sender_id", "url"}
    ),
}

_HELLO = "Hello {{ display_name or email }},\n\n"

_EMAIL_DEFAULTS: dict[NotificationType, TemplateContent] = {
    NotificationType.PASSWORD_RESET: TemplateContent(
        subject="Reset your {{ college_name }} password",
        text_body=(
            _HELLO + "Someone asked to reset the password of your {{ college_name }} account.\n"
            "Choose a new one here (the link works once, until {{ expires_at }}):\n\n"
            "{{ reset_url }}\n\n"
            "If it was not you, ignore this email: your password stays as it is.\n"
        ),
        html_body=(
            "<p>Hello {{ display_name or email }},</p>\n"
            "<p>Someone asked to reset the password of your {{ college_name }} account.</p>\n"
            '<p><a href="{{ reset_url }}">Choose a new password</a> '
            "(the link works once, until {{ expires_at }}).</p>\n"
            "<p>If it was not you, ignore this email: your password stays as it is.</p>\n"
        ),
    ),
    NotificationType.EMAIL_VERIFICATION: TemplateContent(
        subject="Confirm your email address for {{ college_name }}",
        text_body=(
            _HELLO + "Confirm this address for your {{ college_name }} account "
            "(until {{ expires_at }}):\n\n{{ verification_url }}\n"
        ),
        html_body=(
            "<p>Hello {{ display_name or email }},</p>\n"
            '<p><a href="{{ verification_url }}">Confirm this address</a> for your '
            "{{ college_name }} account (until {{ expires_at }}).</p>\n"
        ),
    ),
    NotificationType.INVITATION: TemplateContent(
        subject="You are invited to {{ college_name }}",
        text_body=(
            _HELLO + "You have an account at {{ college_name }}. Set your password here "
            "(until {{ expires_at }}):\n\n{{ invitation_url }}\n"
        ),
        html_body=(
            "<p>Hello {{ display_name or email }},</p>\n"
            "<p>You have an account at {{ college_name }}.</p>\n"
            '<p><a href="{{ invitation_url }}">Set your password</a> '
            "(until {{ expires_at }}).</p>\n"
        ),
    ),
    NotificationType.WELCOME: TemplateContent(
        subject="Welcome",
        text_body=_HELLO + "Your account is ready. Log in at {{ login_url }}\n",
        html_body=(
            "<p>Hello {{ display_name or email }},</p>\n"
            '<p>Your account is ready. <a href="{{ login_url }}">Log in</a>.</p>\n'
        ),
    ),
    NotificationType.ASSIGNMENT_PUBLISHED: TemplateContent(
        subject="New assignment: {{ assignment_title }}",
        text_body=(
            "{{ assignment_title }} is published{% if due_at %}, due {{ due_at }}{% endif %}.\n"
            "{{ url }}\n"
        ),
        html_body='<p><a href="{{ url }}">{{ assignment_title }}</a> is published.</p>\n',
    ),
    NotificationType.DEADLINE_REMINDER: TemplateContent(
        subject="Reminder: {{ assignment_title }} is due soon",
        text_body="{{ assignment_title }} is due {{ due_at }}.\n{{ url }}\n",
        html_body='<p><a href="{{ url }}">{{ assignment_title }}</a> is due {{ due_at }}.</p>\n',
    ),
    NotificationType.GRADE_POSTED: TemplateContent(
        subject="Grade posted: {{ assignment_title }}",
        text_body="Your grade for {{ assignment_title }} is posted.\n{{ url }}\n",
        html_body='<p>Your grade for <a href="{{ url }}">{{ assignment_title }}</a> is posted.</p>\n',
    ),
    NotificationType.SUBMISSION_RECEIPT: TemplateContent(
        subject="Submission received: {{ assignment_title }}",
        text_body=(
            "We received your submission for {{ assignment_title }} at {{ submitted_at }}"
            "{% if attempt %} (attempt {{ attempt }}){% endif %}.\n"
        ),
        html_body=(
            "<p>We received your submission for {{ assignment_title }} at {{ submitted_at }}"
            "{% if attempt %} (attempt {{ attempt }}){% endif %}.</p>\n"
        ),
    ),
    NotificationType.CHAT_MENTION: TemplateContent(
        subject="{{ author }} mentioned you in {{ room }}",
        text_body="{{ author }} mentioned you in {{ room }}.\n{{ url }}\n",
        html_body='<p>{{ author }} mentioned you in <a href="{{ url }}">{{ room }}</a>.</p>\n',
    ),
}

DIGEST_TEMPLATE = TemplateContent(
    subject="Your {{ cadence }} digest: {{ items | length }} notifications",
    text_body=(
        "Hello {{ display_name or email }},\n\nWhat happened since the last digest:\n\n"
        "{% for item in items %}- {{ item }}\n{% endfor %}"
    ),
    html_body=(
        "<p>Hello {{ display_name or email }},</p>\n<ul>\n"
        "{% for item in items %}<li>{{ item }}</li>\n{% endfor %}</ul>\n"
    ),
)
DIGEST_VARIABLES = frozenset({"cadence", "items", "display_name", "email"})


def default_template(kind: NotificationType, channel: Channel) -> TemplateContent:
    """Email uses the full default; the other channels its subject and text body."""
    email = _EMAIL_DEFAULTS[kind]
    if channel is Channel.EMAIL:
        return email
    return TemplateContent(subject=email.subject, text_body=email.text_body)


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageTemplate:
    """One version of a college's template for a type x channel. Version 0 (no id) is the
    built-in default of a college that wrote none."""

    id: UUID | None
    college_id: str
    type: NotificationType
    channel: Channel
    version: int
    content: TemplateContent
    created_at: datetime | None = None
    created_by: str | None = None

    @property
    def variables(self) -> frozenset[str]:
        return TEMPLATE_VARIABLES[self.type]


def builtin_template(college_id: str, kind: NotificationType, channel: Channel) -> MessageTemplate:
    return MessageTemplate(
        id=None,
        college_id=college_id,
        type=kind,
        channel=channel,
        version=0,
        content=default_template(kind, channel),
    )


def sample_variables(kind: NotificationType) -> dict[str, Any]:
    """What a preview renders with: a plausible value for each variable of the type."""
    samples: dict[str, Any] = {
        "college_name": "Example University",
        "college_slug": "example",
        "display_name": "Ada Lovelace",
        "email": "ada@example.edu",
        "expires_at": "2030-01-01T12:00:00+00:00",
        "reset_url": "https://lms.example/reset-password?token=sample-token",
        "verification_url": "https://lms.example/verify-email?token=sample-token",
        "invitation_url": "https://lms.example/accept-invitation?token=sample-token",
        "roles": ["student"],
        "login_url": "https://lms.example/login",
        "title": "Essay 1",
        "assignment_title": "Essay 1",
        "due_at": "2030-01-10T23:59:00+00:00",
        "url": "https://lms.example/assignments/sample",
        "submitted_at": "2030-01-09T18:00:00+00:00",
        "attempt": 2,
        "room": "a chat room",
        "room_id": "00000000-0000-4000-8000-000000000001",
        "author": "Grace Hopper",
        "sender_id": "00000000-0000-4000-8000-000000000002",
    }
    return {name: samples[name] for name in TEMPLATE_VARIABLES[kind]}

"""Email templates per college: versioned, immutable once written, with a fixed set of
variables per kind. The notification service sends them; this service stores and previews."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any
from uuid import UUID

from lms_platform.kernel.errors import DomainError, InvalidInput

MAX_SUBJECT = 200
MAX_BODY = 50_000


class TemplateKind(StrEnum):
    PASSWORD_RESET = "password_reset"
    INVITATION = "invitation"
    WELCOME = "welcome"


_COMMON = frozenset({"college_name", "college_slug", "display_name", "email"})

# What a template of each kind may use: exactly what the event it answers carries.
TEMPLATE_VARIABLES: dict[TemplateKind, frozenset[str]] = {
    TemplateKind.PASSWORD_RESET: _COMMON | {"reset_url", "expires_at"},
    TemplateKind.INVITATION: _COMMON | {"invitation_url", "expires_at", "roles"},
    TemplateKind.WELCOME: _COMMON | {"login_url"},
}

_SAMPLE_COMMON: dict[str, Any] = {
    "college_name": "Example University",
    "college_slug": "example",
    "display_name": "Ada Lovelace",
    "email": "ada@example.edu",
}

# Shared by every college's previews: the mappings are read-only, and a renderer works on a
# deep copy of the values.
SAMPLE_VARIABLES: Mapping[TemplateKind, Mapping[str, Any]] = MappingProxyType(
    {
        TemplateKind.PASSWORD_RESET: MappingProxyType(
            _SAMPLE_COMMON
            | {
                "reset_url": "https://lms.example/reset-password?token=sample-token",
                "expires_at": "2030-01-01T12:00:00+00:00",
            }
        ),
        TemplateKind.INVITATION: MappingProxyType(
            _SAMPLE_COMMON
            | {
                "invitation_url": "https://lms.example/accept-invitation?token=sample-token",
                "expires_at": "2030-01-07T12:00:00+00:00",
                "roles": ["student"],
            }
        ),
        TemplateKind.WELCOME: MappingProxyType(
            _SAMPLE_COMMON | {"login_url": "https://lms.example/login"}
        ),
    }
)


class InvalidTemplate(DomainError):
    """A template that does not parse, uses a variable its kind does not have, or fails to
    render. ``extra`` names the part (``subject``, ``text_body``, ``html_body``) and line."""

    code = "invalid_template"

    def __init__(self, detail: str, *, part: str, line: int | None) -> None:
        super().__init__(detail, extra={"part": part, "line": line})
        self.part, self.line = part, line


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateContent:
    subject: str
    text_body: str
    html_body: str

    def __post_init__(self) -> None:
        if not 1 <= len(self.subject) <= MAX_SUBJECT:
            raise InvalidInput(f"subject must have 1 to {MAX_SUBJECT} characters", field="subject")
        for name in ("text_body", "html_body"):
            if not 1 <= len(getattr(self, name)) <= MAX_BODY:
                raise InvalidInput(f"{name} must have 1 to {MAX_BODY} characters", field=name)


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailTemplate:
    """One version. ``version`` 0 with no id is the built-in default of a college that has
    written none."""

    id: UUID | None
    college_id: UUID
    kind: TemplateKind
    version: int
    content: TemplateContent
    created_at: datetime | None
    created_by: UUID | None

    @property
    def is_default(self) -> bool:
        return self.id is None

    @property
    def variables(self) -> frozenset[str]:
        return TEMPLATE_VARIABLES[self.kind]


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderedEmail:
    subject: str
    text_body: str
    html_body: str


DEFAULT_TEMPLATES: dict[TemplateKind, TemplateContent] = {
    TemplateKind.PASSWORD_RESET: TemplateContent(
        subject="Reset your {{ college_name }} password",
        text_body=(
            "Hello {{ display_name or email }},\n\n"
            "Someone asked to reset the password of your {{ college_name }} account.\n"
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
    TemplateKind.INVITATION: TemplateContent(
        subject="You are invited to {{ college_name }}",
        text_body=(
            "Hello {{ display_name or email }},\n\n"
            "You have an account at {{ college_name }}. Set your password here "
            "(until {{ expires_at }}):\n\n"
            "{{ invitation_url }}\n"
        ),
        html_body=(
            "<p>Hello {{ display_name or email }},</p>\n"
            "<p>You have an account at {{ college_name }}.</p>\n"
            '<p><a href="{{ invitation_url }}">Set your password</a> '
            "(until {{ expires_at }}).</p>\n"
        ),
    ),
    TemplateKind.WELCOME: TemplateContent(
        subject="Welcome to {{ college_name }}",
        text_body=(
            "Hello {{ display_name or email }},\n\n"
            "Welcome to {{ college_name }}. Log in at {{ login_url }}\n"
        ),
        html_body=(
            "<p>Hello {{ display_name or email }},</p>\n"
            '<p>Welcome to {{ college_name }}. <a href="{{ login_url }}">Log in</a>.</p>\n'
        ),
    ),
}


def default_template(college_id: UUID, kind: TemplateKind) -> EmailTemplate:
    return EmailTemplate(
        id=None,
        college_id=college_id,
        kind=kind,
        version=0,
        content=DEFAULT_TEMPLATES[kind],
        created_at=None,
        created_by=None,
    )

"""One-off: auth's retired email-template versions (its ``email_templates`` rows) become this
service's ``email`` templates of the same type, after the versions a college already wrote
here, in their order. Each is checked and rendered with sample data first, like a new version:
one that uses a variable the type lacks here is refused and reported, not copied. The source
row's id becomes the template's id, so running it again copies nothing twice."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from lms.notification.application.ports import TemplateRenderer
from lms.notification.application.templates import TemplatesUnitOfWork
from lms.notification.domain.kinds import Channel, NotificationType
from lms.notification.domain.templates import (
    TEMPLATE_VARIABLES,
    InvalidTemplate,
    MessageTemplate,
    TemplateContent,
    sample_variables,
)
from lms_platform.kernel.errors import InvalidInput

# auth's kinds, by the name they had there
CARRIED_KINDS = {
    "password_reset": NotificationType.PASSWORD_RESET,
    "invitation": NotificationType.INVITATION,
    "welcome": NotificationType.WELCOME,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthTemplateVersion:
    id: UUID
    college_id: str
    kind: str
    version: int
    subject: str
    text_body: str
    html_body: str
    created_at: datetime
    created_by: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CarryOverOutcome:
    id: UUID
    college_id: str
    kind: str
    source_version: int
    status: str  # "copied", "already copied" or "refused"
    version: int | None = None  # the version it has here
    reason: str | None = None


class CarryOverAuthTemplates:
    def __init__(self, uow: TemplatesUnitOfWork, renderer: TemplateRenderer) -> None:
        self._uow, self._renderer = uow, renderer

    async def __call__(self, rows: Iterable[AuthTemplateVersion]) -> list[CarryOverOutcome]:
        ordered = sorted(rows, key=lambda row: (row.college_id, row.kind, row.version))
        return [await self._carry(row) for row in ordered]

    async def _carry(self, row: AuthTemplateVersion) -> CarryOverOutcome:
        refused = CarryOverOutcome(
            id=row.id, college_id=row.college_id, kind=row.kind, source_version=row.version,
            status="refused",
        )  # fmt: skip
        kind = CARRIED_KINDS.get(row.kind)
        if kind is None:
            return replace(refused, reason=f"no notification type for kind {row.kind!r}")
        if await self._uow.templates.has(row.id):
            return replace(refused, status="already copied")
        try:
            content = TemplateContent(
                subject=row.subject, text_body=row.text_body, html_body=row.html_body
            )
            await self._renderer.check(content, TEMPLATE_VARIABLES[kind])
            await self._renderer.render(content, sample_variables(kind))
        except (InvalidTemplate, InvalidInput) as exc:
            return replace(refused, reason=exc.detail)
        latest = await self._uow.templates.latest(row.college_id, kind, Channel.EMAIL)
        template = MessageTemplate(
            id=row.id,
            college_id=row.college_id,
            type=kind,
            channel=Channel.EMAIL,
            version=(latest.version if latest else 0) + 1,
            content=content,
            created_at=row.created_at,
            created_by=row.created_by,
        )
        await self._uow.templates.add(template)
        await self._uow.commit()
        return replace(refused, status="copied", version=template.version)

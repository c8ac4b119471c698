"""Email templates per college: read the current one (or the built-in default), list versions,
write a new version, preview. The template engine sits behind ``TemplateRenderer``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol
from uuid import UUID

from lms.auth.application.audit import AuditRecorder
from lms.auth.application.authorization import COLLEGE_CONFIGURE, ensure_admin_of
from lms.auth.application.ports import AuthUnitOfWork
from lms.auth.domain.audit import AuditAction
from lms.auth.domain.templates import (
    SAMPLE_VARIABLES,
    TEMPLATE_VARIABLES,
    EmailTemplate,
    RenderedEmail,
    TemplateContent,
    TemplateKind,
    default_template,
)
from lms_platform.kernel.errors import NotFound
from lms_platform.kernel.pagination import Page, PageRequest
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal


class TemplateRenderer(Protocol):
    """A sandboxed engine: templates cannot reach Python objects beyond the variables given,
    cannot change those values for the next render, and are held to limits on time, memory and
    size while they run. Both methods do their work off the event loop. Every render is held to
    the limits, whatever the caller: values at send time can take a branch the sample data did
    not."""

    async def check(self, content: TemplateContent, allowed: frozenset[str]) -> None:
        """Raises ``InvalidTemplate`` (with the part and line) for a syntax error, a refused
        construct or a variable outside ``allowed``."""
        ...

    async def render(self, content: TemplateContent, variables: Mapping[str, Any]) -> RenderedEmail:
        """Raises ``InvalidTemplate`` when rendering fails (an undefined value, a refused
        operation, a limit reached)."""
        ...


async def _ensure_college(uow: AuthUnitOfWork, principal: Principal, college_id: UUID) -> None:
    ensure_admin_of(principal, college_id, COLLEGE_CONFIGURE)
    if await uow.colleges.get(college_id) is None:
        raise NotFound("college not found")


class GetCurrentTemplate:
    """The newest version, or the built-in default (version 0) when the college has none."""

    def __init__(self, uow: AuthUnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self, principal: Principal, college_id: UUID, kind: TemplateKind
    ) -> EmailTemplate:
        await _ensure_college(self._uow, principal, college_id)
        latest = await self._uow.email_templates.latest(college_id, kind)
        return latest or default_template(college_id, kind)


class ListTemplateVersions:
    def __init__(self, uow: AuthUnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self, principal: Principal, college_id: UUID, kind: TemplateKind, page: PageRequest
    ) -> Page[EmailTemplate]:
        await _ensure_college(self._uow, principal, college_id)
        return await self._uow.email_templates.list_versions(college_id, kind, page)


class PublishTemplate:
    """Writes the next version after checking that it parses and uses only its kind's
    variables. Earlier versions stay as they were."""

    def __init__(
        self,
        uow: AuthUnitOfWork,
        clock: Clock,
        ids: IdGenerator,
        audit: AuditRecorder,
        renderer: TemplateRenderer,
    ) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids
        self._audit, self._renderer = audit, renderer

    async def __call__(
        self,
        principal: Principal,
        college_id: UUID,
        kind: TemplateKind,
        content: TemplateContent,
    ) -> EmailTemplate:
        await _ensure_college(self._uow, principal, college_id)
        await self._renderer.check(content, TEMPLATE_VARIABLES[kind])
        # Also render with sample data: a template that parses can still fail at run time.
        await self._renderer.render(content, SAMPLE_VARIABLES[kind])
        latest = await self._uow.email_templates.latest(college_id, kind)
        template = EmailTemplate(
            id=self._ids.new_id(),
            college_id=college_id,
            kind=kind,
            version=(latest.version if latest else 0) + 1,
            content=content,
            created_at=self._clock.now(),
            created_by=_account_id(principal),
        )
        await self._uow.email_templates.add(template)
        self._audit.record(
            AuditAction.EMAIL_TEMPLATE_CHANGED,
            college_id=college_id,
            actor=principal,
            target_type="email_template",
            target_id=f"{college_id}:{kind.value}",
            details={"kind": kind.value, "version": template.version},
        )
        await self._uow.commit()
        return template


def _account_id(principal: Principal) -> UUID | None:
    try:
        return UUID(principal.user_id)
    except ValueError:
        return None


class PreviewTemplate:
    """Renders the given content, or a stored version (the current one by default), with the
    kind's sample data. Writes nothing."""

    def __init__(self, uow: AuthUnitOfWork, renderer: TemplateRenderer) -> None:
        self._uow, self._renderer = uow, renderer

    async def __call__(
        self,
        principal: Principal,
        college_id: UUID,
        kind: TemplateKind,
        content: TemplateContent | None = None,
        version: int | None = None,
    ) -> RenderedEmail:
        await _ensure_college(self._uow, principal, college_id)
        if content is None:
            content = (await self._stored(college_id, kind, version)).content
        await self._renderer.check(content, TEMPLATE_VARIABLES[kind])
        return await self._renderer.render(content, SAMPLE_VARIABLES[kind])

    async def _stored(
        self, college_id: UUID, kind: TemplateKind, version: int | None
    ) -> EmailTemplate:
        if version == 0:
            return default_template(college_id, kind)
        if version is None:
            latest = await self._uow.email_templates.latest(college_id, kind)
            return latest or default_template(college_id, kind)
        found = await self._uow.email_templates.get_version(college_id, kind, version)
        if found is None:
            raise NotFound(f"version {version} of the {kind.value} template not found")
        return found

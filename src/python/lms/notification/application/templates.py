"""A college's templates per type x channel: the current one (or the built-in default),
its versions, a new version (checked and rendered with sample data first), a preview."""

from __future__ import annotations

from typing import Protocol

from lms.notification.application.authorization import ensure_template_manager
from lms.notification.application.ports import TemplateRenderer, TemplateStore
from lms.notification.domain.kinds import Channel, NotificationType
from lms.notification.domain.templates import (
    MessageTemplate,
    RenderedMessage,
    TemplateContent,
    builtin_template,
    sample_variables,
)
from lms_platform.kernel.errors import NotFound
from lms_platform.kernel.pagination import Page, PageRequest
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal


class TemplatesUnitOfWork(Protocol):
    templates: TemplateStore

    async def commit(self) -> None: ...


async def current_template(
    store: TemplateStore, college_id: str, kind: NotificationType, channel: Channel
) -> MessageTemplate:
    return await store.latest(college_id, kind, channel) or builtin_template(
        college_id, kind, channel
    )


class GetCurrentTemplate:
    def __init__(self, uow: TemplatesUnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self, principal: Principal, kind: NotificationType, channel: Channel
    ) -> MessageTemplate:
        ensure_template_manager(principal)
        return await current_template(self._uow.templates, principal.tenant_id, kind, channel)


class ListTemplateVersions:
    def __init__(self, uow: TemplatesUnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self, principal: Principal, kind: NotificationType, channel: Channel, page: PageRequest
    ) -> Page[MessageTemplate]:
        ensure_template_manager(principal)
        return await self._uow.templates.versions(principal.tenant_id, kind, channel, page)


class PublishTemplate:
    """Writes the next version once it parses, uses only its type's variables and renders
    with sample data; earlier versions stay as they were."""

    def __init__(
        self, uow: TemplatesUnitOfWork, renderer: TemplateRenderer, clock: Clock, ids: IdGenerator
    ) -> None:
        self._uow, self._renderer, self._clock, self._ids = uow, renderer, clock, ids

    async def __call__(
        self,
        principal: Principal,
        kind: NotificationType,
        channel: Channel,
        content: TemplateContent,
    ) -> MessageTemplate:
        ensure_template_manager(principal)
        college = principal.tenant_id
        draft = builtin_template(college, kind, channel)
        await self._renderer.check(content, draft.variables)
        await self._renderer.render(content, sample_variables(kind))
        latest = await self._uow.templates.latest(college, kind, channel)
        template = MessageTemplate(
            id=self._ids.new_id(),
            college_id=college,
            type=kind,
            channel=channel,
            version=(latest.version if latest else 0) + 1,
            content=content,
            created_at=self._clock.now(),
            created_by=principal.user_id,
        )
        await self._uow.templates.add(template)
        await self._uow.commit()
        return template


class PreviewTemplate:
    """Renders the given content, or a stored version (the current one by default), with the
    type's sample data. Writes nothing."""

    def __init__(self, uow: TemplatesUnitOfWork, renderer: TemplateRenderer) -> None:
        self._uow, self._renderer = uow, renderer

    async def __call__(
        self,
        principal: Principal,
        kind: NotificationType,
        channel: Channel,
        content: TemplateContent | None = None,
        version: int | None = None,
    ) -> RenderedMessage:
        ensure_template_manager(principal)
        college = principal.tenant_id
        if content is None:
            content = (await self._stored(college, kind, channel, version)).content
        await self._renderer.check(content, builtin_template(college, kind, channel).variables)
        return await self._renderer.render(content, sample_variables(kind))

    async def _stored(
        self, college: str, kind: NotificationType, channel: Channel, version: int | None
    ) -> MessageTemplate:
        if version is None:
            return await current_template(self._uow.templates, college, kind, channel)
        if version == 0:
            return builtin_template(college, kind, channel)
        found = await self._uow.templates.version(college, kind, channel, version)
        if found is None:
            raise NotFound(
                f"version {version} of the {kind.value} {channel.value} template not found"
            )
        return found

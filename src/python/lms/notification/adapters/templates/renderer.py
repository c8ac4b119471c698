"""The ``TemplateRenderer`` port over the platform's template sandbox
(``lms_platform.templating``): colleges' templates check and render in its worker processes,
under kernel limits on memory and CPU; the service's own built-in templates render in this
process with the same engine, since a fan-out renders them many times and they are ours."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from lms.notification.config import NotificationSettings
from lms.notification.domain.kinds import Channel, NotificationType
from lms.notification.domain.templates import (
    DIGEST_TEMPLATE,
    InvalidTemplate,
    RenderedMessage,
    TemplateContent,
    default_template,
)
from lms_platform.templating import (
    TemplateEngine,
    TemplateLimits,
    TemplateRefused,
    TemplateSandbox,
)


def _parts(content: TemplateContent) -> dict[str, str]:
    return {
        "subject": content.subject,
        "text_body": content.text_body,
        "html_body": content.html_body,
    }


def _built_in() -> frozenset[TemplateContent]:
    defaults = {default_template(kind, channel) for kind in NotificationType for channel in Channel}
    return frozenset(defaults | {DIGEST_TEMPLATE})


class SandboxedRenderer:
    def __init__(self, sandbox: TemplateSandbox) -> None:
        self._sandbox = sandbox
        self._engine = TemplateEngine(sandbox.limits)
        self._trusted = _built_in()

    async def check(self, content: TemplateContent, allowed: frozenset[str]) -> None:
        try:
            await self._sandbox.check(_parts(content), allowed)
        except TemplateRefused as refused:
            raise InvalidTemplate(refused.detail, part=refused.part, line=refused.line) from None

    async def render(
        self, content: TemplateContent, variables: Mapping[str, Any]
    ) -> RenderedMessage:
        try:
            if content in self._trusted:
                texts = self._engine.render(_parts(content), variables)
            else:
                texts = await self._sandbox.render(_parts(content), variables)
        except TemplateRefused as refused:
            raise InvalidTemplate(refused.detail, part=refused.part, line=refused.line) from None
        subject = " ".join(texts["subject"].split())  # no header injection through a newline
        return RenderedMessage(
            subject=subject, text_body=texts["text_body"], html_body=texts["html_body"]
        )


async def sandboxed_renderer(settings: NotificationSettings) -> AsyncIterator[SandboxedRenderer]:
    """The renderer the service runs; its workers stop with the container."""
    sandbox = TemplateSandbox(
        TemplateLimits(
            max_output_chars=settings.template_max_output_chars,
            max_value_chars=settings.template_max_value_chars,
            timeout_seconds=settings.template_render_timeout_seconds,
        ),
        workers=settings.template_workers,
        memory_mib=settings.template_worker_memory_mib,
    )
    try:
        yield SandboxedRenderer(sandbox)
    finally:
        await sandbox.aclose()

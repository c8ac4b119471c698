"""The renderer the service runs: the platform's template sandbox (worker processes), built from
its settings; its workers stop with the container."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from lms.auth.config import AuthSettings
from lms.auth.domain.templates import InvalidTemplate, RenderedEmail, TemplateContent
from lms_platform.templating import TemplateLimits, TemplateRefused, TemplateSandbox


def parts_of(content: TemplateContent) -> dict[str, str]:
    return {
        "subject": content.subject,
        "text_body": content.text_body,
        "html_body": content.html_body,
    }


class SandboxedEmailRenderer:
    def __init__(self, sandbox: TemplateSandbox) -> None:
        self._sandbox = sandbox

    async def check(self, content: TemplateContent, allowed: frozenset[str]) -> None:
        try:
            await self._sandbox.check(parts_of(content), allowed)
        except TemplateRefused as refused:
            raise InvalidTemplate(refused.detail, part=refused.part, line=refused.line) from None

    async def render(self, content: TemplateContent, variables: Mapping[str, Any]) -> RenderedEmail:
        try:
            texts = await self._sandbox.render(parts_of(content), variables)
        except TemplateRefused as refused:
            raise InvalidTemplate(refused.detail, part=refused.part, line=refused.line) from None
        subject = " ".join(texts["subject"].split())  # one line, whatever the template did
        return RenderedEmail(
            subject=subject, text_body=texts["text_body"], html_body=texts["html_body"]
        )


async def isolated_template_renderer(
    settings: AuthSettings,
) -> AsyncIterator[SandboxedEmailRenderer]:
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
        yield SandboxedEmailRenderer(sandbox)
    finally:
        await sandbox.aclose()

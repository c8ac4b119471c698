"""The renderer the service runs, built from its settings; its workers stop with the container."""

from __future__ import annotations

from collections.abc import AsyncIterator

from lms.auth.adapters.templates.limits import TemplateLimits
from lms.auth.adapters.templates.worker_pool import IsolatedTemplateRenderer
from lms.auth.config import AuthSettings


async def isolated_template_renderer(
    settings: AuthSettings,
) -> AsyncIterator[IsolatedTemplateRenderer]:
    renderer = IsolatedTemplateRenderer(
        TemplateLimits(
            max_output_chars=settings.template_max_output_chars,
            max_value_chars=settings.template_max_value_chars,
            timeout_seconds=settings.template_render_timeout_seconds,
        ),
        workers=settings.template_workers,
        memory_mib=settings.template_worker_memory_mib,
    )
    try:
        yield renderer
    finally:
        await renderer.aclose()

"""One worker pool for a module's tests (starting a worker costs an interpreter), and the
variables the tests render with."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from types import MappingProxyType
from typing import Any

import pytest_asyncio

from lms_platform.templating import TemplateSandbox

SAMPLE: Mapping[str, Any] = MappingProxyType(
    {
        "college_name": "Example University",
        "college_slug": "example",
        "display_name": "Ada Lovelace",
        "email": "ada@example.edu",
        "reset_url": "https://lms.example/reset-password?token=sample-token",
        "expires_at": "2030-01-01T12:00:00+00:00",
        "roles": ["student"],
    }
)
ALLOWED = frozenset(SAMPLE)


def email(html: str = "<p>{{ reset_url }}</p>", text: str = "{{ reset_url }}") -> dict[str, str]:
    return {"subject": "Reset for {{ college_name }}", "text_body": text, "html_body": html}


def plain(source: str) -> dict[str, str]:
    return {"subject": "x", "text_body": source, "html_body": source}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox() -> AsyncIterator[TemplateSandbox]:
    pool = TemplateSandbox(workers=1)
    try:
        yield pool
    finally:
        await pool.aclose()

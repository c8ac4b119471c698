"""Email templates: the sandboxed renderer, versions, defaults, preview, and who may edit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from lms.auth.adapters.templates.wiring import parts_of
from lms.auth.application.templates import (
    GetCurrentTemplate,
    ListTemplateVersions,
    PreviewTemplate,
    PublishTemplate,
)
from lms.auth.domain.audit import AuditAction
from lms.auth.domain.templates import (
    DEFAULT_TEMPLATES,
    SAMPLE_VARIABLES,
    TEMPLATE_VARIABLES,
    InvalidTemplate,
    RenderedEmail,
    TemplateContent,
    TemplateKind,
)
from lms_platform.kernel.errors import NotFound, PermissionDenied
from lms_platform.kernel.pagination import PageRequest
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role
from lms_platform.templating import TemplateEngine, TemplateRefused
from tests.auth.unit.conftest import SUPER_ADMIN, Auth

RESET = TemplateKind.PASSWORD_RESET
engine = TemplateEngine()


class InProcessRenderer:
    """The use cases' async port over the platform's engine in this process (the service runs
    it in worker processes)."""

    async def check(self, content: TemplateContent, allowed: frozenset[str]) -> None:
        try:
            engine.check(parts_of(content), allowed)
        except TemplateRefused as refused:
            raise InvalidTemplate(refused.detail, part=refused.part, line=refused.line) from None

    async def render(self, content: TemplateContent, variables: Mapping[str, Any]) -> RenderedEmail:
        try:
            texts = engine.render(parts_of(content), variables)
        except TemplateRefused as refused:
            raise InvalidTemplate(refused.detail, part=refused.part, line=refused.line) from None
        return RenderedEmail(**texts)


in_process = InProcessRenderer()


def content(html: str = "<p>{{ reset_url }}</p>", text: str = "{{ reset_url }}") -> TemplateContent:
    return TemplateContent(subject="Reset for {{ college_name }}", text_body=text, html_body=html)


# --- the renderer (its hardening is tested in tests/platform/templating) ---------------


@pytest.mark.parametrize("kind", list(TemplateKind))
async def test_every_default_template_renders_with_its_sample_data(kind: TemplateKind) -> None:
    await in_process.check(DEFAULT_TEMPLATES[kind], TEMPLATE_VARIABLES[kind])
    rendered = await in_process.render(DEFAULT_TEMPLATES[kind], SAMPLE_VARIABLES[kind])
    assert "Example University" in rendered.subject
    assert "Ada Lovelace" in rendered.text_body and "Ada Lovelace" in rendered.html_body


async def test_a_refusal_keeps_its_part_and_line() -> None:
    with pytest.raises(InvalidTemplate) as caught:
        await in_process.check(content(html="<p>\n\n{{ password }}</p>"), TEMPLATE_VARIABLES[RESET])
    assert (caught.value.part, caught.value.line, caught.value.code) == (
        "html_body",
        3,
        "invalid_template",
    )


# --- use cases -------------------------------------------------------------------------


def publish(auth: Auth) -> PublishTemplate:
    return PublishTemplate(auth.uow, auth.clock, auth.ids, auth.audit, in_process)


def _editor(tenant: str) -> Principal:
    return Principal(
        "admin", tenant, frozenset({Role.COLLEGE_ADMIN}), frozenset({"college:configure"})
    )


async def test_a_college_without_templates_gets_the_defaults(auth: Auth) -> None:
    college = await auth.college()
    current = await GetCurrentTemplate(auth.uow)(auth.admin_of(college), college.id, RESET)
    assert current.is_default and current.version == 0
    assert current.content == DEFAULT_TEMPLATES[RESET]


async def test_each_edit_is_a_new_version_and_one_audit_entry(auth: Auth) -> None:
    college = await auth.college()
    editor = _editor(college.tenant_id)
    first = await publish(auth)(
        editor, college.id, RESET, content(html="<p>v1 {{ reset_url }}</p>")
    )
    second = await publish(auth)(
        editor, college.id, RESET, content(html="<p>v2 {{ reset_url }}</p>")
    )
    assert (first.version, second.version) == (1, 2)

    current = await GetCurrentTemplate(auth.uow)(editor, college.id, RESET)
    assert current == second
    page = await ListTemplateVersions(auth.uow)(editor, college.id, RESET, PageRequest())
    assert [t.version for t in page.items] == [2, 1]
    assert page.items[1].content.html_body == "<p>v1 {{ reset_url }}</p>"  # unchanged
    entries = auth.uow.audit_log.of(AuditAction.EMAIL_TEMPLATE_CHANGED)
    assert [e.details for e in entries] == [
        {"kind": "password_reset", "version": 1},
        {"kind": "password_reset", "version": 2},
    ]
    other_kind = await GetCurrentTemplate(auth.uow)(editor, college.id, TemplateKind.WELCOME)
    assert other_kind.is_default


async def test_an_invalid_template_is_refused_and_writes_nothing(auth: Auth) -> None:
    college = await auth.college()
    commits = auth.uow.commits
    with pytest.raises(InvalidTemplate):
        await publish(auth)(_editor(college.tenant_id), college.id, RESET, content(html="{{ x }}"))
    assert auth.uow.commits == commits
    assert not auth.uow.email_templates.table.committed


async def test_preview_renders_a_draft_a_version_or_the_current_one(auth: Auth) -> None:
    college = await auth.college()
    editor = _editor(college.tenant_id)
    preview = PreviewTemplate(auth.uow, in_process)
    draft = await preview(editor, college.id, RESET, content=content(text="Go: {{ reset_url }}"))
    assert draft.text_body == "Go: " + SAMPLE_VARIABLES[RESET]["reset_url"]
    assert draft.subject == "Reset for Example University"
    default = await preview(editor, college.id, RESET)
    assert "Example University" in default.subject
    await publish(auth)(editor, college.id, RESET, content(text="v1 {{ reset_url }}"))
    assert (await preview(editor, college.id, RESET)).text_body.startswith("v1 ")
    assert (await preview(editor, college.id, RESET, version=0)).subject == default.subject
    with pytest.raises(NotFound):
        await preview(editor, college.id, RESET, version=7)
    assert auth.uow.audit_log.of(AuditAction.EMAIL_TEMPLATE_CHANGED)[-1].details["version"] == 1


async def test_only_admins_of_the_college_read_or_edit_templates(auth: Auth) -> None:
    uni_a, uni_b = await auth.college(), await auth.college("uni-b")
    student = Principal("s", uni_a.tenant_id, frozenset({Role.STUDENT}))
    with pytest.raises(PermissionDenied):
        await GetCurrentTemplate(auth.uow)(student, uni_a.id, RESET)
    with pytest.raises(PermissionDenied):
        await publish(auth)(student, uni_a.id, RESET, content())
    with pytest.raises(NotFound):
        await publish(auth)(_editor(uni_b.tenant_id), uni_a.id, RESET, content())
    with pytest.raises(NotFound):
        await PreviewTemplate(auth.uow, in_process)(auth.admin_of(uni_b), uni_a.id, RESET)
    # The permission is checked, not only the role: a token without college:configure is
    # refused both ways (colleges cannot take it from their admins, see role_permissions).
    stripped = Principal("admin", uni_a.tenant_id, frozenset({Role.COLLEGE_ADMIN}))
    with pytest.raises(PermissionDenied):
        await GetCurrentTemplate(auth.uow)(stripped, uni_a.id, RESET)
    with pytest.raises(PermissionDenied):
        await publish(auth)(stripped, uni_a.id, RESET, content())
    await publish(auth)(SUPER_ADMIN, uni_a.id, RESET, content())
    assert len(auth.uow.audit_log.of(AuditAction.EMAIL_TEMPLATE_CHANGED)) == 1

"""Email templates: the sandboxed renderer, versions, defaults, preview, and who may edit."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Mapping
from typing import Any

import pytest

from lms.auth.adapters.templates.jinja_renderer import JinjaTemplateRenderer
from lms.auth.adapters.templates.limits import TemplateLimits
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
from tests.auth.unit.conftest import SUPER_ADMIN, Auth

RESET = TemplateKind.PASSWORD_RESET
renderer = JinjaTemplateRenderer()


class InProcessRenderer:
    """The use cases' async port over the engine in this process (the service runs it in worker
    processes: tests/auth/integration/test_template_limits.py)."""

    async def check(self, content: TemplateContent, allowed: frozenset[str]) -> None:
        renderer.check(content, allowed)

    async def render(self, content: TemplateContent, variables: Mapping[str, Any]) -> RenderedEmail:
        return renderer.render(content, variables)


in_process = InProcessRenderer()


def content(html: str = "<p>{{ reset_url }}</p>", text: str = "{{ reset_url }}") -> TemplateContent:
    return TemplateContent(subject="Reset for {{ college_name }}", text_body=text, html_body=html)


def _error(html: str, kind: TemplateKind = RESET) -> InvalidTemplate:
    source = content(html=html)

    def check_and_render() -> None:
        renderer.check(source, TEMPLATE_VARIABLES[kind])
        renderer.render(source, SAMPLE_VARIABLES[kind])

    with pytest.raises(InvalidTemplate) as caught:
        check_and_render()
    return caught.value


# --- the renderer ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(TemplateKind))
def test_every_default_template_renders_with_its_sample_data(kind: TemplateKind) -> None:
    renderer.check(DEFAULT_TEMPLATES[kind], TEMPLATE_VARIABLES[kind])
    rendered = renderer.render(DEFAULT_TEMPLATES[kind], SAMPLE_VARIABLES[kind])
    assert "Example University" in rendered.subject
    assert "Ada Lovelace" in rendered.text_body and "Ada Lovelace" in rendered.html_body


def test_html_is_escaped_and_text_is_not() -> None:
    source = TemplateContent(
        subject="Hi {{ display_name }}",
        text_body="{{ display_name }}",
        html_body="{{ display_name }}",
    )
    rendered = renderer.render(source, {"display_name": "<b>Tom & Jerry</b>"})
    assert rendered.html_body == "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;"
    assert rendered.text_body == "<b>Tom & Jerry</b>"


def test_a_syntax_error_names_its_part_and_line() -> None:
    error = _error("<p>\n{{ reset_url }}\n{% if %}</p>")
    assert (error.part, error.line, error.code) == ("html_body", 3, "invalid_template")


def test_an_unknown_variable_names_itself_and_its_line() -> None:
    error = _error("<p>\n\n{{ password }}</p>")
    assert error.line == 3 and "password" in error.detail


def test_a_variable_of_another_kind_is_unknown() -> None:
    assert "invitation_url" in _error("{{ invitation_url }}").detail


@pytest.mark.parametrize(
    ("html", "words"),
    [
        ("{{ display_name.__class__ }}", "unsafe"),
        ("{{ display_name|safe }}", "filter"),
        ("{% for i in range(10) %}{% endfor %}", "range"),
        ("{{ (email * 1000) * 1000 }}", "longer"),
        ("{{ 2 ** 1000 }}", "**"),
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "macros"),
        (
            "{% for a in email %}{% for b in email %}{% for c in email %}{% endfor %}"
            "{% endfor %}{% endfor %}",
            "nest",
        ),
        ("{{ display_name.missing }}", "missing"),
        ("{% include 'other' %}", "loader"),
    ],
)
def test_the_sandbox_refuses_escapes_and_costly_templates(html: str, words: str) -> None:
    assert words in _error(html).detail


# --- limits (issue 8, defect 1) --------------------------------------------------------
# 12 characters ("Ada Lovelace") doubled 16 times would be 786 432: the limit (100 000 by
# default) is crossed at the 14th doubling, on line 15, before the value is built.


def _plain(source: str) -> TemplateContent:
    return TemplateContent(subject="x", text_body=source, html_body=source)


def _doubling(step: str, times: int = 16) -> str:
    return "{% set a = display_name %}\n" + (step + "\n") * times + "{{ a|length }}"


@pytest.mark.parametrize(
    "step",
    [
        "{% set a = a ~ a %}",
        "{% set a = a + a %}",
        "{% set a = a|replace('A', a) %}",
        "{% set a = a.replace('A', a) %}",
        "{% set a = [a, a]|join %}",
        "{% set a = ''.join([a, a]) %}",
    ],
)
def test_every_way_of_doubling_a_string_is_refused_where_it_crosses_the_limit(step: str) -> None:
    error = _error(_doubling(step))
    assert "longer than 100000 characters" in error.detail
    assert error.line == 15


def test_a_value_hidden_in_nested_lists_is_refused_before_it_is_printed() -> None:
    # 6**7 copies of the name: each list is small, the text they make is 4.5 million characters.
    nested = "{% set a = display_name %}" + "{% set a = [a, a, a, a, a, a] %}" * 7
    assert "longer than" in _error(nested + "{{ (a ~ '')|length }}").detail
    assert "longer than" in _error(nested + "{{ a }}").detail


def test_a_bomb_behind_a_condition_passes_the_sample_data_and_is_refused_when_sent() -> None:
    bomb = content(
        text="{% set a = display_name %}{% if display_name != 'Ada Lovelace' %}"
        + "{% set a = a ~ a %}" * 16
        + "{% endif %}{{ a|length }}"
    )
    renderer.check(bomb, TEMPLATE_VARIABLES[RESET])
    assert renderer.render(bomb, SAMPLE_VARIABLES[RESET]).text_body == "12"
    with pytest.raises(InvalidTemplate) as caught:
        renderer.render(bomb, {**SAMPLE_VARIABLES[RESET], "display_name": "Grace Hopper"})
    assert "longer than" in caught.value.detail


def test_a_template_cannot_change_the_sample_data() -> None:
    invitation = TemplateKind.INVITATION
    source = _plain("{% set _ = roles.append('hacked') %}{{ roles|join(',') }}")
    with pytest.raises(InvalidTemplate) as caught:
        renderer.render(source, SAMPLE_VARIABLES[invitation])
    assert "unsafe" in caught.value.detail
    assert SAMPLE_VARIABLES[invitation]["roles"] == ["student"]
    with pytest.raises(TypeError):
        SAMPLE_VARIABLES[invitation]["roles"] = ["hacked"]  # type: ignore[index]


def test_output_is_counted_while_it_is_produced() -> None:
    # 1.4 million loop rounds of 15 characters; the count stops it after about 13 000 rounds.
    loops = (
        "{% set s = display_name * 100 %}"
        "{% for a in s %}{% for b in s %}{{ email }}{% endfor %}{% endfor %}"
    )
    tracemalloc.start()
    try:
        error = _error(loops)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "renders to more than 200000 characters" in error.detail
    assert peak < 8 * 1024 * 1024, f"rendering held {peak / 2**20:.1f} MiB"


def test_a_render_stops_at_its_deadline() -> None:
    slow = JinjaTemplateRenderer(TemplateLimits(timeout_seconds=0.2))
    loops = (
        "{% set s = display_name * 1000 %}"
        "{% for a in s %}{% for b in s %}{% if a ~ b == '' %}x{% endif %}{% endfor %}{% endfor %}"
    )
    started = time.monotonic()
    with pytest.raises(InvalidTemplate) as caught:
        slow.render(content(text=loops), SAMPLE_VARIABLES[RESET])
    assert "took longer than 0.2 s" in caught.value.detail
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("html", "words"),
    [
        # Escaping cannot be turned off: a display name would inject markup.
        ("{% autoescape false %}{{ display_name }}{% endautoescape %}", "autoescape"),
        ("{% block b %}{{ self.b() }}{% endblock %}", "blocks"),
        ("{% set x %}{{ email }}{% endset %}{{ x }}", "block assignments"),
        ("{% filter upper %}{{ email }}{% endfilter %}", "filter blocks"),
        ("{% for c in email recursive %}{{ loop(c) }}{% endfor %}", "recursive"),
        ("{{ " + "(" * 2000 + "1" + ")" * 2000 + " }}", "nested too deeply"),
        ("{{ '%999999999s' % email }}", "% formatting"),
        ("{{ '{:>999999999}'.format(email) }}", "unsafe"),
        ("{{ email.center(999999999) }}", "unsafe"),
        ("{{ email.expandtabs(999999999) }}", "unsafe"),
        ("{% set n = 3 %}" + "{% set n = n * n %}" * 12 + "{{ n }}", "bits"),
        ("{{ [email]|join(attribute='upper') }}", "attribute"),
    ],
)
def test_the_sandbox_refuses_what_it_cannot_bound(html: str, words: str) -> None:
    assert words in _error(html).detail


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ email.split('@')[0]|title }}", "Ada"),
        ("{{ roles|join(', ') }} {{ roles|length }}", "student 1"),
        ("{{ display_name|replace('Ada', 'A.') ~ '!' }}", "A. Lovelace!"),
        ("{% for r in roles %}{{ loop.index }}:{{ r|upper }}{% endfor %}", "1:STUDENT"),
        ("{{ (college_slug + '-' + email)|truncate(9, True, '') }}", "example-a"),
        ("{{ display_name * 2 }}", "Ada LovelaceAda Lovelace"),
    ],
)
def test_ordinary_templates_render_as_before(source: str, expected: str) -> None:
    rendered = renderer.render(_plain(source), SAMPLE_VARIABLES[TemplateKind.INVITATION])
    assert (rendered.text_body, rendered.html_body) == (expected, expected)


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

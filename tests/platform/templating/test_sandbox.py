"""What a template may do, checked and rendered in the worker processes services use: escaping,
refused constructs, no reach into Python objects, sizes refused where they cross the limit."""

from __future__ import annotations

import pytest

from lms_platform.templating import TemplateRefused, TemplateSandbox
from tests.platform.templating.conftest import ALLOWED, SAMPLE, email, plain

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _error(sandbox: TemplateSandbox, parts: dict[str, str]) -> TemplateRefused:
    """What checking, then rendering with the sample data, refuses (as a publish does)."""

    async def check_and_render() -> None:
        await sandbox.check(parts, ALLOWED)
        await sandbox.render(parts, SAMPLE)

    with pytest.raises(TemplateRefused) as caught:
        await check_and_render()
    return caught.value


async def test_html_is_escaped_and_text_is_not(sandbox: TemplateSandbox) -> None:
    parts = {
        "subject": "Hi {{ display_name }}",
        "text_body": "{{ display_name }}",
        "html_body": "{{ display_name }}",
    }
    rendered = await sandbox.render(parts, {"display_name": "<b>Tom & Jerry</b>"})
    assert rendered["html_body"] == "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;"
    assert rendered["text_body"] == rendered["subject"][3:] == "<b>Tom & Jerry</b>"


async def test_a_syntax_error_names_its_part_and_line(sandbox: TemplateSandbox) -> None:
    error = await _error(sandbox, email(html="<p>\n{{ reset_url }}\n{% if %}</p>"))
    assert (error.part, error.line) == ("html_body", 3)


async def test_an_unknown_variable_names_itself_and_its_line(sandbox: TemplateSandbox) -> None:
    error = await _error(sandbox, email(html="<p>\n\n{{ password }}</p>"))
    assert (error.part, error.line) == ("html_body", 3) and "password" in error.detail


@pytest.mark.parametrize(
    ("html", "words"),
    [
        ("{{ display_name.__class__ }}", "unsafe"),
        ("{{ display_name.__class__.__mro__[1].__subclasses__() }}", "unsafe"),
        ("{{ roles.__len__() }}", "unsafe"),
        ("{{ display_name|safe }}", "filter"),
        ("{% for i in range(10) %}{% endfor %}", "range"),
        ("{{ lipsum() }}", "lipsum"),
        ("{{ (email * 1000) * 1000 }}", "longer"),
        ("{{ 2 ** 1000 }}", "**"),
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "macros"),
        (
            "{% for a in email %}{% for b in email %}{% for c in email %}{% endfor %}"
            "{% endfor %}{% endfor %}",
            "nest",
        ),
        ("{{ display_name.missing }}", "missing"),
        ("{% include 'other' %}", "includes"),
        ("{% import 'other' as o %}", "imports"),
        ("{% extends 'other' %}", "extends"),
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
async def test_the_sandbox_refuses_escapes_and_what_it_cannot_bound(
    sandbox: TemplateSandbox, html: str, words: str
) -> None:
    error = await _error(sandbox, email(html=html))
    assert words in error.detail and error.part == "html_body"


# 12 characters ("Ada Lovelace") doubled 16 times would be 786 432: the limit (100 000 by
# default) is crossed at the 14th doubling, on line 15, before the value is built.


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
async def test_every_way_of_doubling_a_string_is_refused_where_it_crosses_the_limit(
    sandbox: TemplateSandbox, step: str
) -> None:
    error = await _error(sandbox, email(html=_doubling(step)))
    assert "longer than 100000 characters" in error.detail
    assert (error.part, error.line) == ("html_body", 15)


async def test_a_value_hidden_in_nested_lists_is_refused_before_it_is_printed(
    sandbox: TemplateSandbox,
) -> None:
    # 6**7 copies of the name: each list is small, the text they make is 4.5 million characters.
    nested = "{% set a = display_name %}" + "{% set a = [a, a, a, a, a, a] %}" * 7
    assert "longer than" in (await _error(sandbox, email(nested + "{{ (a ~ '')|length }}"))).detail
    assert "longer than" in (await _error(sandbox, email(nested + "{{ a }}"))).detail


async def test_a_bomb_behind_a_condition_passes_the_sample_data_and_is_refused_when_sent(
    sandbox: TemplateSandbox,
) -> None:
    bomb = email(
        text="{% set a = display_name %}{% if display_name != 'Ada Lovelace' %}"
        + "{% set a = a ~ a %}" * 16
        + "{% endif %}{{ a|length }}"
    )
    await sandbox.check(bomb, ALLOWED)
    assert (await sandbox.render(bomb, SAMPLE))["text_body"] == "12"
    with pytest.raises(TemplateRefused) as caught:
        await sandbox.render(bomb, {**SAMPLE, "display_name": "Grace Hopper"})
    assert "longer than" in caught.value.detail


async def test_a_template_cannot_change_the_values_the_next_render_sees(
    sandbox: TemplateSandbox,
) -> None:
    values = {**SAMPLE, "roles": ["student"]}
    with pytest.raises(TemplateRefused) as caught:
        await sandbox.render(
            plain("{% set _ = roles.append('hacked') %}{{ roles|join(',') }}"), values
        )
    assert "unsafe" in caught.value.detail
    after = await sandbox.render(plain("{{ roles|join(',') }}"), values)
    assert after["text_body"] == "student" and values["roles"] == ["student"]


async def test_output_is_refused_past_its_limit(sandbox: TemplateSandbox) -> None:
    # 1.4 million loop rounds of 15 characters; the count stops it after about 13 000 rounds.
    loops = (
        "{% set s = display_name * 100 %}"
        "{% for a in s %}{% for b in s %}{{ email }}{% endfor %}{% endfor %}"
    )
    error = await _error(sandbox, email(text=loops))
    assert "renders to more than 200000 characters" in error.detail and error.part == "text_body"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ email.split('@')[0]|title }}", "Ada"),
        ("{{ roles|join(', ') }} {{ roles|length }}", "student 1"),
        ("{{ display_name|replace('Ada', 'A.') ~ '!' }}", "A. Lovelace!"),
        ("{% for r in roles %}{{ loop.index }}:{{ r|upper }}{% endfor %}", "1:STUDENT"),
        ("{{ (college_slug + '-' + email)|truncate(9, True, '') }}", "example-a"),
        ("{{ display_name * 2 }}", "Ada LovelaceAda Lovelace"),
        ("{% if display_name is string and roles|length is number %}yes{% endif %}", "yes"),
    ],
)
async def test_ordinary_templates_render(
    sandbox: TemplateSandbox, source: str, expected: str
) -> None:
    rendered = await sandbox.render(plain(source), SAMPLE)
    assert (rendered["text_body"], rendered["html_body"]) == (expected, expected)

"""The engine in this process (for the templates a service ships): output counted while it is
produced, and a deadline the hooks keep."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from lms_platform.templating import TemplateEngine, TemplateLimits, TemplateRefused
from tests.platform.templating.conftest import ALLOWED, SAMPLE, email


def test_output_is_counted_while_it_is_produced() -> None:
    # 1.4 million loop rounds of 15 characters; the count stops it after about 13 000 rounds.
    loops = (
        "{% set s = display_name * 100 %}"
        "{% for a in s %}{% for b in s %}{{ email }}{% endfor %}{% endfor %}"
    )
    engine = TemplateEngine()
    tracemalloc.start()
    try:
        with pytest.raises(TemplateRefused) as caught:
            engine.render(email(html=loops), SAMPLE)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "renders to more than 200000 characters" in caught.value.detail
    assert peak < 8 * 1024 * 1024, f"rendering held {peak / 2**20:.1f} MiB"


def test_a_render_stops_at_its_deadline() -> None:
    slow = TemplateEngine(TemplateLimits(timeout_seconds=0.2))
    loops = (
        "{% set s = display_name * 1000 %}"
        "{% for a in s %}{% for b in s %}{% if a ~ b == '' %}x{% endif %}{% endfor %}{% endfor %}"
    )
    started = time.monotonic()
    with pytest.raises(TemplateRefused) as caught:
        slow.render(email(text=loops), SAMPLE)
    assert "took longer than 0.2 s" in caught.value.detail
    assert time.monotonic() - started < 2


def test_a_compiled_template_is_reused_and_still_held_to_the_rules() -> None:
    engine = TemplateEngine()
    parts = email(text="{{ display_name }}")
    engine.check(parts, ALLOWED)
    first = engine.render(parts, SAMPLE)
    again = engine.render(parts, {**SAMPLE, "display_name": "Grace Hopper"})
    assert (first["text_body"], again["text_body"]) == ("Ada Lovelace", "Grace Hopper")
    with pytest.raises(TemplateRefused, match="macros"):
        engine.render(email(text="{% macro m() %}{% endmacro %}"), SAMPLE)

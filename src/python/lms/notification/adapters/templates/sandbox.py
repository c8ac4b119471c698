"""Templates rendered in jinja2's ``ImmutableSandboxedEnvironment``: no attribute or call
reaches Python internals, values cannot be changed, a missing value is an error
(``StrictUndefined``), the HTML body is autoescaped and the subject and text are not. Macros,
blocks, block assignments, filter blocks and autoescape blocks are refused (their output escapes
the size count or they turn escaping off); every render works on a deep copy of the values, runs
in a thread off the event loop, and is held to a time limit and an output size.

A lighter sandbox than auth's process pool (``lms.auth.adapters.templates``): it cannot stop a
runaway render's thread, only stop waiting for it. One shared sandbox in ``lms_platform`` is the
follow-up (docs/services/notification.md, *Templates*).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from lms.notification.domain.kinds import Channel, NotificationType
from lms.notification.domain.templates import (
    DIGEST_TEMPLATE,
    InvalidTemplate,
    RenderedMessage,
    TemplateContent,
    default_template,
)

PARTS = ("subject", "text_body", "html_body")
_CACHE_SIZE = 512
_REFUSED: tuple[tuple[type[nodes.Node], str], ...] = (
    (nodes.Macro, "macros"),
    (nodes.CallBlock, "macros"),
    (nodes.Block, "blocks"),
    (nodes.Extends, "template inheritance"),
    (nodes.Include, "includes"),
    (nodes.Import, "imports"),
    (nodes.FromImport, "imports"),
    (nodes.AssignBlock, "block assignments"),
    (nodes.FilterBlock, "filter blocks"),
    (nodes.EvalContextModifier, "autoescape blocks"),
)
_FILTERS = (
    "length",
    "upper",
    "lower",
    "title",
    "capitalize",
    "trim",
    "default",
    "join",
    "truncate",
    "e",
    "escape",
)
_RENDER_ERRORS = (
    TemplateError,
    TypeError,
    ValueError,
    ArithmeticError,
    LookupError,
    RecursionError,
)


def _environment(autoescape: bool) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=autoescape)
    env.globals.clear()
    env.filters = {name: env.filters[name] for name in _FILTERS}
    env.tests = {name: env.tests[name] for name in ("defined", "none", "number", "string")}
    return env


def _built_in() -> frozenset[TemplateContent]:
    defaults = {default_template(kind, channel) for kind in NotificationType for channel in Channel}
    return frozenset(defaults | {DIGEST_TEMPLATE})


class SandboxedRenderer:
    def __init__(self, *, timeout_seconds: float = 2.0, max_output_chars: int = 200_000) -> None:
        self._plain = _environment(autoescape=False)
        self._html = _environment(autoescape=True)
        self._timeout = timeout_seconds
        self._max_output = max_output_chars
        # Our own templates render inline: the thread hop only guards against colleges' ones.
        self._trusted = _built_in()
        self._cache: dict[tuple[str, str], Template] = {}

    def _env(self, part: str) -> ImmutableSandboxedEnvironment:
        return self._html if part == "html_body" else self._plain

    def _parse(self, part: str, source: str) -> nodes.Template:
        try:
            parsed = self._env(part).parse(source)
        except TemplateSyntaxError as exc:
            raise InvalidTemplate(f"{part}: {exc.message}", part=part, line=exc.lineno) from exc
        for kind, what in _REFUSED:
            for node in parsed.find_all(kind):
                raise InvalidTemplate(
                    f"{part}: {what} are not allowed", part=part, line=node.lineno
                )
        return parsed

    def check_sync(self, content: TemplateContent, allowed: frozenset[str]) -> None:
        for part in PARTS:
            parsed = self._parse(part, getattr(content, part))
            unknown = meta.find_undeclared_variables(parsed) - allowed
            if unknown:
                names = ", ".join(sorted(unknown))
                raise InvalidTemplate(f"{part}: unknown variables {names}", part=part)

    def _compiled(self, part: str, source: str) -> Template:
        """Checked and compiled once per source: a batch renders the same template many times."""
        key = (part, source)
        template = self._cache.get(key)
        if template is None:
            self._parse(part, source)
            try:
                template = self._env(part).from_string(source)
            except TemplateError as exc:
                raise InvalidTemplate(f"{part}: {exc}", part=part) from exc
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = template
        return template

    def render_sync(
        self, content: TemplateContent, variables: Mapping[str, Any]
    ) -> RenderedMessage:
        values = copy.deepcopy(dict(variables))
        out: dict[str, str] = {}
        for part in PARTS:
            template = self._compiled(part, getattr(content, part))
            try:
                text = template.render(values)
            except _RENDER_ERRORS as exc:
                raise InvalidTemplate(f"{part}: {exc}", part=part) from exc
            if len(text) > self._max_output:
                raise InvalidTemplate(
                    f"{part}: output exceeds {self._max_output} characters", part=part
                )
            out[part] = text
        subject = " ".join(out["subject"].split())  # no header injection through a newline
        return RenderedMessage(
            subject=subject, text_body=out["text_body"], html_body=out["html_body"]
        )

    async def check(self, content: TemplateContent, allowed: frozenset[str]) -> None:
        self.check_sync(content, allowed)

    async def render(
        self, content: TemplateContent, variables: Mapping[str, Any]
    ) -> RenderedMessage:
        if content in self._trusted:
            return self.render_sync(content, variables)
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(self.render_sync, content, variables), self._timeout
            )
        except TimeoutError as exc:
            raise InvalidTemplate(
                f"rendering took longer than {self._timeout}s", part="template"
            ) from exc
